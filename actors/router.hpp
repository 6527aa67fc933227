// keel::actors::router: sends KV commands to the shard that owns their keys.
//
// A key belongs to shard `shard_of(key, N)` = FNV-1a 64 of its bytes mod N: stable across
// restarts and processes. The router reaches shard k through the supervision tree by child_ref
// ids, (via) -> path... -> shard_child_id(k) -> "sm", so it survives restarts of the shard host,
// the shard supervisor and the shards supervisor alike. After the first answer from a shard host
// it caches (and monitors) that host and sends to it directly, one hop; when the host goes down
// the cache is dropped and the next batch goes through the tree again, where the supervisors
// park it until the shard is back (bounded: child_ref_queue per child, and `request_timeout`).
//
// ## Messages (atoms in actors/shard_atoms.hpp)
//
//   (kv_batch_atom, std::vector<kv_command> commands) -> std::vector<kv_reply>
//       The commands of one connection, answered in request order. Commands are split per
//       shard (kv_split.hpp: MGET/MSET/DEL/EXISTS by key, DBSIZE/KEYS/FLUSHALL to all, SCAN by
//       cursor) and each shard gets ONE sub-batch per batch, so actor hops are paid per batch,
//       not per command. Within a shard, commands run in request order. A part whose shard does
//       not answer within `request_timeout`, or whose host went down while it was in flight,
//       gets an error reply "ERR shard k unavailable: ..." (a write in flight may or may not
//       have been applied, as with a lost connection in Redis); the other parts are unaffected.
//   (kv_batch_atom, uint64_t id, std::vector<kv_command> commands)
//       The asynchronous form (no response promise per batch): the sender gets
//       (result_atom, id, std::vector<kv_reply>) with the same replies.
//   (kv_cmd_atom, kv_command)                          -> kv_reply   (a batch of one)
//   (checkpoint_atom)                                  -> std::vector<uint64_t>
//       Every shard snapshots at once; the LSN of each shard's snapshot, by shard index.
//
// Not atomic across shards (MSET on keys of two shards may half-apply if one shard fails), as
// Redis Cluster. Thread-safety: an actor. Lifetime: holds no strong handle to the tree but
// `via`; stop it like any actor.
#pragma once

#include "actors/kv_command.hpp"
#include "actors/kv_reply.hpp"
#include "supervision/spec.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::actors {

/// How a router reaches the shards; plain data.
struct router_options {
  /// Number of shards (>= 1); must match the shards subtree.
  uint32_t shard_count = 1;
  /// The supervisor the path starts at (the shards supervisor itself, or an ancestor).
  caf::actor via;
  /// Child ids from `via` down to the shards supervisor (empty when `via` is it), e.g.
  /// {"shards"} when `via` is keel-node's root.
  std::vector<std::string> path;
  /// How long a batch waits for a shard (a restarting one included) before its parts fail.
  std::chrono::milliseconds request_timeout{5000};
};

/// The shard of `key` among `shard_count` (FNV-1a 64 of the bytes, mod shard_count).
/// @pre shard_count > 0
[[nodiscard]] uint32_t shard_of(std::string_view key, uint32_t shard_count) noexcept;

/// Spawns a router with `opts` (ready at once: it needs no init).
[[nodiscard]] caf::actor spawn_router(caf::actor_system& sys, router_options opts);

/// The router's child spec (id "router", ready on spawn). Its path starts at the supervisor
/// that starts it (ctx.notify()): `path_from_parent` names the shards supervisor from there
/// ({"shards"} in keel-node's root).
[[nodiscard]] supervision::child_spec router_child_spec(uint32_t shard_count,
                                                        std::vector<std::string> path_from_parent,
                                                        std::chrono::milliseconds request_timeout);

} // namespace keel::actors
