// keel::actors::router: sends KV commands to the shard that owns their keys.
//
// A key belongs to shard `shard_of(key, N, hash)` (key_placement.hpp: FNV-1a 64 of its hash
// tag or of all its bytes, mod N): stable across restarts and processes. The router reaches
// shard k through the supervision tree by child_ref ids, (via) -> path... -> shard_child_id(k)
// -> "sm", so it survives restarts of the shard host, the shard supervisor and the shards
// supervisor alike. After the first answer from a shard host it caches (and monitors) that host
// and sends to it directly, one hop; when the host goes down the cache is dropped and the next
// batch goes through the tree again, where the supervisors park it until the shard is back
// (bounded: child_ref_queue per child, and `request_timeout`). A part that reaches the cached
// host only after it stopped never ran there: it comes back to the router (it travels in a
// request_sink, reply_sink.hpp) and goes through the tree too.
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
// ## Shards on other nodes (a cluster: router_options::owner and peers)
//
// A shard that another node owns is reached through that node's door (runtime/cluster.hpp), an
// actor published with CAF's network layer: the router connects to each peer through
// `connector` (CAF's middleman actor), checks with a hello that the
// peer has the same placement, monitors the door and sends it `(batch_atom, uint32_t shard,
// uint64_t id, commands)`; the door passes the part down its tree and the peer's shard host
// answers this router directly, which then talks to that host straight away, one network hop
// each way. While a peer is not connected (not up yet, killed, unreachable) its shards answer at
// once with "CLUSTERDOWN shard 7 on node b unreachable (...)", parts in flight when the link
// drops get that answer too, never a hang; the router reconnects with a doubling backoff
// (100 ms up to `reconnect_max`, with jitter) and requests flow again as soon as the peer is
// back. `on_peer` hears each change of a peer's state or of the reason it is down (the first
// failed attempt included).
//
// Not atomic across shards (MSET on keys of two shards may half-apply if one shard fails), as
// Redis Cluster. Thread-safety: an actor. Lifetime: holds no strong handle to the tree but
// `via`; stop it like any actor.
#pragma once

#include "actors/key_placement.hpp"
#include "actors/kv_command.hpp"
#include "actors/kv_reply.hpp"
#include "supervision/spec.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::actors {

/// Another node of a cluster, as a router reaches it.
struct router_peer {
  std::string name;
  std::string host;
  uint16_t port = 0;
};

/// `(hello_atom, std::string node, uint64_t placement)` -> std::string: a router introduces
/// itself to a peer's door, which answers with its node name, or an error when the placements
/// differ.
using hello_atom = caf::atom_constant<caf::atom("kv_hello")>;

/// How a router reaches the shards; plain data.
struct router_options {
  /// Number of shards (>= 1); must match the shards subtree.
  uint32_t shard_count = 1;
  /// How keys pick their shard (shards.hash_tags).
  key_hash hash = key_hash::hash_tags;
  /// The supervisor the path starts at (the shards supervisor itself, or an ancestor).
  caf::actor via;
  /// Child ids from `via` down to the shards supervisor (empty when `via` is it), e.g.
  /// {"shards"} when `via` is keel-node's root.
  std::vector<std::string> path;
  /// How long a batch waits for a shard (a restarting one included) before its parts fail.
  std::chrono::milliseconds request_timeout{5000};

  // -- cluster (all empty on a node that hosts every shard) ---------------------

  /// Per shard id: -1 for a shard this node hosts, else the index of its node in `peers`.
  /// Empty: every shard is local.
  std::vector<int32_t> owner;
  /// The other nodes, indexed by `owner`.
  std::vector<router_peer> peers;
  /// This node's name (sent in the hello, used in messages).
  std::string node_name;
  /// A fingerprint of the placement; a peer with another one is refused.
  uint64_t placement = 0;
  /// Connects to peers: answers `(caf::connect_atom, std::string host, uint16_t port)` with
  /// `(caf::node_id, caf::strong_actor_ptr door, std::set<std::string>)` (CAF's middleman actor).
  caf::actor connector;
  /// How long one connection attempt (connect and hello) may take.
  std::chrono::milliseconds connect_timeout{2000};
  /// The longest pause between two attempts.
  std::chrono::milliseconds reconnect_max{2000};
  /// Called (in the router) when a peer comes up (`up`) or goes down, with the reason.
  std::function<void(const std::string& peer, bool up, const std::string& why)> on_peer;
};

/// Spawns a router with `opts` (ready at once: it needs no init).
[[nodiscard]] caf::actor spawn_router(caf::actor_system& sys, router_options opts);

/// The router's child spec (id "router", ready on spawn) for `opts` but `via`: its path starts
/// at the supervisor that starts it (ctx.notify()), so `opts.path` names the shards supervisor
/// from there ({"shards"} in keel-node's root). `connector`, when set, gives opts.connector in
/// the actor system that starts the router.
[[nodiscard]] supervision::child_spec
router_child_spec(router_options opts,
                  std::function<caf::actor(caf::actor_system&)> connector = {});

/// router_child_spec for a node hosting all `shard_count` shards.
[[nodiscard]] supervision::child_spec router_child_spec(uint32_t shard_count,
                                                        std::vector<std::string> path_from_parent,
                                                        std::chrono::milliseconds request_timeout);

/// The positions of the hosted shards among the shards supervisor's children: -1 for a shard of
/// another node, else the rank of its id among the hosted ids (`owner` as in router_options).
[[nodiscard]] std::vector<int32_t> local_positions(uint32_t shard_count,
                                                   const std::vector<int32_t>& owner);

} // namespace keel::actors
