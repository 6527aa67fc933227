// keel::gateway::server: the RESP2 TCP server (Boost.Asio), one session per client.
//
// The server owns one I/O thread ("keel.gw.io") that runs every session; start() binds, starts
// accepting and starts that thread; stop() stops accepting, lets every batch in flight finish
// and its replies be written (within a short grace period), closes every session and joins the
// thread. Commands the gateway does not answer itself (see detail/local_commands.hpp) go to the
// backend, one batch per pipeline read. Limits come from `options`. A server may be started
// again after stop().
//
// Thread-safety: start(), stop() and the destructor from one controlling thread; numbers(),
// port() and running() from any thread. Lifetime: `store` must outlive the server; destroying a
// running server is a bug (it is logged, then the server is stopped).
#pragma once

#include "gateway/backend.hpp"
#include "gateway/counters.hpp"
#include "gateway/options.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <memory>

namespace keel::gateway {

class server {
public:
  // -- construction -----------------------------------------------------------

  /// A stopped server with `opts` that hands KV commands to `store`.
  server(options opts, backend& store);

  /// Stops the server if it still runs (logged as a bug: call stop() first).
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // -- lifetime ---------------------------------------------------------------

  /// Validates the options, binds and starts accepting. Returns the bound port (the ephemeral
  /// one when options::port is 0), or errc::invalid_options (field and value named),
  /// errc::bind_failed (address and reason) or errc::already_started. A failed start leaves the
  /// server stopped, nothing bound.
  [[nodiscard]] caf::expected<uint16_t> start();

  /// Stops accepting, finishes in-flight batches, closes every session, joins the I/O thread.
  /// Blocks until then; the backend must call every `done` it was given. No-op when stopped.
  void stop();

  // -- properties -------------------------------------------------------------

  /// True between a successful start() and stop().
  [[nodiscard]] bool running() const;

  /// The bound port while running, 0 otherwise.
  [[nodiscard]] uint16_t port() const;

  /// The counters (kept across restarts).
  [[nodiscard]] counters numbers() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace keel::gateway
