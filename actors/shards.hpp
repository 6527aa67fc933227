// keel::actors shards: the supervisor of a node's N shards, started and recovered in parallel.
//
//   "shards" (simple_one_for_one over the template "shard")
//   ├── shard#1  = shard 0 (shard.hpp: rest_for_one over [wal, sm])
//   ├── shard#2  = shard 1
//   └── ...
//
// shards_child_of returns the child spec of the whole subtree, for any state machine. Its
// start factory spawns the simple_one_for_one supervisor and a starter that asks it for all the
// node's shards at once (each recovers in its own writer thread and host); the subtree reports
// ready when every shard did, or fails with the first shard's error. The node hosts the shard
// ids `ids` (all of 0..count-1 unless a cluster places some on other nodes); the i-th of them
// always has the child id `shard_child_id(i)` ("shard#<i+1>"), across restarts, and is started
// with its shard id as argument (its directory and its metrics carry the id).
//
// The start-up timeout is the YAML's shards.startup_timeout_ms: every shard, and each of its two
// children, gets it; the subtree, whose shards start in parallel, gets twice that.
//
// For keel-node's KV store see kv_shard.hpp: shards_child(cfg, events) and router_child.
// Thread-safety: pure functions returning specs.
#pragma once

#include "actors/shard.hpp"
#include "supervision/atoms.hpp"
#include "supervision/spec.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keel::actors {

/// What the shards subtree is started with; plain data.
struct shards_options {
  /// Number of shards of the whole store (>= 1).
  uint32_t count = 1;
  /// The shard ids this node hosts, ascending; empty: all of 0..count-1.
  std::vector<uint32_t> ids;
  /// Options of shard k, made on each (re)start of that shard.
  std::function<shard_options(uint32_t k)> shard;
  /// Per shard (writer recovery, host replay); the subtree gets twice as long.
  std::chrono::milliseconds startup_timeout{30000};
  /// The shards supervisor's flags; the strategy is always simple_one_for_one.
  supervision::supervisor_flags flags{supervision::restart_strategy::simple_one_for_one, 10,
                                      std::chrono::milliseconds{10000},
                                      supervision::auto_shutdown_policy::never};
  /// Receives the lifecycle events of the shards supervisor and of every shard supervisor.
  caf::actor events;
  /// The child id of the subtree.
  std::string id = "shards";
};

/// shards_options of a node: count, directories, WAL and host settings and the start-up
/// timeout from `cfg` (shard_options_from for each shard).
[[nodiscard]] shards_options shards_options_from(const config::node_config& cfg,
                                                 caf::actor events);

/// The child id of shard k in the shards supervisor ("shard#<k+1>").
[[nodiscard]] std::string shard_child_id(uint32_t k);

/// `content` wrapped for delivery to the current host ("sm") of shard k, sent to a supervisor
/// from which `path` leads to the shards supervisor (empty when sent to it): each supervisor on
/// the way forwards it as a child_ref message, so it reaches the shard host across restarts
/// and its reply goes straight back to the sender. E.g., with keel-node's root:
///   self->request(root, t, shard_host_envelope({"shards"}, k, make_message(exec_atom::value, r)))
[[nodiscard]] caf::message shard_host_envelope(const std::vector<std::string>& path, uint32_t i,
                                               caf::message content);

namespace detail {

/// Spawns the simple_one_for_one supervisor with `so` and starts one child per id, with the id
/// as start argument, in parallel; reports to `ctx` when all are ready (or the first failed).
[[nodiscard]] caf::actor start_shards(const supervision::start_context& ctx,
                                      supervision::supervisor_options so,
                                      std::vector<uint32_t> ids,
                                      std::chrono::milliseconds timeout);

} // namespace detail

/// The child spec of the shards subtree (type supervisor, shutdown infinity, permanent), for
/// the state machines `make` creates.
template <class Request, class Reply>
[[nodiscard]] supervision::child_spec shards_child_of(shards_options opts,
                                                      machine_factory<Request, Reply> make) {
  supervision::child_spec tmpl;
  tmpl.id = "shard";
  tmpl.type = supervision::child_type::supervisor;
  tmpl.shutdown = supervision::shutdown_policy::infinity();
  tmpl.start_timeout = opts.startup_timeout * 2;
  tmpl.start = [shard = opts.shard, make, events = opts.events](
                 const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    if (ctx.args().size() != 1 || !ctx.args().match_element<uint32_t>(0))
      return make_error(shard_errc::bad_request, "shards: start_child needs the shard index "
                                                 "(uint32_t) as its only argument");
    auto k = ctx.args().get_as<uint32_t>(0);
    auto so = shard(k);
    if (!so.events)
      so.events = events;
    auto spec = shard_child<Request, Reply>("shard-" + std::to_string(k), std::move(so), make);
    return spec.start(ctx);
  };
  supervision::supervisor_options so;
  so.name = opts.id;
  so.flags = opts.flags;
  so.flags.strategy = supervision::restart_strategy::simple_one_for_one;
  so.events = opts.events;
  so.start_timeout = opts.startup_timeout * 2;
  so.children.push_back(std::move(tmpl));
  supervision::child_spec spec;
  spec.id = opts.id;
  spec.type = supervision::child_type::supervisor;
  spec.shutdown = supervision::shutdown_policy::infinity();
  spec.start_timeout = opts.startup_timeout * 2;
  auto ids = opts.ids;
  if (ids.empty())
    for (uint32_t k = 0; k < opts.count; ++k)
      ids.push_back(k);
  spec.start = [so = std::move(so), ids = std::move(ids),
                timeout = opts.startup_timeout * 2](const supervision::start_context& ctx)
    -> caf::expected<caf::actor> { return detail::start_shards(ctx, so, ids, timeout); };
  return spec;
}

} // namespace keel::actors
