// keel::actors shard: the supervised pair that makes one durable shard.
//
//   shard-<k> supervisor (rest_for_one)
//   ├── "wal": the WAL writer of <data_dir>/shard-<k>/ (wal::spawn_writer);
//   │          ready once it answered a status request, i.e. once its recovery finished
//   └── "sm":  the shard host (shard_host.hpp) with a fresh state machine
//
// How the host finds the current writer: both child specs share a writer_slot. The writer's
// start factory stores each new writer handle there; the host's start factory reads it. Start
// factories run on the supervisor's thread in list order, and rest_for_one restarts "sm" after
// every restart of "wal", so the host always starts with the writer of its generation. A host
// crash alone (failed append, state machine bug) restarts only the host, which asks the
// still-running writer for a fresh recovery_result.
//
// Thread-safety: the functions are pure; the slot is only touched by one supervisor's thread.
#pragma once

#include "actors/shard_host.hpp"
#include "supervision/flags.hpp"
#include "supervision/spec.hpp"
#include "supervision/supervisor.hpp"
#include "wal/options.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace keel::config {
struct node_config;
} // namespace keel::config

namespace keel::actors {

/// Everything one shard is started with; plain data.
struct shard_options {
  /// WAL options; `wal.dir` is the shard's directory and `wal.shard` its index.
  wal::options wal;
  /// Host options; `host.shard` is the shard's index.
  shard_host_options host;
  /// How long the writer (recovery included) and the host (replay included) may each take to
  /// report ready.
  std::chrono::milliseconds startup_timeout{30000};
  /// The shard supervisor's flags; the strategy is always rest_for_one.
  supervision::supervisor_flags flags{supervision::restart_strategy::rest_for_one, 5,
                                      std::chrono::milliseconds{5000},
                                      supervision::auto_shutdown_policy::never};
  /// Receives the shard supervisor's lifecycle events (may be invalid).
  caf::actor events;
  /// Messages kept per child while it restarts (supervisor_options::child_ref_queue); more are
  /// failed back to their senders.
  size_t child_ref_queue = 1024;
};

/// The options of shard `k` of a node: `<node.data_dir>/shard-<k>`, sync policy, interval,
/// recovery mode, segment size, snapshot threshold and start-up timeout from `cfg.shards`.
[[nodiscard]] shard_options shard_options_from(const config::node_config& cfg, uint32_t k);

/// The directory of shard `k` under `data_dir` (`<data_dir>/shard-<k>`).
[[nodiscard]] std::string shard_dir(const std::string& data_dir, uint32_t k);

/// Where a shard's "wal" child leaves its current writer for the "sm" child.
/// Weak: a strong handle here would form a cycle (supervisor -> spec -> slot -> writer) that
/// keeps a dead tree's writer thread alive and blocks ~actor_system.
struct writer_slot {
  caf::actor_addr writer;
};

/// The "wal" child: spawns the writer for `opts`, records it in `slot` and reports ready once
/// the writer answered a status request (after its recovery) or fails with its exit reason.
[[nodiscard]] supervision::child_spec wal_writer_child(wal::options opts,
                                                       std::shared_ptr<writer_slot> slot,
                                                       std::chrono::milliseconds startup_timeout);

/// The "sm" child: a shard host over the writer found in `slot` and a machine from `make`.
template <class Request, class Reply>
[[nodiscard]] supervision::child_spec
shard_host_child(machine_factory<Request, Reply> make, shard_host_options host,
                 std::shared_ptr<writer_slot> slot, std::chrono::milliseconds startup_timeout) {
  supervision::child_spec spec;
  spec.id = "sm";
  spec.start_timeout = startup_timeout;
  spec.start = [make = std::move(make), host = std::move(host),
                slot = std::move(slot)](const supervision::start_context& ctx)
    -> caf::expected<caf::actor> {
    auto writer = caf::actor_cast<caf::actor>(slot->writer);
    if (!writer)
      return make_error(shard_errc::wal_down, "shard " + std::to_string(host.shard)
                                                + ": no WAL writer to recover from");
    auto m = make(host.shard);
    if (!m)
      return make_error(shard_errc::bad_request, "shard " + std::to_string(host.shard)
                                                   + ": the machine factory returned null");
    return spawn_shard_host<Request, Reply>(ctx, std::move(writer), std::move(m), host);
  };
  return spec;
}

/// The options of one shard's supervisor (see the file comment): start it with
/// supervision::start_supervisor, or nest it with shard_child.
template <class Request, class Reply>
[[nodiscard]] supervision::supervisor_options
shard_supervisor_options(shard_options opts, machine_factory<Request, Reply> make) {
  auto slot = std::make_shared<writer_slot>();
  supervision::supervisor_options so;
  so.name = "shard-" + std::to_string(opts.host.shard);
  so.flags = opts.flags;
  so.flags.strategy = supervision::restart_strategy::rest_for_one;
  so.events = opts.events;
  so.start_timeout = opts.startup_timeout;
  so.child_ref_queue = opts.child_ref_queue;
  so.children.push_back(wal_writer_child(opts.wal, slot, opts.startup_timeout));
  so.children.push_back(
    shard_host_child<Request, Reply>(std::move(make), opts.host, slot, opts.startup_timeout));
  return so;
}

/// The supervisor spec of one shard (see the file comment), with child id `id`.
template <class Request, class Reply>
[[nodiscard]] supervision::child_spec shard_child(std::string id, shard_options opts,
                                                  machine_factory<Request, Reply> make) {
  auto timeout = opts.startup_timeout;
  auto spec = supervision::supervisor_child(
    std::move(id), shard_supervisor_options<Request, Reply>(std::move(opts), std::move(make)));
  // Writer and host each get the start-up timeout; the pair gets both.
  spec.start_timeout = timeout * 2;
  return spec;
}

} // namespace keel::actors
