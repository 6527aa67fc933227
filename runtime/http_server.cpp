#include "runtime/http_server.hpp"

#include "runtime/http_errc.hpp"
#include "runtime/logging.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>
#include <thread>

namespace keel::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// What every connection needs; owned by http_server::impl, outlives every session.
struct server_context {
  const metrics_registry& registry;
  const health_check& health;
  const http_options& opts;
  std::shared_ptr<spdlog::logger> log;
};

http::response<http::string_body> make_response(const http::request<http::string_body>& req,
                                                http::status status, std::string content_type,
                                                std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "keel");
  res.set(http::field::content_type, std::move(content_type));
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head)
    res.body().clear(); // Content-Length still announces the GET body's size
  return res;
}

constexpr const char* text_plain = "text/plain; charset=utf-8";

http::response<http::string_body> healthz(const server_context& ctx,
                                          const http::request<http::string_body>& req) {
  health_report report;
  try {
    report = ctx.health();
  } catch (const std::exception& e) {
    report = {false, {std::string{"health check failed: "} + e.what()}};
  } catch (...) {
    report = {false, {"health check failed: unknown exception"}};
  }
  if (report.ok)
    return make_response(req, http::status::ok, text_plain, "ok\n");
  std::string body;
  for (auto& line : report.failing)
    body += line + '\n';
  if (body.empty())
    body = "unhealthy\n";
  return make_response(req, http::status::service_unavailable, text_plain, std::move(body));
}

http::response<http::string_body> route(const server_context& ctx,
                                        const http::request<http::string_body>& req) {
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  if (path != "/metrics" && path != "/healthz")
    return make_response(req, http::status::not_found, text_plain, "not found\n");
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res =
        make_response(req, http::status::method_not_allowed, text_plain, "method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (path == "/metrics")
    return make_response(req, http::status::ok, prometheus_content_type,
                         ctx.registry.render_prometheus());
  return healthz(ctx, req);
}

// One connection: read a request, answer it, repeat while keep-alive; all on the I/O thread.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, const server_context& ctx)
      : stream_(std::move(socket)), buffer_(ctx.opts.max_request_bytes), ctx_(ctx) {}

  void start() { read(); }

  // Called by stop(): cancels whatever is pending; the handlers then end the session.
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(ctx_.opts.max_request_bytes));
    parser_->body_limit(ctx_.opts.max_request_bytes);
    stream_.expires_after(ctx_.opts.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    if (ec == http::error::header_limit || ec == http::error::body_limit ||
        ec == http::error::buffer_overflow) {
      http::request<http::string_body> req; // the parsed part is unusable
      auto res = make_response(req, http::status::payload_too_large, text_plain,
                               "request larger than " +
                                   std::to_string(ctx_.opts.max_request_bytes) + " bytes\n");
      res.keep_alive(false);
      return write(std::move(res));
    }
    if (ec && ec.category() == beast::error_code{http::error::bad_target}.category()) {
      // one of Beast's parse errors: the request is malformed
      http::request<http::string_body> req;
      auto res = make_response(req, http::status::bad_request, text_plain,
                               "bad request: " + ec.message() + "\n");
      res.keep_alive(false);
      return write(std::move(res));
    }
    if (ec) {
      if (ec != asio::error::operation_aborted && ec != beast::error::timeout)
        ctx_.log->debug("http: connection closed: {}", ec.message());
      return;
    }
    write(route(ctx_, parser_->get()));
  }

  void write(http::response<http::string_body> res) {
    res_ = std::move(res);
    stream_.expires_after(ctx_.opts.idle_timeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    if (ec)
      return;
    if (!res_.keep_alive()) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  const server_context& ctx_;
};

} // namespace

// -- impl -----------------------------------------------------------------------

