// keel::runtime HTTP service: /metrics and /healthz as a supervised child of the root.
//
// A detached actor (the server's start and stop block) owns an http_server. It follows the
// node's event bus to know which supervised components are down: a child of the `shards`
// supervisor or of the root that exited, is restarting or failed to start counts as failing
// until its next child_started event; /healthz then answers 503 naming it. It reports ready
// once the server listens and logs `http listening on ADDR:PORT (/metrics, /healthz)`.
#pragma once

#include "config/node_config.hpp"
#include "runtime/metrics.hpp"
#include "supervision/spec.hpp"

#include <caf/actor.hpp>

namespace keel::runtime {

/// A child spec (id `http`) serving `registry` and the node's health on `section`'s address.
/// @pre `registry` outlives the child.
[[nodiscard]] supervision::child_spec http_child(const config::http_section& section,
                                                const metrics_registry& registry,
                                                caf::actor bus);

} // namespace keel::runtime
