// keel::gateway::detail::server_state: what a running server's sessions share (internal; owns
// Asio objects, so only .cpp files include it). Everything but the counters is touched on the
// I/O thread only.
#pragma once

#include "gateway/backend.hpp"
#include "gateway/detail/coalescer.hpp"
#include "gateway/detail/counter_cells.hpp"
#include "gateway/detail/local_commands.hpp"
#include "gateway/detail/pubsub.hpp"
#include "gateway/options.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <unordered_map>

namespace keel::gateway::detail {

class session;

struct server_state {
  server_state(options o, backend& b, counter_cells& c)
    : opts(std::move(o)), store(b), numbers(c), acceptor(io), retry(io), batcher(io, b, c) {}

  options opts;
  backend& store;
  counter_cells& numbers; ///< owned by the server, outlives a start/stop cycle
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer retry; ///< waits after a failed accept (EMFILE) before the next
  coalescer batcher; ///< the sessions' batches go to the backend through it
  std::shared_ptr<spdlog::logger> logger;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  uint16_t port = 0;
  uint64_t next_client_id = 1;
  bool stopping = false;
  pubsub_hub hub; ///< before `sessions`: a session leaves the hub when it closes
  std::unordered_map<session*, std::shared_ptr<session>> sessions; ///< open sessions
  std::unique_ptr<client_registry> clients; ///< `sessions` for CLIENT LIST and CLIENT KILL
};

} // namespace keel::gateway::detail
