// keel::wal writer actor: one CAF actor per shard directory that owns the blocking I/O of a
// wal::writer and does group commit.
//
// Start it with spawn_writer(sys, opts). It locks the directory and runs recovery before
// handling any message; if that fails it exits with the keel_wal error (locked, corrupt, ...),
// so its supervisor sees why. On a failed fdatasync it answers every pending and queued append
// with wal_poisoned and then exits with that error (never retrying the sync), so the shard
// restarts and recovers from disk. ENOSPC fails the affected appends with disk_full and the
// writer goes on.
//
// Where it runs: with sync policy group every ack waits for an fdatasync, so the writer is a
// detached actor (its own thread). With interval and none no ack waits for the disk: the
// writer runs on the scheduler and writes into the page cache (one pwrite per flush, as Redis
// writes its AOF from its event loop), and hands whatever may wait for the disk (opening and
// recovery, the interval sync, snapshots, a restarted machine's re-read, starting the next
// segment, which it does before the current one is full) to a helper thread of its own,
// awaiting it meanwhile (no other message of the writer runs in between; the scheduler thread
// is free). This spares every flush two thread wake-ups.
//
// Group commit: each append is encoded into a buffer; the first append of a batch sends the
// actor a flush message, which lands behind the appends already queued, so one write + one
// fdatasync covers everything that arrived while the previous sync ran. No timer, no delay.
//
// ## Messages (atoms in wal/atoms.hpp)
//
// Request form, for simple users (the writer assigns LSNs):
//   (append_atom, std::string payload)              -> uint64_t lsn
//   (append_atom, std::vector<std::string> batch)   -> uint64_t last_lsn   (atomic batch)
//     The response arrives when the record is acknowledged under the sync policy: group:
//     after the fdatasync covering it; interval / none: after the write. Errors: keel_wal
//     wal_poisoned, disk_full, too_large.
//
// Stream form, for a state machine that assigns LSNs itself and parks replies until they are
// durable (send, do not request: no per-record response handler):
//   (append_atom, uint64_t lsn, std::string payload)  async, lsn must be the writer's next LSN
//   (append_atom, uint64_t lsn, std::vector<std::string> payloads)
//     async: the same for payloads.size() records with LSNs lsn, lsn+1, ... in one message
//     (independent records, not an atomic batch)
//     The writer then sends the sender, once per flush:
//       (durable_atom, uint64_t lsn)   every record up to lsn is acknowledged (see above)
//     or, when records fail:
//       (failed_atom, uint64_t first, uint64_t last, caf::error why)
//     After a failure the next LSN is `first` again (the failed records are not in the log).
//   (notify_atom, durable_callback cb)                async
//     Runs cb.run(nullptr) on the writer's thread once every record up to cb.lsn is
//     acknowledged, right after the write or sync that does it and before the durable_atom of
//     that flush goes out; cb.run(&why) when a record up to cb.lsn failed or was never appended
//     (cb.lsn >= the next LSN when the callback arrives). Callbacks run in the order they came,
//     a later one never before an earlier one. A callback still waiting when the writer goes
//     down is destroyed without being run. This lets a state machine have its replies sent
//     from the writer, without a round trip through itself.
//
// Both forms:
//   (snapshot_atom, uint64_t lsn, std::string state) -> uint64_t lsn
//     Stores the state machine's image covering records up to lsn (durably), keeps the newest
//     two snapshots and deletes segments wholly below the older one.
//   (recovery_atom)                                  -> recovery_result
//     What the state machine needs to rebuild: the snapshot and the records after it. The
//     first call hands over what recovery read at start; later calls (a restarted state
//     machine) read the directory again, after flushing.
//   (status_atom)                                    -> writer_status
//
// Thread-safety: it is an actor. Ordering: responses and durable notifications for one sender
// come in LSN order.
#pragma once

#include "wal/atoms.hpp"
#include "wal/options.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace keel::wal {

/// One record handed back by recovery.
struct recovered_record {
  uint64_t lsn = 0;
  std::string payload;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovered_record& x) {
  return f(caf::meta::type_name("keel.wal.recovered_record"), x.lsn, x.payload);
}

/// The state a state machine rebuilds from: snapshot (if any), then records in LSN order.
struct recovery_result {
  bool has_snapshot = false;
  uint64_t snapshot_lsn = 0;
  std::string snapshot;
  std::vector<recovered_record> records;
  /// The LSN the next append gets.
  uint64_t next_lsn = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_result& x) {
  return f(caf::meta::type_name("keel.wal.recovery_result"), x.has_snapshot, x.snapshot_lsn,
           x.snapshot, x.records, x.next_lsn);
}

/// What a notify_atom message carries (see above). Local only (not serializable).
struct durable_callback {
  uint64_t lsn = 0;
  std::function<void(const caf::error*)> run;
};

/// Counters of a writer actor.
struct writer_status {
  uint64_t next_lsn = 0;
  uint64_t written_lsn = 0;
  uint64_t durable_lsn = 0;
  /// fdatasync calls on segments so far.
  uint64_t syncs = 0;
  /// Flushes (batches) so far.
  uint64_t flushes = 0;
  /// notify_atom callbacks not run yet.
  uint64_t callbacks = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, writer_status& x) {
  return f(caf::meta::type_name("keel.wal.writer_status"), x.next_lsn, x.written_lsn,
           x.durable_lsn, x.syncs, x.flushes, x.callbacks);
}

/// Spawns the writer actor for `opts`: detached (its own thread) for sync policy group, on the
/// scheduler with a helper thread otherwise (see above). The returned handle is valid at once;
/// recovery runs before the first message is handled.
[[nodiscard]] caf::actor spawn_writer(caf::actor_system& sys, options opts);

} // namespace keel::wal

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::wal::durable_callback)