struct http_server::impl {
  impl(const metrics_registry& registry, const health_check& health, const http_options& opts)
      : ctx{registry, health, opts, logger("keel.runtime")} {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (stopping)
        return;
      if (ec) {
        // Out of descriptors and the like: try again shortly rather than spin.
        ctx.log->warn("http: accept failed: {}", ec.message());
        retry.expires_after(std::chrono::milliseconds{100});
        retry.async_wait([this](beast::error_code err) {
          if (!err && !stopping)
            accept();
        });
        return;
      }
      auto s = std::make_shared<session>(std::move(socket), ctx);
      sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                    [](const auto& w) { return w.expired(); }),
                     sessions.end());
      sessions.push_back(s);
      s->start();
      accept();
    });
  }

  // Runs on the I/O thread: once it returns, no new work is started and the pending work ends.
  void shut_down() {
    stopping = true;
    beast::error_code ec;
    acceptor.close(ec);
    retry.cancel();
    for (auto& w : sessions)
      if (auto s = w.lock())
        s->close();
    sessions.clear();
  }

  server_context ctx;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry{ioc};
  std::vector<std::weak_ptr<session>> sessions; // I/O thread only
  bool stopping = false;                        // I/O thread only
  uint16_t port = 0;
  std::thread thread;
};

// -- http_server ------------------------------------------------------------------

http_server::http_server(const metrics_registry& registry, health_check health, http_options opts)
    : registry_(registry), health_(std::move(health)), opts_(std::move(opts)) {}

http_server::~http_server() {
  if (impl_) {
    impl_->ctx.log->error("http: server on port {} destroyed while running; call stop() first",
                          impl_->port);
    stop();
  }
}

caf::expected<uint16_t> http_server::start() {
  if (impl_)
    return make_error(http_errc::already_running, "http: the server runs already on port " +
                                                      std::to_string(impl_->port) +
                                                      "; stop() it before starting it again");
  beast::error_code ec;
  auto addr =
      asio::ip::make_address(opts_.address == "localhost" ? "127.0.0.1" : opts_.address, ec);
  if (ec)
    return make_error(http_errc::invalid_address,
                      "http: bind address '" + opts_.address +
                          "' is not an IP address; set http.bind to a literal such as "
                          "127.0.0.1, ::1 or 0.0.0.0");
  auto im = std::make_unique<impl>(registry_, health_, opts_);
  tcp::endpoint ep{addr, opts_.port};
  auto where = opts_.address + ":" + std::to_string(opts_.port);
  auto fail = [&](const char* what) {
    return make_error(http_errc::bind_failed,
                      "http: cannot " + std::string{what} + " " + where + ": " + ec.message() +
                          "; choose another http.bind or http.port (port 0 picks a free one), "
                          "or stop the process that holds it");
  };
  im->acceptor.open(ep.protocol(), ec);
  if (ec)
    return fail("open a socket for");
  im->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return fail("set SO_REUSEADDR on");
  im->acceptor.bind(ep, ec);
  if (ec)
    return fail("bind");
  im->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen on");
  im->port = im->acceptor.local_endpoint(ec).port();
  if (ec)
    return fail("read the bound port of");
  im->accept();
  auto* raw = im.get();
  im->thread = std::thread([raw] {
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (const std::exception& e) {
        raw->ctx.log->error("http: handler threw: {}", e.what());
      }
    }
  });
  impl_ = std::move(im);
  impl_->ctx.log->info("http: serving /metrics and /healthz on {}:{}", opts_.address, impl_->port);
  return impl_->port;
}

void http_server::stop() {
  if (!impl_)
    return;
  auto* raw = impl_.get();
  asio::post(raw->ioc, [raw] { raw->shut_down(); });
  raw->thread.join();
  impl_->ctx.log->info("http: stopped serving on port {}", impl_->port);
  impl_.reset();
}

bool http_server::running() const noexcept {
  return impl_ != nullptr;
}

uint16_t http_server::port() const noexcept {
  return impl_ ? impl_->port : 0;
}

} // namespace keel::runtime
