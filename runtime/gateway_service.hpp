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
#include "supervision/spec.hpp"

#include <functional>
#include <memory>

namespace keel::runtime {

/// Makes the backend the gateway hands KV commands to; called on each (re)start.
using backend_factory = std::function<std::shared_ptr<gateway::backend>(caf::actor_system&)>;

/// A child spec (id `gateway`) running the RESP2 server configured by `section`.
[[nodiscard]] supervision::child_spec gateway_child(const config::gateway_section& section,
                                                   backend_factory make_backend);

} // namespace keel::runtime
