// keel::wal::fault_file_system: an in-memory file_system that fails, tears and forgets on
// request, so that the WAL's durability claims can be tested without root or a power cut.
//
// Model: every file has its current bytes and its durable bytes (what fdatasync last made
// durable); every directory has its current entries and its durable entries (what fsync_dir
// last made durable). crash() throws away everything not durable, like a power cut.
// Faults are armed per operation: "the 3rd fdatasync from now fails with EIO", "every pwrite
// fails with ENOSPC after writing 10 bytes", plus bit flips and held syncs (an fdatasync that
// waits until the test releases it, to let a batch pile up deterministically).
//
// Thread-safety: all members may be called from any thread (one mutex). Lifetime: files and
// locks keep the shared state alive; after crash() the old file objects must not be used.
#pragma once

#include "wal/file_system.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keel::wal {

namespace detail {
struct memory_fs_state;
} // namespace detail

class fault_file_system : public file_system {
public:
  /// The operations a fault can be armed for and that the event log records.
  enum class op : uint8_t { pwrite, fdatasync, rename, fsync_dir, unlink, create, truncate };

  /// One entry of the event log.
  struct event {
    op kind;
    std::string path;
    /// pwrite: bytes requested; fdatasync: the file's size; others: 0.
    uint64_t bytes = 0;
    /// 0 or the errno returned.
    int result = 0;
  };

  // -- construction ---------------------------------------------------------

  fault_file_system();
  ~fault_file_system() override;

  // -- file_system ----------------------------------------------------------

  int open(const std::string& path, open_mode mode, std::unique_ptr<file>& out) override;
  int rename(const std::string& from, const std::string& to) override;
  int fsync_dir(const std::string& dir) override;
  int unlink(const std::string& path) override;
  int mkdir(const std::string& path) override;
  int list(const std::string& dir, std::vector<std::string>& names) override;
  int lock(const std::string& path, std::unique_ptr<file_lock>& out) override;

  // -- faults ---------------------------------------------------------------

  /// The `n`th call (1 = the next one) of `kind` from now fails with `err`.
  void fail_nth(op kind, size_t n, int err);

  /// Every call of `kind` fails with `err` until clear_faults(). For pwrite, the first
  /// `written_prefix` bytes of each failing write still land (a torn write).
  void fail_all(op kind, int err, size_t written_prefix = 0);

  /// Disarms all faults.
  void clear_faults();

  /// Flips one bit of `path` (current and durable bytes). @pre the file is that long.
  void flip_bit(const std::string& path, uint64_t offset, int bit = 0);

  /// From now on fdatasync blocks until release_syncs().
  void hold_syncs();

  /// Lets held and future fdatasync calls proceed.
  void release_syncs();

  /// Waits until `n` fdatasync calls are held (or `timeout` passes); true when they are.
  [[nodiscard]] bool await_held_syncs(size_t n, std::chrono::milliseconds timeout);

  /// Simulated power cut: un-synced file bytes and un-fsynced directory entries are lost, all
  /// locks are released. With `keep_unsynced` > 0, that many bytes of each file's first
  /// un-synced region survive (a torn write).
  void crash(size_t keep_unsynced = 0);

  /// A new file system holding only what is durable now (what a crash would leave).
  [[nodiscard]] std::shared_ptr<fault_file_system> crash_image() const;

  // -- inspection -----------------------------------------------------------

  /// Successful fdatasync calls so far.
  [[nodiscard]] size_t sync_count() const;

  /// Every operation so far, in order.
  [[nodiscard]] std::vector<event> events() const;

  /// Current content of `path` (empty when missing).
  [[nodiscard]] std::string content(const std::string& path) const;

  /// Durable content of `path` (empty when missing or never synced).
  [[nodiscard]] std::string durable_content(const std::string& path) const;

  /// Replaces the content of `path` (current and durable), creating it durably.
  void set_content(const std::string& path, const std::string& bytes);

  /// True when `path` exists now.
  [[nodiscard]] bool exists(const std::string& path) const;

private:
  std::shared_ptr<detail::memory_fs_state> st_;
};

} // namespace keel::wal
