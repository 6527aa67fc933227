// keel::wal::writer: one shard's log, as a plain class doing blocking I/O.
//
// open() locks the directory (LOCK, flock), runs recovery (handing the snapshot and records
// to the caller's sinks) and positions the writer after the last valid record. append()
// encodes records into a pending buffer and assigns LSNs (consecutive, from next_lsn());
// write() puts the buffer into the segment file with one pwrite; sync() makes it durable with
// one fdatasync. Splitting these lets the writer actor batch (group commit) and choose the
// sync policy. Segments are pre-allocated (zero-filled `.tmp`, synced) and rolled over by
// rename + directory fsync; snapshot() writes a snapshot and deletes what it covers.
//
// Failure rules (wal.md): a failed fdatasync, fsync_dir or non-ENOSPC write poisons the
// writer for good (never retry fsync: "fsyncgate"), every later call fails with wal_poisoned.
// ENOSPC fails with disk_full and the writer stays usable. After any failed call every record
// with an LSN above written_lsn() is dropped; the caller fails those appends.
//
// Thread-safety: none; one thread (the writer actor) owns a writer. Not copyable.
#pragma once

#include "wal/file_system.hpp"
#include "wal/options.hpp"
#include "wal/recovery.hpp"
#include "wal/reporter.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace keel::wal {

class writer {
public:
  // -- construction ---------------------------------------------------------

  /// Stores the options; no I/O until open().
  explicit writer(options opts);

  /// Releases the lock without syncing (call close() for a clean shutdown).
  ~writer();

  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // -- lifecycle ------------------------------------------------------------

  /// Locks, recovers and prepares the directory. The sinks receive the recovered snapshot and
  /// records (either may be empty). Errors: invalid_argument, locked, corrupt, io_error,
  /// disk_full. @pre not opened yet.
  [[nodiscard]] caf::error open(reporter& rep, const snapshot_sink& on_snapshot,
                                const record_sink& on_record);

  /// open() with a log_reporter.
  [[nodiscard]] caf::error open(const snapshot_sink& on_snapshot, const record_sink& on_record);

  /// Writes and syncs what is pending, then releases the lock. Idempotent.
  [[nodiscard]] caf::error close();

  // -- appending ------------------------------------------------------------

  /// Encodes `n` payloads as records with LSNs next_lsn() ... next_lsn() + n - 1; more than
  /// one form an atomic batch (recovered all or nothing). Returns the last LSN. May write and
  /// roll over to a new segment first (blocking). Errors: wal_poisoned, disk_full, too_large,
  /// io_error (the next segment could not be prepared: nothing was appended, the writer goes on
  /// in the current one).
  [[nodiscard]] caf::expected<uint64_t> append(const std::string_view* payloads, size_t n);

  /// One record.
  [[nodiscard]] caf::expected<uint64_t> append(std::string_view payload) {
    return append(&payload, 1);
  }

  /// Writes the pending records (one pwrite). Errors: wal_poisoned, disk_full.
  [[nodiscard]] caf::error write();

  /// Makes everything written durable (one fdatasync unless nothing is new).
  /// Errors: wal_poisoned (this call or an earlier one failed).
  [[nodiscard]] caf::error sync();

  /// write() then sync().
  [[nodiscard]] caf::error commit();

  /// Commits and starts the next segment now (append() does it when a segment is full).
  /// Errors: those of commit(); disk_full or io_error when the next segment could not be
  /// prepared (the writer goes on in the current one).
  [[nodiscard]] caf::error roll();

  // -- snapshots ------------------------------------------------------------

  /// Stores `state`, the state machine's image covering every record up to `lsn`, syncs the
  /// log up to `lsn` first, keeps the newest two snapshots and deletes the segments wholly
  /// below the older one. @pre lsn <= written_lsn() after the pending records are written.
  [[nodiscard]] caf::error snapshot(uint64_t lsn, std::string_view state);

  // -- properties -----------------------------------------------------------

  /// The LSN the next appended record gets.
  [[nodiscard]] uint64_t next_lsn() const { return next_lsn_; }

  /// Highest LSN handed to the file system (0 = none).
  [[nodiscard]] uint64_t written_lsn() const { return written_lsn_; }

  /// Highest LSN known durable (0 = none).
  [[nodiscard]] uint64_t durable_lsn() const { return durable_lsn_; }

  /// Bytes encoded but not yet written.
  [[nodiscard]] size_t pending_bytes() const { return pending_.size(); }

  /// Bytes the current segment still takes, pending ones counted (0 before open()).
  [[nodiscard]] uint64_t room() const {
    auto used = offset_ + pending_.size();
    return used < capacity_ ? capacity_ - used : 0;
  }

  [[nodiscard]] bool poisoned() const { return static_cast<bool>(poison_); }

  /// What recovery found when the writer was opened.
  [[nodiscard]] const recovery_summary& recovered() const { return recovered_; }

  /// Number of fdatasync calls on segments so far.
  [[nodiscard]] uint64_t syncs() const { return syncs_; }

  /// Sequence number and name of the segment being written.
  [[nodiscard]] uint64_t segment_seq() const { return seq_; }

  [[nodiscard]] const options& opts() const { return opts_; }

private:
  struct segment_ref {
    std::string name;
    uint64_t seq;
    uint64_t first_lsn;
  };

  caf::error start_segment(uint64_t seq, uint64_t first_lsn);
  caf::error precreate();
  caf::error delete_covered();
  caf::error poison(const char* what, const std::string& name, int err);
  caf::error fail(int err, const char* what, const std::string& name);
  caf::error poisoned_error() const;
  void drop_pending();
  std::string shard_prefix() const;

  options opts_;
  std::shared_ptr<file_system> fs_;
  std::unique_ptr<file_lock> lock_;
  std::unique_ptr<file> seg_;
  std::unique_ptr<file> tmp_;
  std::vector<segment_ref> segments_;
  recovery_summary recovered_;
  std::string pending_;
  uint64_t seq_ = 0;
  uint64_t offset_ = 0;   // where the pending buffer goes
  uint64_t capacity_ = 0; // size of the current segment
  uint64_t dirty_end_ = 0; // end of what a failed write left past offset_ (0: nothing)
  bool tail_unsynced_ = false; // write() zeroed such bytes: the next sync() must run
  uint64_t next_lsn_ = 1;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  uint64_t syncs_ = 0;
  caf::error poison_;
  bool open_ = false;
};

} // namespace keel::wal
