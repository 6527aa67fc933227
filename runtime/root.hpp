// keel::runtime root: the top of a node's actor tree, an OTP supervisor (one_for_one).
//
// Its children are the node's services, in start order (architecture.md, "The tree of a
// running node"); it stops them in reverse order. Lifecycle events of the whole tree go to the
// node's event bus.
#pragma once

#include "config/node_config.hpp"
#include "runtime/metrics.hpp"
#include "supervision/supervisor.hpp"

#include <caf/actor.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace keel::runtime {

/// How many router lanes the root of `cfg` starts (shards.routers; router_lanes in
/// scheduler.hpp).
[[nodiscard]] uint32_t node_router_lanes(const config::node_config& cfg);

/// The root supervisor's options for `cfg`, publishing events to `bus`; the shards and the
/// gateway record their metrics in `registry`, which /metrics serves. The gateway's SHUTDOWN
/// calls `on_shutdown` (none: SHUTDOWN is refused).
/// @pre `registry` outlives the tree.
[[nodiscard]] supervision::supervisor_options
root_options(const config::node_config& cfg, caf::actor bus, metrics_registry& registry,
             std::function<void(const std::string& who)> on_shutdown = {});

} // namespace keel::runtime
