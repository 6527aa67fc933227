#include "gateway/server.hpp"

#include "gateway/test_client.hpp"
#include "gateway/test_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sys/socket.h>
#include <thread>

using namespace keel::gateway;
using keel::testkit::default_timeout;
using namespace std::string_literals;

namespace {

/// A backend that answers on its own thread, for replies coming from another thread; it can
/// hold batches back until release() so that a test can stop the server with a batch in flight.
class threaded_backend final : public backend {
public:
  explicit threaded_backend(bool hold = false) : hold_(hold) {
    worker_ = std::thread([this] { loop(); });
  }

  ~threaded_backend() override {
    {
      std::lock_guard<std::mutex> g{mtx_};
      quit_ = true;
      hold_ = false;
    }
    cv_.notify_all();
    worker_.join();
  }

  void execute(std::vector<command> batch, done_handler done) override {
    {
      std::lock_guard<std::mutex> g{mtx_};
      queue_.emplace_back(std::move(batch), std::move(done));
      ++received_;
    }
    cv_.notify_all();
  }

  backend_stats stats() const override { return inner_.stats(); }

  /// Waits until `n` batches were received; false at the deadline.
  bool wait_received(size_t n) {
    std::unique_lock<std::mutex> g{mtx_};
    return cv_.wait_for(g, default_timeout(), [&] { return received_ >= n; });
  }

  void release() {
    {
      std::lock_guard<std::mutex> g{mtx_};
      hold_ = false;
    }
    cv_.notify_all();
  }

private:
  void loop() {
    std::unique_lock<std::mutex> g{mtx_};
    for (;;) {
      cv_.wait(g, [&] { return quit_ || (!hold_ && !queue_.empty()); });
      if (queue_.empty() && quit_)
        return;
      auto [batch, done] = std::move(queue_.front());
      queue_.pop_front();
      g.unlock();
      inner_.execute(std::move(batch), std::move(done));
      g.lock();
    }
  }

  memory_backend inner_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::pair<std::vector<command>, done_handler>> queue_;
  size_t received_ = 0;
  bool hold_;
  bool quit_ = false;
  std::thread worker_;
};

} // namespace

TEST_CASE("a client sets and gets a key over TCP") {
  running_server s;
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SET", "k", "v"})));
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(c.send(encode_command({"GET", "k"})));
  CHECK(c.read_reply() == reply::bulk("v"));
  REQUIRE(c.send("GET nope\r\n"));
  CHECK(c.read_reply() == reply::null());
}

TEST_CASE("pipelined commands are answered in request order, local and backend mixed") {
  running_server s;
  test_client c{s.port};
  std::string pipeline = encode_command({"SET", "a", "1"}) + "PING\r\n"
                         + encode_command({"GET", "a"}) + encode_command({"ECHO", "x"})
                         + encode_command({"INCR", "a"}) + "CLIENT GETNAME\r\n"
                         + encode_command({"GET", "a"}) + encode_command({"NOPE", "z"});
  REQUIRE(c.send(pipeline));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::simple("PONG"));
  CHECK(c.read_reply() == reply::bulk("1"));
  CHECK(c.read_reply() == reply::bulk("x"));
  CHECK(c.read_reply() == reply::integer(2));
  CHECK(c.read_reply() == reply::null());
  CHECK(c.read_reply() == reply::bulk("2"));
  CHECK(c.read_reply()
        == reply::error("ERR unknown command 'NOPE', with args beginning with: 'z' "));
  auto n = s.srv.numbers();
  CHECK(n.batched_commands == 5);
  CHECK(n.total_commands == 8);
}

