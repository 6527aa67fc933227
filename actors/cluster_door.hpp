// keel::actors cluster door: how the other nodes of a cluster reach this node's shards.
//
// runtime/ publishes the door on the node's cluster address with CAF's network layer; routers
// of other nodes (router.hpp) connect to it. It answers
//
//   (hello_atom, std::string node, uint64_t placement) -> std::string (this node's name)
//       or an error when the peer's placement fingerprint differs from this node's, so two
//       nodes that disagree about who owns which shard never exchange commands;
//   (batch_atom, uint32_t shard, uint64_t id, std::vector<kv_command>)
//       passes `(batch_atom, id, commands)` down this node's tree to the host of that shard,
//       keeping the sender: the host answers the remote router directly with
//       (result_atom, id, replies). A shard this node does not host is answered with
//       (result_atom, id, caf::error).
//
// Thread-safety: an actor. Lifetime: holds the supervisor it forwards through only weakly, so
// it keeps no tree alive; stop it like any actor.
#pragma once

#include "actors/kv_command.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace keel::actors {

/// What a door needs; plain data.
struct cluster_door_options {
  std::string node_name;
  uint64_t placement = 0;
  /// Per shard id: -1 on another node, else its position among this node's shards
  /// (local_positions in router.hpp).
  std::vector<int32_t> pos;
  /// The supervisor the path starts at (held weakly) and the child ids down to the shards
  /// supervisor, as in router_options.
  caf::actor via;
  std::vector<std::string> path;
};

/// Spawns a door (ready at once).
[[nodiscard]] caf::actor spawn_cluster_door(caf::actor_system& sys, cluster_door_options opts);

} // namespace keel::actors
