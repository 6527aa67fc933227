// keel::actors kv_shard: keel-node's KV store as shards: the KV state machine in the generic
// shard host, and the child specs runtime/ adds to keel-node's root.
//
// Wiring keel-node's root (runtime/), in this order (the router needs the shards running):
//
//   root.children.push_back(keel::actors::shards_child(cfg, events_bus));  // id "shards"
//   for (auto& r : keel::actors::router_children(cfg, lanes))               // "router", "router#2"..
//     root.children.push_back(std::move(r));
//
// Each router lane is reachable as child_ref{root, router_lane_id(i)} (or its handle from
// which_children); the gateway sends it `(kv_batch_atom, std::vector<kv_command>)`
// (router.hpp). The root must be the supervisor that starts the routers: a router reaches
// the shards as root -> "shards" -> shard#<k+1> -> "sm".
//
// Lanes: a router splits and joins every batch that passes it, so one router would be one
// actor's worth of work on every request of the node. `lanes` routers share the load instead:
// they are alike and independent (each monitors and caches the shard hosts itself), and a caller
// may send any batch to any lane. Commands of one caller keep their order only within one lane,
// so a caller that pipelines (sends the next batch before the last is answered) sticks to one
// lane; the gateway has one batch per connection in flight and spreads batches round-robin.
//
// add_kv_message_types registers commands and replies with CAF's type system, which a node
// that talks to other nodes (a cluster) needs.
#pragma once

#include "actors/key_placement.hpp"
#include "actors/kv_command.hpp"
#include "actors/kv_options.hpp"
#include "actors/kv_reply.hpp"
#include "actors/kv_stats.hpp"
#include "actors/shard_host.hpp"
#include "actors/shards.hpp"
#include "supervision/spec.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>
#include <vector>

namespace keel::config {
struct node_config;
struct shards_section;
} // namespace keel::config

namespace keel::actors {

/// A shard host of the KV store.
using kv_shard_host = shard_host<kv_command, kv_reply>;

/// Makes one kv_state_machine with `opts` per shard incarnation.
[[nodiscard]] machine_factory<kv_command, kv_reply> kv_machine_factory(kv_options opts = {});

/// The KV shards subtree of a node (id "shards"): count, data_dir, WAL settings, snapshot
/// threshold and start-up timeout from `cfg`; lifecycle events go to `events_bus` (may be
/// invalid).
/// `customize`, if set, may adjust each shard's options (e.g. add metrics observers) on every
/// (re)start of that shard.
/// `numbers`, if set, gets each shard's numbers (kv_stats.hpp; sized for shards.count).
[[nodiscard]] supervision::child_spec
shards_child(const config::node_config& cfg, caf::actor events_bus,
             std::function<void(shard_options&)> customize = nullptr,
             std::shared_ptr<kv_stats> numbers = nullptr);

/// How `shards` places keys (shards.hash_tags).
[[nodiscard]] key_hash key_hash_of(const config::shards_section& shards) noexcept;

/// The router (id "router") for shards_child(cfg, ...), started by the same supervisor.
/// Its request timeout is the shards' start-up timeout (a restarting shard may take as long).
/// In a cluster (cfg.cluster.nodes), it reaches the other nodes' shards through `connector`
/// (called with the actor system that starts the router; CAF's middleman actor), and `on_peer` hears when a node comes up or goes down (router.hpp).
[[nodiscard]] supervision::child_spec
router_child(const config::node_config& cfg,
             std::function<caf::actor(caf::actor_system&)> connector = {},
             std::function<void(const std::string& node, bool up, const std::string& why)>
               on_peer = {});

/// The child id of router lane `lane`: "router" for lane 0, then "router#2", "router#3", ...
[[nodiscard]] std::string router_lane_id(uint32_t lane);

/// `lanes` (>= 1) routers as router_child, with ids router_lane_id(0 .. lanes-1). `on_peer`
/// goes to lane 0 only, so that a peer's state change is heard once.
[[nodiscard]] std::vector<supervision::child_spec>
router_children(const config::node_config& cfg, uint32_t lanes,
                std::function<caf::actor(caf::actor_system&)> connector = {},
                std::function<void(const std::string& node, bool up, const std::string& why)>
                  on_peer = {});

/// Registers KV commands and replies as CAF message types, so they can cross the network.
void add_kv_message_types(caf::actor_system_config& cfg);

} // namespace keel::actors
