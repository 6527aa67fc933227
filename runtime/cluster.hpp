// keel::runtime cluster: a node's part in a cluster of keel-nodes (cluster: section of the YAML).
//
// Every node runs the same placement (shards.count and cluster.nodes); it hosts the shards of
// its own entry and reaches the others through CAF's network layer (BASP, caf::io::middleman).
// BASP is not encrypted: cluster addresses belong on loopback or a private network.
//
// - configure_cluster loads CAF's network modules into the actor system's config and registers
//   the KV message types, before the actor system starts;
// - cluster_child is root's child "cluster": a door (actors/cluster_door.hpp) published on this
//   node's cluster address, through which the other nodes' routers reach this node's shards;
//   it is ready once the port listens, and closes the port when it stops;
// - cluster_connector gives the routers CAF's middleman actor to connect with;
// - on_peer_logger logs each peer coming up or going down and sets the gauge
//   keel_cluster_peer_up{node="b"} (1 up, 0 down).
//
// Thread-safety: functions returning specs and callbacks; the callbacks are thread-safe.
#pragma once

#include "config/node_config.hpp"
#include "runtime/metrics.hpp"
#include "supervision/spec.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace keel::runtime {

/// Loads caf::io::middleman and the KV message types into
/// `sys_cfg` when `cfg` is a cluster; nothing otherwise.
void configure_cluster(caf::actor_system_config& sys_cfg, const config::node_config& cfg);

/// The actor that connects and publishes: CAF's middleman actor.
/// @pre configure_cluster was applied to the config of `sys`.
[[nodiscard]] caf::actor cluster_connector(caf::actor_system& sys, const config::node_config& cfg);

/// Root's child "cluster" (started after the router): the published door of this node.
[[nodiscard]] supervision::child_spec cluster_child(const config::node_config& cfg);

/// The routers' on_peer callback: logs and sets keel_cluster_peer_up in `registry`.
/// @pre `registry` outlives the callback.
[[nodiscard]] std::function<void(const std::string&, bool, const std::string&)>
on_peer_logger(metrics_registry& registry);

} // namespace keel::runtime