TEST_CASE("a MULTI block is queued and answered at EXEC as one array, local answers in place") {
  running_server s;
  test_client c{s.port};
  std::string pipeline = encode_command({"SET", "a", "1"}) + encode_command({"MULTI"})
                         + encode_command({"INCR", "a"}) + "PING\r\n"
                         + encode_command({"CLIENT", "SETNAME", "tx"})
                         + encode_command({"GET", "a"}) + encode_command({"EXEC"})
                         + encode_command({"GET", "a"}) + "CLIENT GETNAME\r\n";
  REQUIRE(c.send(pipeline));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::ok()); // MULTI
  for (int i = 0; i < 4; ++i)
    CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply()
        == reply::array({reply::integer(2), reply::simple("PONG"), reply::ok(), reply::bulk("2")}));
  CHECK(c.read_reply() == reply::bulk("2"));
  CHECK(c.read_reply() == reply::bulk("tx"));
  // Only local commands, an empty block, a discarded one, and one that failed while queued.
  REQUIRE(c.send(encode_command({"MULTI"}) + "ECHO hi\r\n" + encode_command({"EXEC"})
                 + encode_command({"MULTI"}) + encode_command({"EXEC"})
                 + encode_command({"MULTI"}) + encode_command({"INCR", "a"})
                 + encode_command({"DISCARD"}) + encode_command({"MULTI"})
                 + encode_command({"INCR"}) + encode_command({"INCR", "a"})
                 + encode_command({"EXEC"}) + encode_command({"GET", "a"})));
  for (auto& want : {reply::ok(), reply::simple("QUEUED"), reply::array({reply::bulk("hi")}),
                     reply::ok(), reply::array({}), reply::ok(), reply::simple("QUEUED"),
                     reply::ok(), reply::ok(),
                     reply::error("ERR wrong number of arguments for 'incr' command"),
                     reply::simple("QUEUED"),
                     reply::error("EXECABORT Transaction discarded because of previous errors."),
                     reply::bulk("2")})
    CHECK(c.read_reply() == want);
}

