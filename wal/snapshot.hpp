// keel::wal snapshots: the full state-machine image at an LSN, `snap-<lsn:016x>.snap`.
//
// Layout (format.hpp): magic "KEELSNP1", LSN, state length, state bytes, masked CRC32C
// trailer over everything before it. A snapshot is written as `<name>.tmp`, fdatasynced,
// renamed into place and the directory fsynced, so a crash leaves either the complete file or
// a stray .tmp that recovery deletes. Thread-safety: plain functions; one writer per directory
// (the LOCK holder).
#pragma once

#include "wal/file_system.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::wal {

/// Writes `state` as the snapshot at `lsn` into `dir` durably (see above).
/// Errors: disk_full (ENOSPC), io_error (anything else; the .tmp is removed).
[[nodiscard]] caf::error write_snapshot(file_system& fs, const std::string& dir, uint32_t shard,
                                        uint64_t lsn, std::string_view state);

/// Checks a snapshot file's bytes; on success `lsn` and `state` (a view into `file`) are set
/// and nullptr returned, else the reason.
[[nodiscard]] const char* decode_snapshot(std::string_view file, uint64_t& lsn,
                                          std::string_view& state);

/// The snapshot LSNs found in `dir`, newest first (by name; contents unchecked).
[[nodiscard]] int list_snapshots(file_system& fs, const std::string& dir,
                                 std::vector<uint64_t>& lsns);

} // namespace keel::wal
