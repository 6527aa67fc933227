#include "gateway/server.hpp"

#include "gateway/detail/log.hpp"
#include "gateway/detail/server_state.hpp"
#include "gateway/detail/session.hpp"
#include "gateway/errc.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>

#include <atomic>
#include <thread>

namespace keel::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The sessions of a running server, as CLIENT LIST and CLIENT KILL see them.
class session_registry final : public detail::client_registry {
public:
  explicit session_registry(detail::server_state& st) : st_(st) {}

  std::vector<detail::client_info> clients() const override {
    std::vector<detail::client_info> out;
    out.reserve(st_.sessions.size());
    for (auto& entry : st_.sessions)
      out.push_back(entry.second->info());
    return out;
  }

  std::optional<detail::client_info> find(uint64_t id) const override {
    for (auto& entry : st_.sessions)
      if (entry.second->id() == id)
        return entry.second->info();
    return std::nullopt;
  }

  bool kill(uint64_t id) override {
    for (auto& entry : st_.sessions) {
      if (entry.second->id() == id) {
        auto keep = entry.second; // close() erases it from the registry
        keep->kill();
        return true;
      }
    }
    return false;
  }

private:
  detail::server_state& st_;
};

} // namespace

struct server::impl {
  impl(options o, backend& b) : opts(std::move(o)), store(b) {}

  void accept();
  void on_accept(const error_code& ec, asio::ip::tcp::socket sock);
  caf::error check_options() const;

  options opts;
  backend& store;
  detail::counter_cells numbers;
  std::unique_ptr<detail::server_state> st;
  std::thread io_thread;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> running{false};
};

caf::error server::impl::check_options() const {
  auto bad = [](const char* field, const std::string& value, const char* need) {
    return make_error(errc::invalid_options, std::string{"gateway."} + field + " = " + value
                                               + ": " + need);
  };
  if (opts.max_clients == 0)
    return bad("max_clients", "0", "must be at least 1");
  if (opts.max_bulk_bytes == 0)
    return bad("max_bulk_bytes", "0", "must be at least 1");
  if (opts.max_array_len == 0)
    return bad("max_array_len", "0", "must be at least 1");
  if (opts.idle_timeout.count() < 0)
    return bad("idle_timeout", std::to_string(opts.idle_timeout.count()) + "ms",
               "must be 0 (never) or positive");
  error_code ec;
  asio::ip::make_address(opts.bind, ec);
  if (ec)
    return bad("bind", "'" + opts.bind + "'", "must be an IPv4 or IPv6 address");
  return {};
}

void server::impl::accept() {
  st->acceptor.async_accept([this](const error_code& ec, asio::ip::tcp::socket sock) {
    on_accept(ec, std::move(sock));
  });
}

void server::impl::on_accept(const error_code& ec, asio::ip::tcp::socket sock) {
  if (st->stopping || ec == asio::error::operation_aborted)
    return;
  if (ec) {
    // Out of descriptors or a similar transient failure: try again shortly, do not spin.
    st->logger->warn("accept failed: {}; retrying in 100 ms", ec.message());
    st->retry.expires_after(std::chrono::milliseconds{100});
    st->retry.async_wait([this](const error_code& e) {
      if (!e && !st->stopping)
        accept();
    });
    return;
  }
  numbers.total_connections.fetch_add(1, std::memory_order_relaxed);
  if (st->sessions.size() >= opts.max_clients) {
    numbers.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    st->logger->warn("refused a client: max_clients ({}) reached", opts.max_clients);
    static constexpr char msg[] = "-ERR max number of clients reached\r\n";
    error_code wec;
    sock.non_blocking(true, wec);
    sock.write_some(asio::buffer(msg, sizeof(msg) - 1), wec);
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, wec);
    sock.close(wec);
  } else {
    auto id = st->next_client_id++;
    auto s = std::make_shared<detail::session>(*st, std::move(sock), id);
    st->sessions.emplace(s.get(), s);
    numbers.connected_clients.fetch_add(1, std::memory_order_relaxed);
    s->start();
  }
  accept();
}

server::server(options opts, backend& store)
  : impl_(std::make_unique<impl>(std::move(opts), store)) {
}

server::~server() {
  if (impl_->running) {
    detail::log()->error("gateway::server destroyed while running; call stop() first");
    stop();
  }
}

caf::expected<uint16_t> server::start() {
  auto& d = *impl_;
  if (d.running)
    return make_error(errc::already_started, "the gateway is already running; stop() it first");
  if (auto err = d.check_options())
    return err;
  d.st = std::make_unique<detail::server_state>(d.opts, d.store, d.numbers);
  auto& st = *d.st;
  st.clients = std::make_unique<session_registry>(st);
  st.logger = detail::log();
  st.batcher.set_logger(st.logger);
  auto endpoint = asio::ip::tcp::endpoint{asio::ip::make_address(d.opts.bind), d.opts.port};
  auto where = d.opts.bind + ":" + std::to_string(d.opts.port);
  error_code ec;
  auto fail = [&](const char* what) -> caf::error {
    error_code ignore;
    st.acceptor.close(ignore);
    d.st.reset();
    return make_error(errc::bind_failed, where + ": " + what + " failed (" + ec.message()
                                           + "); choose another gateway.bind/port or stop "
                                             "the program that holds it");
  };
  st.acceptor.open(endpoint.protocol(), ec);
  if (ec)
    return fail("open");
  st.acceptor.set_option(asio::socket_base::reuse_address{true}, ec);
  if (ec)
    return fail("setsockopt");
  st.acceptor.bind(endpoint, ec);
  if (ec)
    return fail("bind");
  st.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen");
  st.port = st.acceptor.local_endpoint(ec).port();
  d.port = st.port;
  d.accept();
  d.io_thread = std::thread([&st] {
    pthread_setname_np(pthread_self(), "keel.gw.io");
    st.io.run();
  });
  d.running = true;
  st.logger->info("listening on {}:{}", d.opts.bind, st.port);
  return st.port;
}

void server::stop() {
  auto& d = *impl_;
  if (!d.running)
    return;
  auto& st = *d.st;
  asio::post(st.io, [&st] {
    st.stopping = true;
    error_code ec;
    st.acceptor.close(ec);
    st.retry.cancel();
    auto open = st.sessions; // stop() may close and erase
    for (auto& [ptr, s] : open)
      s->stop();
  });
  d.io_thread.join();
  st.sessions.clear();
  st.logger->info("stopped listening on {}:{}", d.opts.bind, st.port);
  d.st.reset();
  d.port = 0;
  d.running = false;
}

bool server::running() const {
  return impl_->running;
}

uint16_t server::port() const {
  return impl_->port;
}

counters server::numbers() const {
  return impl_->numbers.snapshot();
}

} // namespace keel::gateway
