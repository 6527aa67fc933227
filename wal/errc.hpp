// keel::wal error codes, registered with CAF 0.17 as the error category `keel_wal`.
//
// Every failing WAL function returns a caf::error of this category whose context is one
// string: what happened, where (shard, file, offset) and what the operator should do next.
// Call add_error_category(cfg) on an actor_system_config so that the actor system renders
// these errors by name. Thread-safe: pure functions.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
} // namespace caf

namespace keel::wal {

/// Error codes of the WAL. 0 is "no error".
enum class errc : uint8_t {
  none = 0,        ///< no error
  wal_poisoned,    ///< an fsync failed: nothing more is accepted; restart and recover from disk
  disk_full,       ///< ENOSPC: the append failed, nothing acknowledged is lost; retry later
  corrupt,         ///< a checksum, LSN or segment check failed during recovery
  locked,          ///< another writer holds the directory's LOCK
  io_error,        ///< any other failed system call (context names it and errno)
  invalid_argument,///< a caller's mistake: LSN out of order, bad option value
  too_large,       ///< a record or batch does not fit into one segment
  not_found,       ///< a file or directory that must exist does not
};

/// The CAF error category of errc values.
inline constexpr caf::atom_value error_category = caf::atom("keel_wal");

/// The name of a code ("wal_poisoned", ...).
[[nodiscard]] std::string to_string(errc x);

/// A caf::error of category keel_wal without context.
[[nodiscard]] caf::error make_error(errc x);

/// A caf::error of category keel_wal whose context is `what` (file, offset, reason, advice).
[[nodiscard]] caf::error make_error(errc x, std::string what);

/// True when `err` is of category keel_wal with code `x`.
[[nodiscard]] bool is(const caf::error& err, errc x);

/// The context string of a keel_wal error, or CAF's rendering for any other error.
[[nodiscard]] std::string describe(const caf::error& err);

/// Registers the category with `cfg`, so actor_system::render shows "keel_wal: disk_full (...)".
void add_error_category(caf::actor_system_config& cfg);

} // namespace keel::wal
