// keel::wal::options: how one shard's WAL is opened, written and recovered.
//
// Plain data with defaults (wal.md); validate() checks each field once and names the field
// and value in its error. The config layer maps YAML onto this struct.
#pragma once

#include "wal/file_system.hpp"
#include "wal/format.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace keel::wal {

/// When an append is acknowledged.
enum class sync_policy : uint8_t {
  group,    ///< after the fdatasync that covers it (group commit). The default.
  interval, ///< after the write; fdatasync every `sync_interval`: a crash loses up to that much
  none,     ///< after the write; never fdatasync (tests and caches): a crash loses anything
};

/// What recovery does with a bad record (wal.md, "Recovery").
enum class recovery_mode : uint8_t {
  tolerate_torn_tail, ///< a bad tail of the last segment is cut; anything else refuses to start
  absolute,           ///< any bad record refuses to start
  point_in_time,      ///< stop at the first bad record; move the rest into corrupt/
  skip,               ///< skip bad records and log each one (salvage only)
};

[[nodiscard]] std::string to_string(sync_policy x);
[[nodiscard]] std::string to_string(recovery_mode x);

/// Parses "group", "interval", "none".
[[nodiscard]] std::optional<sync_policy> parse_sync_policy(std::string_view x);

/// Parses "tolerate_torn_tail", "absolute", "point_in_time", "skip".
[[nodiscard]] std::optional<recovery_mode> parse_recovery_mode(std::string_view x);

struct options {
  /// The shard directory (created with its missing parents).
  std::string dir;
  /// Shard id, written into segment headers and error messages.
  uint32_t shard = 0;
  /// Size of each pre-allocated segment file.
  uint64_t segment_size = default_segment_size;
  sync_policy sync = sync_policy::group;
  /// For sync_policy::interval.
  std::chrono::milliseconds sync_interval{10};
  recovery_mode recovery = recovery_mode::tolerate_torn_tail;
  /// Most bytes of records the writer actor puts into one write + fdatasync (0 = unlimited).
  uint64_t max_batch_bytes = uint64_t{8} << 20;
  /// Reserve each segment (and the next, as a .tmp file) with posix_fallocate.
  bool preallocate = true;
  /// The file system; null means posix_file_system().
  std::shared_ptr<file_system> fs;
  /// Called after each successful fdatasync of records (on the writer's thread) with how long
  /// it took and how many records it made durable; for metrics. Must be cheap and must not
  /// throw. Null: not called.
  std::function<void(std::chrono::nanoseconds took, uint64_t records)> on_sync;
};

/// Checks every field; the error names the field and its value.
[[nodiscard]] caf::error validate(const options& opts);

} // namespace keel::wal