TEST_CASE("EXEC answers nil when another client changed a watched key, and runs otherwise") {
  running_server s;
  test_client c{s.port};
  test_client other{s.port};
  REQUIRE(c.send(encode_command({"SET", "k", "1"}) + encode_command({"WATCH", "k", "free"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(other.send(encode_command({"INCR", "k"})));
  CHECK(other.read_reply() == reply::integer(2));
  REQUIRE(c.send(encode_command({"MULTI"}) + encode_command({"SET", "k", "mine"})
                 + encode_command({"EXEC"}) + encode_command({"GET", "k"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply() == reply::null_array());
  CHECK(c.read_reply() == reply::bulk("2"));
  // EXEC forgot the watch: the next block runs; so does one whose watched keys stayed put.
  REQUIRE(c.send(encode_command({"WATCH", "free"}) + encode_command({"MULTI"})
                 + encode_command({"SET", "k", "mine"}) + "PING\r\n"
                 + encode_command({"EXEC"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply() == reply::array({reply::ok(), reply::simple("PONG")}));
  // A block that does not run leaves its local commands unrun too.
  REQUIRE(c.send(encode_command({"WATCH", "k"})));
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(other.send(encode_command({"SET", "k", "theirs"})));
  CHECK(other.read_reply() == reply::ok());
  REQUIRE(c.send(encode_command({"MULTI"}) + encode_command({"CLIENT", "SETNAME", "late"})
                 + encode_command({"EXEC"}) + "CLIENT GETNAME\r\n"));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply() == reply::null_array());
  CHECK(c.read_reply() == reply::null());
  // A watched key deleted, or removed by FLUSHALL, counts as changed too.
  for (auto change : {"DEL k", "FLUSHALL"}) {
    REQUIRE(c.send(encode_command({"WATCH", "k"})));
    CHECK(c.read_reply() == reply::ok());
    REQUIRE(other.send(std::string{change} + "\r\n"));
    REQUIRE(other.read_reply());
    REQUIRE(c.send(encode_command({"MULTI"}) + "PING\r\n" + encode_command({"EXEC"})));
    CHECK(c.read_reply() == reply::ok());
    CHECK(c.read_reply() == reply::simple("QUEUED"));
    CHECK(c.read_reply() == reply::null_array());
  }
}

TEST_CASE("commands pipelined behind a WATCH wait for its versions, a protocol error too") {
  running_server s;
  test_client c{s.port};
  // One send: the EXEC must see the versions the WATCH brings back, and the client's own SET
  // between them changes the key.
  REQUIRE(c.send(encode_command({"WATCH", "k"}) + encode_command({"SET", "k", "1"})
                 + encode_command({"MULTI"}) + encode_command({"INCR", "k"})
                 + encode_command({"EXEC"}) + encode_command({"WATCH", "k"})
                 + encode_command({"MULTI"}) + encode_command({"INCR", "k"})
                 + encode_command({"EXEC"}) + "*1\r\n$x\r\n"));
  for (auto& want : {reply::ok(), reply::ok(), reply::ok(), reply::simple("QUEUED"),
                     reply::null_array(), reply::ok(), reply::ok(), reply::simple("QUEUED"),
                     reply::array({reply::integer(2)}),
                     reply::error("ERR Protocol error: invalid bulk length")})
    CHECK(c.read_reply() == want);
  CHECK(c.wait_closed());
}

TEST_CASE("10k pipelined commands are all answered in order") {
  running_server s;
  test_client c{s.port};
  std::string pipeline;
  for (int i = 0; i < 10000; ++i)
    pipeline += encode_command({"INCR", "n"});
  REQUIRE(c.send(pipeline));
  for (int i = 1; i <= 10000; ++i) {
    auto r = c.read_reply();
    REQUIRE(r);
    REQUIRE(*r == reply::integer(i));
  }
  CHECK(s.srv.numbers().batches < 10000); // pipelines travel in batches, not one by one
}

TEST_CASE("a garbage client gets a protocol error and is closed; a good client is unaffected") {
  running_server s;
  test_client good{s.port};
  test_client bad{s.port};
  REQUIRE(good.send(encode_command({"SET", "k", "v"})));
  CHECK(good.read_reply() == reply::ok());
  REQUIRE(bad.send("PING\r\n*2\r\n$3\r\nGET\r\n:1\r\n"));
  CHECK(bad.read_reply() == reply::simple("PONG"));
  CHECK(bad.read_reply() == reply::error("ERR Protocol error: expected '$', got ':'"));
  CHECK(bad.wait_closed());
  for (int i = 0; i < 100; ++i) {
    REQUIRE(good.send(encode_command({"GET", "k"})));
    REQUIRE(good.read_reply() == reply::bulk("v"));
  }
  test_client worse{s.port};
  REQUIRE(worse.send("*1\r\n$-1\r\n"));
  CHECK(worse.read_reply() == reply::error("ERR Protocol error: invalid bulk length"));
  CHECK(worse.wait_closed());
  REQUIRE(good.send("PING\r\n"));
  CHECK(good.read_reply() == reply::simple("PONG"));
  CHECK(s.srv.numbers().protocol_errors == 2);
}

namespace {

/// Options whose every read after a batch is drained (slow_reply 0) or none is (a day), so that
/// a test covers both ways session::read() reads.
options read_mode() {
  options o;
  o.slow_reply = GENERATE(std::chrono::microseconds{0},
                          std::chrono::microseconds{std::chrono::hours{24}});
  return o;
}

} // namespace

TEST_CASE("a truncated frame sent in pieces is answered once complete") {
  running_server s{read_mode()};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SET", "first", "1"}))); // a batch answered: the mode applies
  CHECK(c.read_reply() == reply::ok());
  const std::string key = "bin\0\r\nkey"s;
  std::string cmd = encode_command({"SET", key, "v"});
  for (char ch : cmd)
    REQUIRE(c.send(std::string(1, ch)));
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(c.send(encode_command({"EXISTS", key})));
  CHECK(c.read_reply() == reply::integer(1));
  REQUIRE(c.send(encode_command({"EXISTS", "bin"})));
  CHECK(c.read_reply() == reply::integer(0));
}

TEST_CASE("requests around the read buffer's size are answered, each after the last reply") {
  // A read that fills the session's 16 KiB buffer leaves the socket possibly not drained, a
  // shorter one drained: either way the next request, sent only after the reply, is read.
  running_server s{read_mode()};
  test_client c{s.port};
  for (size_t total : {size_t{16383}, size_t{16384}, size_t{16385}, size_t{32768}, size_t{40}}) {
    std::string value(total, 'x');
    std::string cmd;
    while ((cmd = encode_command({"SET", "k", value})).size() > total)
      value.pop_back(); // the frame, length digits included, is exactly `total` bytes
    REQUIRE(cmd.size() == total);
    REQUIRE(c.send(cmd));
    CHECK(c.read_reply() == reply::ok());
    REQUIRE(c.send(encode_command({"GET", "k"})));
    CHECK(c.read_reply() == reply::bulk(value));
  }
}

TEST_CASE("QUIT answers OK and closes the connection") {
  running_server s;
  test_client c{s.port};
  REQUIRE(c.send("QUIT\r\nPING\r\n"));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.wait_closed());
  CHECK(c.pending().empty()); // nothing after QUIT was answered
}

TEST_CASE("SHUTDOWN calls the server's hook and closes the connection without a reply, after "
          "the replies before it") {
  std::vector<std::string> asked; // written on the I/O thread, read after stop()
  options opts;
  opts.on_shutdown = [&asked](const std::string& who) { asked.push_back(who); };
  {
    running_server s{opts};
    test_client other{s.port};
    test_client c{s.port};
    REQUIRE(c.send(encode_command({"CLIENT", "SETNAME", "ops"}) + encode_command({"SET", "k", "v"})
                   + encode_command({"SHUTDOWN", "nosave"}) + encode_command({"PING"})));
    CHECK(c.read_reply() == reply::ok());
    CHECK(c.read_reply() == reply::ok());
    CHECK(c.wait_closed());
    CHECK(c.pending().empty()); // no reply to SHUTDOWN, nothing after it answered
    // The hook decides what happens to the server; here it keeps serving.
    REQUIRE(other.send(encode_command({"GET", "k"})));
    CHECK(other.read_reply() == reply::bulk("v"));
  }
  REQUIRE(asked.size() == 1);
  CHECK_THAT(asked[0], Catch::StartsWith("client id=") && Catch::EndsWith(" name=ops"));
  // Without a hook SHUTDOWN is refused and the connection stays.
  running_server plain;
  test_client c{plain.port};
  REQUIRE(c.send(encode_command({"SHUTDOWN"}) + encode_command({"PING"})));
  CHECK_THAT(c.read_reply()->str(), Catch::StartsWith("ERR SHUTDOWN is not available"));
  CHECK(c.read_reply() == reply::simple("PONG"));
}

TEST_CASE("CLIENT LIST shows every connection and CLIENT KILL closes another one") {
  running_server s;
  test_client a{s.port};
  test_client b{s.port};
  REQUIRE(
    a.send(encode_command({"CLIENT", "SETNAME", "alpha"}) + encode_command({"CLIENT", "ID"})));
  REQUIRE(a.read_reply() == reply::ok());
  auto a_id = a.read_reply();
  REQUIRE(a_id);
  REQUIRE(b.send(encode_command({"CLIENT", "LIST"})));
  auto list = b.read_reply();
  REQUIRE(list);
  auto text = list->str();
  auto a_line = "id=" + std::to_string(a_id->integer_value()) + " addr=127.0.0.1:";
  CHECK(text.find(a_line) != std::string::npos);
  CHECK(text.find(" name=alpha ") != std::string::npos);
  CHECK(text.find(" laddr=127.0.0.1:" + std::to_string(s.port) + " ") != std::string::npos);
  CHECK(text.find(" cmd=client ") != std::string::npos);      // a's last command
  CHECK(text.find(" cmd=client|list ") != std::string::npos); // b's, the one asking
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
  REQUIRE(b.send(encode_command({"CLIENT", "KILL", "ID", std::to_string(a_id->integer_value())})));
  CHECK(b.read_reply() == reply::integer(1));
  CHECK(a.wait_closed());
  REQUIRE(b.send(encode_command({"CLIENT", "LIST"})));
  auto after = b.read_reply();
  REQUIRE(after);
  CHECK(std::count(after->str().begin(), after->str().end(), '\n') == 1);
  // Killing itself (SKIPME no), a client still gets its reply, then the connection closes.
  REQUIRE(b.send(encode_command({"CLIENT", "KILL", "SKIPME", "no", "TYPE", "normal"})));
  CHECK(b.read_reply() == reply::integer(1));
  CHECK(b.wait_closed());
  test_client c{s.port};
  REQUIRE(c.send("PING\r\n"));
  CHECK(c.read_reply() == reply::simple("PONG"));
}

TEST_CASE("replies from a backend on another thread come back in order") {
  threaded_backend b;
  running_server s{{}, &b};
  test_client c{s.port};
  std::string pipeline;
  for (int i = 0; i < 100; ++i)
    pipeline += encode_command({"INCR", "n"}) + "PING\r\n";
  REQUIRE(c.send(pipeline));
  for (int i = 1; i <= 100; ++i) {
    REQUIRE(c.read_reply() == reply::integer(i));
    REQUIRE(c.read_reply() == reply::simple("PONG"));
  }
}

TEST_CASE("commands sent while a batch is in flight are read and answered after it") {
  threaded_backend b{true};
  running_server s{read_mode(), &b};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SET", "k", "v"})));
  REQUIRE(b.wait_received(1));
  // Two writes while the session waits for its backend: each arrives as its own readiness
  // event, which the session must not lose although it reads nothing until the batch is done.
  REQUIRE(c.send(encode_command({"GET", "k"})));
  REQUIRE(c.send(encode_command({"INCR", "n"})));
  b.release();
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::bulk("v"));
  CHECK(c.read_reply() == reply::integer(1));
}

TEST_CASE("a message published while the subscriber's batch is in flight follows its replies") {
  threaded_backend b{true};
  running_server s{{}, &b};
  test_client sub{s.port};
  test_client pub{s.port};
  // GET goes to the backend (held); SUBSCRIBE takes effect at once, but its reply and any
  // message must wait for GET's reply to keep the connection's order.
  REQUIRE(sub.send(encode_command({"GET", "k"}) + encode_command({"SUBSCRIBE", "ch"})));
  REQUIRE(b.wait_received(1));
  REQUIRE(pub.send(encode_command({"PUBLISH", "ch", "early"})));
  CHECK(pub.read_reply() == reply::integer(1));
  b.release();
  CHECK(sub.read_reply() == reply::null());
  CHECK(sub.read_reply()
        == reply::array({reply::bulk("subscribe"), reply::bulk("ch"), reply::integer(1)}));
  CHECK(sub.read_reply()
        == reply::array({reply::bulk("message"), reply::bulk("ch"), reply::bulk("early")}));
}

TEST_CASE("stop lets a batch in flight finish and delivers its replies") {
  threaded_backend b{true};
  running_server s{read_mode(), &b};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SET", "k", "v"})));
  REQUIRE(b.wait_received(1));
  std::thread stopper([&] { s.srv.stop(); });
  // Wait until the server has stopped accepting, i.e. stop() is under way.
  auto deadline = std::chrono::steady_clock::now() + default_timeout();
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    try {
      test_client probe{s.port};
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  CHECK(refused);
  b.release();
  stopper.join();
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.wait_closed());
  CHECK_FALSE(s.srv.running());
}

TEST_CASE("counters count connections, commands and open clients") {
  running_server s;
  {
    test_client a{s.port};
    test_client b{s.port};
    REQUIRE(a.send("PING\r\n"));
    REQUIRE(a.read_reply());
    REQUIRE(b.send("PING\r\n"));
    REQUIRE(b.read_reply());
    auto n = s.srv.numbers();
    CHECK(n.connected_clients == 2);
    CHECK(n.total_connections == 2);
    CHECK(n.total_commands == 2);
  }
  test_client c{s.port};
  REQUIRE(c.send("INFO clients\r\n"));
  auto info = c.read_reply();
  REQUIRE(info);
  CHECK(info->str().find("connected_clients:") != std::string::npos);
}

TEST_CASE("start reports a taken port as bind_failed and bad options as invalid_options") {
  running_server s;
  memory_backend b;
  options o;
  o.port = s.port;
  server second{o, b};
  auto r = second.start();
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), errc::bind_failed));
  CHECK(describe(r.error()).find(std::to_string(s.port)) != std::string::npos);
  CHECK_FALSE(second.running());
  options bad;
  bad.bind = "localhost-ish";
  server third{bad, b};
  auto r3 = third.start();
  REQUIRE_FALSE(r3);
  CHECK(is(r3.error(), errc::invalid_options));
  CHECK(describe(r3.error()).find("gateway.bind") != std::string::npos);
  bad = options{};
  bad.max_clients = 0;
  server fourth{bad, b};
  CHECK(is(fourth.start().error(), errc::invalid_options));
}

TEST_CASE("a server can be stopped and started again") {
  memory_backend b;
  options o;
  o.port = 0;
  server srv{o, b};
  for (int round = 0; round < 2; ++round) {
    auto port = srv.start();
    REQUIRE(port);
    CHECK(is(srv.start().error(), errc::already_started));
    test_client c{*port};
    REQUIRE(c.send("PING\r\n"));
    CHECK(c.read_reply() == reply::simple("PONG"));
    srv.stop();
    CHECK(c.wait_closed());
  }
}
