// keel::wal recovery: rebuild a shard's state from its directory (newest valid snapshot, then
// the segments after it), checking every checksum, LSN and segment seq on the way.
//
// What a bad record means depends on the recovery_mode (options.hpp, wal.md): with the
// default tolerate_torn_tail a bad tail of the last segment (nothing valid after it) is the end
// of the log; anything else refuses to start with an error naming file, offset and reason and
// what to do. Records of an atomic batch are delivered only when the batch is complete.
//
// With `repair` set recovery also fixes the directory: deletes stray .tmp files, zeroes a cut
// tail (and fdatasyncs it), moves bad snapshots and, for point_in_time, the damaged rest of
// the log into corrupt/. Without it, nothing is changed (the tool's verify and dump).
// Thread-safety: one call at a time per directory; the writer holds the LOCK while it runs.
#pragma once

#include "wal/file_system.hpp"
#include "wal/options.hpp"
#include "wal/reporter.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::wal {

/// What recovery found in one segment.
struct segment_summary {
  std::string name;
  uint64_t seq = 0;
  uint64_t first_lsn = 0;
  /// Last valid LSN in the segment (first_lsn - 1 when it holds none).
  uint64_t last_lsn = 0;
  uint64_t records = 0;
  /// End of the last valid record: where the next one goes.
  uint64_t end_offset = 0;
  uint64_t file_size = 0;
};

/// What recovery found in the directory.
struct recovery_summary {
  bool has_snapshot = false;
  uint64_t snapshot_lsn = 0;
  /// Highest LSN recovered (snapshot or record); the next append gets last_lsn + 1.
  uint64_t last_lsn = 0;
  /// Records delivered to the sink (those after the snapshot).
  uint64_t records = 0;
  /// Payload bytes delivered to the sink.
  uint64_t payload_bytes = 0;
  /// Segments read, in order (with verify_all: every segment in the directory).
  std::vector<segment_summary> segments;
  /// Highest segment seq in the directory, including unread ones.
  uint64_t max_seq = 0;
  /// Number of reports made to the reporter.
  size_t corruptions = 0;
};

/// Receives the snapshot (LSN, state) before any record. `state` is only valid during the call.
using snapshot_sink = std::function<void(uint64_t lsn, std::string_view state)>;

/// Receives each recovered record in LSN order. `payload` is only valid during the call.
using record_sink = std::function<void(uint64_t lsn, std::string_view payload)>;

/// How to run recovery.
struct recovery_options {
  std::string dir;
  uint32_t shard = 0;
  recovery_mode mode = recovery_mode::tolerate_torn_tail;
  /// Fix the directory (see the file comment).
  bool repair = true;
  /// Read and check every segment, also those wholly covered by the snapshot.
  bool verify_all = false;
  /// Deliver also the records the snapshot covers (with verify_all: every record; the tool).
  bool deliver_covered = false;
};

/// Recovers `opts.dir`. Returns none on success (`out` describes the log); on error, the
/// error is errc::corrupt (file, offset, reason, advice) or errc::io_error.
[[nodiscard]] caf::error recover(file_system& fs, const recovery_options& opts, reporter& rep,
                                 const snapshot_sink& on_snapshot, const record_sink& on_record,
                                 recovery_summary& out);

} // namespace keel::wal
