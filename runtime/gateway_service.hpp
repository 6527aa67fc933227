// keel::runtime gateway service: the RESP2 server as a supervised child of the root.
//
// A detached actor (the server's start and stop block) owns a gateway::server and its backend.
// It reports ready once the server listens, and logs `gateway listening on ADDR:PORT`; a bind
// failure fails the node's start with the address and the reason. On its exit message it stops
// accepting, lets in-flight commands finish (their replies are written) and closes every client
// before it goes down.
#pragma once

#include "config/node_config.hpp"
#include "gateway/backend.hpp"
#include "runtime/metrics.hpp"
#include "supervision/spec.hpp"

#include <functional>
#include <memory>

namespace keel::runtime {

/// Makes the backend the gateway hands KV commands to; called on each (re)start.
using backend_factory = std::function<std::shared_ptr<gateway::backend>(caf::actor_system&)>;

/// A child spec (id `gateway`) running the RESP2 server configured by `section`. With a
/// `registry`, the service publishes the server's numbers there once a second:
/// keel_gateway_clients, keel_gateway_connections_total, keel_gateway_rejected_total,
/// keel_gateway_commands_total, keel_gateway_protocol_errors_total.
/// @pre `registry` (if set) outlives the tree.
/// `on_shutdown` is called (on the gateway's I/O thread) when a client sends SHUTDOWN, with who
/// it was; without it SHUTDOWN is refused.
[[nodiscard]] supervision::child_spec gateway_child(
  const config::gateway_section& section, backend_factory make_backend,
  metrics_registry* registry = nullptr,
  std::function<void(const std::string& who)> on_shutdown = {});

} // namespace keel::runtime
