// keel::runtime HTTP endpoint: `/metrics` (Prometheus) and `/healthz`, over HTTP/1.1.
//
// A small server with one I/O thread of its own (Boost.Beast, kept inside http_server.cpp):
//
//   GET /metrics  200 `text/plain; version=0.0.4` with registry.render_prometheus()
//   GET /healthz  200 `ok\n` when the health callback reports ok; otherwise 503 with the
//                 failing components, one per line
//   other paths   404;  other methods on /metrics or /healthz: 405 (with `Allow: GET, HEAD`)
//
// HEAD is answered like GET without a body. Connections are kept alive (HTTP/1.1 default,
// `Connection: close` honoured); a request larger than `max_request_bytes` is answered 413 and
// the connection closed; an idle connection is closed after `idle_timeout`.
//
// Lifecycle: construct, start() (binds and returns the port), stop() (stops accepting, closes
// every connection, joins the I/O thread). A failed start() leaves nothing running. The
// destructor stops a running server, but logs that as a bug: stop it yourself.
// Thread-safety: start() and stop() from the owner's thread; the registry and the health
// callback are used from the I/O thread while the server runs.
#pragma once

#include "runtime/metrics.hpp"

#include <caf/expected.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace keel::runtime {

/// What the health callback reports.
struct health_report {
  /// True when every component is up.
  bool ok = true;
  /// The components that are not (e.g. `shard 3: restarting`), one line each in the 503 body.
  std::vector<std::string> failing;
};

/// Called once per `GET /healthz`, on the server's I/O thread. It must return promptly (it
/// delays every other request while it runs) and must not throw; an exception is answered 503
/// naming it.
using health_check = std::function<health_report()>;

/// Options of the HTTP endpoint.
struct http_options {
  /// IP address to bind (IPv4 or IPv6 literal, or `localhost` for 127.0.0.1), config's
  /// `http.bind`. Loopback by default: metrics are not for the whole network unless the
  /// operator says so.
  std::string address = "127.0.0.1";
  /// TCP port, config's `http.port`; 0 picks a free one (tests), start() returns which.
  uint16_t port = 9121;
  /// Largest request (request line + headers + body) accepted; larger ones get 413.
  size_t max_request_bytes = 8192;
  /// A connection with no complete request or response progress for this long is closed.
  std::chrono::milliseconds idle_timeout{30000};
};

class http_server {
public:
  // -- construction -----------------------------------------------------------

  /// @pre `registry` outlives the server; `health` is callable.
  http_server(const metrics_registry& registry, health_check health, http_options opts = {});

  /// Stops the server if it still runs (and logs an error: the owner should have).
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // -- lifecycle --------------------------------------------------------------

  /// Binds `opts.address:opts.port`, starts the I/O thread and returns the bound port.
  /// Errors (http_errc): invalid_address, bind_failed (naming address, port, the reason and
  /// what to do), already_running. On error nothing is left running.
  [[nodiscard]] caf::expected<uint16_t> start();

  /// Stops accepting, closes every connection and joins the I/O thread. Idempotent; no-op
  /// when not running.
  void stop();

  // -- properties -------------------------------------------------------------

  /// True between a successful start() and stop().
  [[nodiscard]] bool running() const noexcept;

  /// The bound port while running, otherwise 0.
  [[nodiscard]] uint16_t port() const noexcept;

  /// The options given at construction.
  [[nodiscard]] const http_options& options() const noexcept { return opts_; }

private:
  struct impl;

  const metrics_registry& registry_;
  health_check health_;
  http_options opts_;
  std::unique_ptr<impl> impl_; // non-null while running
};

} // namespace keel::runtime
