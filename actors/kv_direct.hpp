// keel::actors::kv_direct: a KV batch sent straight to this node's shard hosts, for in-process
// callers (the gateway's I/O thread, kv::client, client actors).
//
// The batch is split per shard as a router splits it (kv_batch_split), each shard's part goes to
// its host in shard_directory with a reply sink, and the last part to be answered joins the
// replies and calls `done`, on that host's thread. The hops through a relay and a router are
// gone: a batch costs one message per shard it touches, and its replies none.
//
// The replies are those a router gives: a part whose host refuses it, fails it or dies with it
// in flight answers each of its commands with "ERR shard k unavailable: ...". Only the router
// waits for a restarting shard: kv_send_direct takes a batch only while every shard has a host,
// so callers fall back to the router otherwise.
//
// Thread-safety: kv_send_direct may be called from any thread.
#pragma once

#include "actors/kv_command.hpp"
#include "actors/kv_reply.hpp"
#include "actors/shard_directory.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <functional>
#include <vector>

namespace keel::actors {

/// Sends `msg` to `to` without a sender, through execution unit `ctx` when not null: from an
/// actor's thread (its context()) the receiver is scheduled there, with no thread woken.
void enqueue_from(caf::execution_unit* ctx, const caf::actor& to, caf::message msg);

/// Gets one reply per command of a batch, in order; called once, from any thread, with the
/// execution unit of the host that answered last (null when none: see enqueue_from).
using kv_done = std::function<void(std::vector<kv_reply>, caf::execution_unit*)>;

/// Sends `cmds` to the hosts in `dir` and has `done` called once with their replies. Returns
/// false, leaving `cmds` and `done` untouched, when some shard has no host now: send the batch
/// through a router instead, which waits for a restarting shard. An actor passes its context()
/// as `ctx`: what is answered at once (an empty batch, a part whose host just left) reaches
/// `done` with it. The parts go out as from outside the scheduler, so that they spread over its
/// threads (each host then runs its writer where it runs itself).
bool kv_send_direct(const shard_directory& dir, std::vector<kv_command>& cmds, kv_done& done,
                    caf::execution_unit* ctx = nullptr);

} // namespace keel::actors
