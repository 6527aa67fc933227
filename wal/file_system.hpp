// keel::wal::file_system: the only way the WAL touches files, so that tests can inject faults.
//
// The interface is deliberately POSIX-shaped and small: every call returns 0 on success or an
// errno value (EIO, ENOSPC, ENOENT, EWOULDBLOCK, ...); the WAL turns those into keel_wal
// errors with context. posix_file_system() is the real implementation; fault_file_system
// (fault_file_system.hpp) is an in-memory one that fails, tears and forgets on request.
//
// Thread-safety: a file_system may be shared between threads (implementations synchronize);
// a file object belongs to one thread at a time. Paths are plain strings, '/'-separated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <cerrno>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace keel::wal {

/// An open file.
class file {
public:
  virtual ~file();

  /// Writes all `n` bytes at `offset`. On failure some prefix may have been written.
  [[nodiscard]] virtual int pwrite(const void* data, size_t n, uint64_t offset) = 0;

  /// Reads up to `n` bytes at `offset` into `data`; `got` is how many (short at end of file).
  [[nodiscard]] virtual int pread(void* data, size_t n, uint64_t offset, size_t& got) = 0;

  /// Makes the written data durable. A failure means the data may be lost: never retry.
  [[nodiscard]] virtual int fdatasync() = 0;

  /// Sets the file's size (cuts or extends with zeros).
  [[nodiscard]] virtual int truncate(uint64_t size) = 0;

  /// The current size of the file.
  [[nodiscard]] virtual int size(uint64_t& out) = 0;

  /// Reserves `size` bytes of disk for the file, which then reads as zeros up to `size`
  /// (posix_fallocate, as etcd preallocates its segments). The default extends with truncate.
  [[nodiscard]] virtual int allocate(uint64_t size) { return truncate(size); }

  /// Maps the whole file read-only: `out` views its bytes while `keep` lives (and the file
  /// is not written meanwhile, except where the caller has finished reading). ENOTSUP where
  /// the file system cannot map; the caller then reads.
  [[nodiscard]] virtual int map(std::string_view& out, std::shared_ptr<const void>& keep) {
    (void)out;
    (void)keep;
    return ENOTSUP;
  }
};

/// How to open a file.
enum class open_mode : uint8_t {
  read,   ///< existing file, read only
  write,  ///< existing file, read and write
  create, ///< create or truncate, read and write
};

/// A held lock (released by the destructor).
class file_lock {
public:
  virtual ~file_lock();
};

class file_system {
public:
  virtual ~file_system();

  /// Opens `path`; on success `out` holds the file.
  [[nodiscard]] virtual int open(const std::string& path, open_mode mode,
                                 std::unique_ptr<file>& out) = 0;

  /// Atomically renames `from` to `to` (replacing `to`). Durable only after fsync_dir.
  [[nodiscard]] virtual int rename(const std::string& from, const std::string& to) = 0;

  /// Makes the directory's entries (creates, renames, unlinks) durable.
  [[nodiscard]] virtual int fsync_dir(const std::string& dir) = 0;

  /// Removes a file.
  [[nodiscard]] virtual int unlink(const std::string& path) = 0;

  /// Creates a directory; succeeds when it exists already.
  [[nodiscard]] virtual int mkdir(const std::string& path) = 0;

  /// The names (not paths) of the regular files in `dir`, in no particular order.
  [[nodiscard]] virtual int list(const std::string& dir, std::vector<std::string>& names) = 0;

  /// Takes an exclusive lock on `path` (created if missing) without waiting: EWOULDBLOCK when
  /// another holder has it, in this process or another.
  [[nodiscard]] virtual int lock(const std::string& path, std::unique_ptr<file_lock>& out) = 0;
};

/// The real file system (POSIX calls; fdatasync, flock). Shared, stateless.
[[nodiscard]] std::shared_ptr<file_system> posix_file_system();

/// Reads a whole file into `out` (resized to the file's size).
[[nodiscard]] int read_file(file_system& fs, const std::string& path, std::string& out);

/// `dir + "/" + name`.
[[nodiscard]] std::string join_path(const std::string& dir, const std::string& name);

/// The text of an errno value ("Input/output error").
[[nodiscard]] std::string errno_text(int err);

} // namespace keel::wal
