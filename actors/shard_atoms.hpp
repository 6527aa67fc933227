// Message tags of keel's shard hosts and router (CAF 0.17 atoms, at most 10 characters).
// shard_host.hpp and router.hpp document each message's shape and reply.
#pragma once

#include <caf/atom.hpp>

namespace keel::actors {

/// `(exec_atom, Request)` -> Reply: one request to a shard host.
using exec_atom = caf::atom_constant<caf::atom("shard_exec")>;

/// `(batch_atom, std::vector<Request>)` -> std::vector<Reply>, or the asynchronous form
/// `(batch_atom, uint64_t id, std::vector<Request>)` answered by a `result_atom` message.
using batch_atom = caf::atom_constant<caf::atom("shard_btch")>;

/// `(result_atom, uint64_t id, std::vector<Reply>)` or `(result_atom, uint64_t id, caf::error)`:
/// a shard host's answer to an asynchronous batch.
using result_atom = caf::atom_constant<caf::atom("shard_res")>;

/// `(checkpoint_atom)` -> uint64_t lsn: snapshot now (a shard host; the router fans out).
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

/// `(shard_info_atom)` -> shard_info: a shard host's counters.
using shard_info_atom = caf::atom_constant<caf::atom("shard_info")>;

/// `(kv_batch_atom, std::vector<std::vector<std::string>>)` -> std::vector<kv_reply>: the
/// router's batch of KV commands (router.hpp).
using kv_batch_atom = caf::atom_constant<caf::atom("kv_batch")>;

/// `(kv_cmd_atom, std::vector<std::string>)` -> kv_reply: one KV command to the router.
using kv_cmd_atom = caf::atom_constant<caf::atom("kv_cmd")>;

namespace detail {

/// A shard host's housekeeping timer (state_machine::tick).
using tick_atom = caf::atom_constant<caf::atom("shard_tick")>;

/// The router's deadline for one batch.
using deadline_atom = caf::atom_constant<caf::atom("rt_dead")>;

} // namespace detail

} // namespace keel::actors
