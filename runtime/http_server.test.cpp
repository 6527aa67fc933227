#include "runtime/http_server.hpp"

#include "runtime/http_errc.hpp"
#include "runtime/metrics_text_parser.test.hpp"
#include "testkit/time.hpp"

#include <arpa/inet.h>
#include <caf/message.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <cerrno>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

using namespace keel::runtime;

namespace {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;
};

// A blocking HTTP/1.1 client whose every read and write has a deadline (SO_RCVTIMEO and
// SO_SNDTIMEO, the kit's default timeout): a server that does not answer fails the test.
class client {
public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    auto ms = keel::testkit::default_timeout().count();
    timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }

  ~client() { ::close(fd_); }

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      auto n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
  }

  /// The next reply; for a HEAD request (`head`), without reading a body.
  http_reply read_reply(bool head = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      REQUIRE(fill());
    http_reply reply;
    auto head_text = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    auto eol = head_text.find("\r\n");
    auto status_line = head_text.substr(0, eol);
    REQUIRE(status_line.rfind("HTTP/1.1 ", 0) == 0);
    reply.status = std::stoi(status_line.substr(9, 3));
    for (auto pos = eol + 2; pos < head_text.size();) {
      auto next = head_text.find("\r\n", pos);
      auto line = head_text.substr(pos, next - pos);
      pos = next + 2;
      auto colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      auto name = line.substr(0, colon);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[name] = value;
    }
    REQUIRE(reply.headers.count("content-length") == 1);
    if (head)
      return reply;
    auto length = std::stoul(reply.headers["content-length"]);
    while (buf_.size() < length)
      REQUIRE(fill());
    reply.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return reply;
  }

  /// True when the server closed the connection (EOF or reset) before the deadline.
  bool closed_by_peer() {
    char c;
    auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

private:
  bool fill() {
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return false; // closed, or the deadline passed (EAGAIN)
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

http_reply get(uint16_t port, const std::string& target, const std::string& method = "GET") {
  client c{port};
  c.send(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  return c.read_reply(method == "HEAD");
}

std::string context_of(const caf::error& err) {
  auto& ctx = err.context();
  return ctx.size() == 1 && ctx.match_element<std::string>(0) ? ctx.get_as<std::string>(0)
                                                              : std::string{};
}

bool is(const caf::error& err, http_errc code) {
  return err.category() == http_errc_category && err.code() == static_cast<uint8_t>(code);
}

health_report all_up() {
  return {};
}

http_options ephemeral() {
  http_options opts;
  opts.port = 0;
  return opts;
}

// A server that is stopped when the test ends, whatever happened.
struct running_server {
  explicit running_server(const metrics_registry& reg, health_check health = all_up,
                          http_options opts = ephemeral())
      : server(reg, std::move(health), std::move(opts)) {
    auto bound = server.start();
    REQUIRE(bound);
    port = *bound;
  }
  ~running_server() { server.stop(); }

  http_server server;
  uint16_t port = 0;
};

} // namespace

TEST_CASE("/metrics scraped over a socket parses as strict Prometheus text") {
  metrics_registry reg;
  for (int shard = 0; shard < 3; ++shard) {
    metric_labels l{{"shard", std::to_string(shard)}};
    reg.counter("keel_shard_ops_total", "Commands executed by a shard.", l).inc(10 + shard);
    reg.counter("keel_wal_syncs_total", "WAL fsyncs.", l).inc(shard);
    auto& lat =
        reg.histogram("keel_wal_sync_seconds", "WAL sync latency.", latency_buckets_seconds(), l);
    lat.observe(0.0003);
    lat.observe(0.002);
  }
  reg.histogram("keel_gateway_batch_size", "Commands per shard batch.",
                exponential_buckets(1, 2, 10))
      .observe(16);
  reg.gauge("keel_gateway_clients", "Connected RESP clients.").set(4);
  reg.gauge("keel_breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open.",
            {{"breaker", "wal \"primary\""}})
      .set(2);
  running_server srv{reg};
  auto reply = get(srv.port, "/metrics");
  CHECK(reply.status == 200);
  CHECK(reply.headers["content-type"].rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(reply.body == reg.render_prometheus());
  auto parsed = test::parse_prometheus_text(reply.body);
  INFO(reply.body);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.types["keel_shard_ops_total"] == "counter");
  CHECK(parsed.types["keel_wal_sync_seconds"] == "histogram");
  CHECK(parsed.types["keel_gateway_clients"] == "gauge");
  CHECK(parsed.value("keel_shard_ops_total", {{"shard", "2"}}) == 12);
  CHECK(parsed.value("keel_wal_sync_seconds_count", {{"shard", "1"}}) == 2);
  CHECK(parsed.value("keel_breaker_state", {{"breaker", "wal \"primary\""}}) == 2);
}

TEST_CASE("HEAD /metrics announces the length without sending a body") {
  metrics_registry reg;
  reg.counter("c_total", "c").inc();
  running_server srv{reg};
  auto reply = get(srv.port, "/metrics", "HEAD");
  CHECK(reply.status == 200);
  CHECK(reply.headers["content-length"] == std::to_string(reg.render_prometheus().size()));
}

TEST_CASE("/healthz answers 200 ok when every component is up") {
  metrics_registry reg;
  running_server srv{reg};
  auto reply = get(srv.port, "/healthz");
  CHECK(reply.status == 200);
  CHECK(reply.body == "ok\n");
}

TEST_CASE("/healthz answers 503 with the failing components, one per line") {
  metrics_registry reg;
  running_server srv{reg, [] {
                       return health_report{false, {"shard 1: down", "shard 3: restarting"}};
                     }};
  auto reply = get(srv.port, "/healthz?verbose=1");
  CHECK(reply.status == 503);
  CHECK(reply.body == "shard 1: down\nshard 3: restarting\n");
}

TEST_CASE("/healthz answers 503 naming the exception when the health check throws") {
  metrics_registry reg;
  running_server srv{reg, []() -> health_report { throw std::runtime_error("no root"); }};
  auto reply = get(srv.port, "/healthz");
  CHECK(reply.status == 503);
  CHECK(reply.body == "health check failed: no root\n");
}

TEST_CASE("unknown paths answer 404 and other methods 405") {
  metrics_registry reg;
  running_server srv{reg};
  CHECK(get(srv.port, "/").status == 404);
  CHECK(get(srv.port, "/metrics/x").status == 404);
  CHECK(get(srv.port, "/nope", "POST").status == 404);
  auto post = get(srv.port, "/metrics", "POST");
  CHECK(post.status == 405);
  CHECK(post.headers["allow"] == "GET, HEAD");
  CHECK(get(srv.port, "/healthz", "DELETE").status == 405);
}

TEST_CASE("a kept-alive connection answers pipelined requests in order") {
  metrics_registry reg;
  running_server srv{reg};
  client c{srv.port};
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read_reply().status == 200);
  CHECK(c.read_reply().status == 404);
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto last = c.read_reply();
  CHECK(last.status == 200);
  CHECK(last.headers["connection"] == "close");
  CHECK(c.closed_by_peer());
}

TEST_CASE("a request larger than the limit is answered 413 and the connection closed") {
  metrics_registry reg;
  auto opts = ephemeral();
  opts.max_request_bytes = 1024;
  running_server srv{reg, all_up, opts};
  client c{srv.port};
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  CHECK(c.read_reply().status == 413);
  CHECK(c.closed_by_peer());
}

TEST_CASE("a malformed request is answered 400 and the connection closed") {
  metrics_registry reg;
  running_server srv{reg};
  client c{srv.port};
  c.send("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n");
  CHECK(c.read_reply().status == 400);
  CHECK(c.closed_by_peer());
}

TEST_CASE("stop closes open connections and the port") {
  metrics_registry reg;
  http_server server{reg, all_up, ephemeral()};
  auto port = server.start();
  REQUIRE(port);
  CHECK(server.running());
  CHECK(server.port() == *port);
  client c{*port};
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read_reply().status == 200); // the connection is open and idle now
  server.stop();
  CHECK(c.closed_by_peer());
  CHECK_FALSE(server.running());
  CHECK(server.port() == 0);
  server.stop(); // idempotent
}

