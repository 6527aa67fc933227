// keel::runtime::kv_backend: the gateway's backend over the durable KV shards.
//
// The gateway hands each connection's pipelined commands to execute() as one batch; the backend
// passes it to a relay actor, which sends it to a router as ONE asynchronous message
// `(kv_batch_atom, id, commands)` (router.hpp). The router splits it per shard, and the relay
// converts the joined kv_replies to gateway replies and calls `done` (on a CAF thread; the
// gateway moves them back to the connection's thread). Replies are released by the shards only
// once durable (the reply barrier), so `+OK` for a SET means the write is on disk under sync
// group.
//
// The direct path: on a node that hosts all its shards (no cluster), the root records each
// shard host that serves in a shard_directory, and while every shard has one, execute() splits
// the batch itself and sends each shard its part straight from the gateway's thread
// (actors/kv_direct.hpp): the shards answer through reply sinks, the last one calls `done`. The
// relay and router are then used only while a shard restarts (the router waits for it).
//
// A node runs several router lanes (kv_shard.hpp); the relay hands batches to them in turn, which
// keeps each connection's order since the gateway has one batch per connection in flight. A
// lane that is not running (restarting) is skipped. A router may restart (a new actor): the
// node's root records each incarnation of each lane in an actor_slot, and the relay looks it up
// per batch and monitors it; batches in flight on a lane when its router goes down get
// "ERR ... unavailable" replies, as a lost connection in Redis would. INFO's numbers (keys,
// memory, evictions, expirations) are the ones the shards of this node publish (kv_stats.hpp).
//
// SAVE, BGSAVE and LASTSAVE are the node's, not a shard's: a batch that holds one goes to the
// relay, which runs it piece by piece in order. The shard commands before a SAVE are answered
// (applied and durable) before the router checkpoints every shard of this node
// (checkpoint_atom), and the ones after it run when the checkpoint is done. BGSAVE starts the
// same checkpoint and answers at once; while one runs, SAVE and BGSAVE are refused ("ERR
// Background save already in progress") and BGSAVE SCHEDULE queues one more, as in Redis.
//
// Thread-safety: execute() and stats() may be called from any thread. Lifetime: the relay
// stops when the backend is destroyed (the gateway destroys it after its last `done`).
#pragma once

#include "actors/kv_stats.hpp"
#include "actors/shard_directory.hpp"
#include "gateway/backend.hpp"
#include "runtime/metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace keel::runtime {

/// The current incarnation of a restartable actor, held weakly; set by its start factory.
class actor_slot {
public:
  void set(const caf::actor& hdl);
  /// The actor, or invalid when none was started or it is gone.
  [[nodiscard]] caf::actor get() const;

private:
  mutable std::mutex mtx_;
  caf::actor_addr addr_;
};

/// What a kv_backend is built with; plain data.
struct kv_backend_options {
  /// Where the router lanes of this node are found (see root.cpp); at least one.
  std::vector<std::shared_ptr<actor_slot>> routers;
  /// The shard hosts, when they all run on this node (may be null): while every shard has a
  /// host, batches go straight to them (actors/kv_direct.hpp) and skip the relay and router.
  std::shared_ptr<actors::shard_directory> shards;
  /// Writes survive a crash (shards.sync is group): INFO persistence and CONFIG GET appendonly.
  bool durable = true;
  /// What the shards of this node publish, for INFO (may be null: INFO shows zeros).
  std::shared_ptr<actors::kv_stats> numbers;
  /// The node's maxmemory and policy, as INFO memory and CONFIG GET show them.
  uint64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  /// Observes the number of commands in each batch (may be null). @pre outlives the backend.
  histogram* batch_sizes = nullptr;
};

/// A backend over the routers in `opts.routers`, with its relay spawned in `sys`.
[[nodiscard]] std::shared_ptr<gateway::backend> make_kv_backend(caf::actor_system& sys,
                                                                kv_backend_options opts);

} // namespace keel::runtime