TEST_CASE("a stopped server starts again, and localhost means 127.0.0.1") {
  metrics_registry reg;
  auto opts = ephemeral();
  opts.address = "localhost";
  http_server server{reg, all_up, opts};
  REQUIRE(server.start());
  server.stop();
  auto port = server.start();
  REQUIRE(port);
  CHECK(get(*port, "/healthz").status == 200);
  server.stop();
}

TEST_CASE("starting a running server is an error") {
  metrics_registry reg;
  running_server srv{reg};
  auto again = srv.server.start();
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), http_errc::already_running));
}

TEST_CASE("a port in use is an error naming the address and port") {
  metrics_registry reg;
  running_server first{reg};
  auto opts = ephemeral();
  opts.port = first.port;
  http_server second{reg, all_up, opts};
  auto port = second.start();
  REQUIRE_FALSE(port);
  CHECK(is(port.error(), http_errc::bind_failed));
  auto text = context_of(port.error());
  CHECK(text.find("127.0.0.1:" + std::to_string(first.port)) != std::string::npos);
  CHECK(text.find("port 0 picks a free one") != std::string::npos);
  CHECK_FALSE(second.running());
}

TEST_CASE("a bind address that is not an IP address is an error naming it") {
  metrics_registry reg;
  auto opts = ephemeral();
  opts.address = "metrics.example";
  http_server server{reg, all_up, opts};
  auto port = server.start();
  REQUIRE_FALSE(port);
  CHECK(is(port.error(), http_errc::invalid_address));
  CHECK(context_of(port.error()).find("'metrics.example'") != std::string::npos);
}

TEST_CASE("an idle connection is closed after the idle timeout") {
  metrics_registry reg;
  auto opts = ephemeral();
  opts.idle_timeout = std::chrono::milliseconds{50};
  running_server srv{reg, all_up, opts};
  client c{srv.port};
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read_reply().status == 200);
  CHECK(c.closed_by_peer()); // waits for the server's close, up to the client's deadline
}
