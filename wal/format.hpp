// keel::wal on-disk format: the constants shared by the writer, the reader and the tool.
//
// A shard directory holds segments `<seq:016x>-<first_lsn:016x>.wal`, snapshots
// `snap-<lsn:016x>.snap`, a `LOCK` file and, after a point_in_time salvage, `corrupt/`.
// Every segment starts with a 64-byte header; records follow, each a 24-byte header and a
// payload padded to 8 bytes. All integers are little endian. A record header of 24 zero
// bytes marks the end of the records in a segment (segments are pre-allocated with zeros).
//
//   segment header: 0-7 magic "KEELWAL1" | 8-9 format version | 10-11 zero | 12-15 shard id |
//                   16-23 segment seq | 24-31 first LSN | 32-59 zero | 60-63 masked CRC32C of 0-59
//   record header:  0-3 masked CRC32C of bytes 4..end of payload | 4-7 payload length |
//                   8-15 LSN | 16-19 segment seq (low 32 bits) | 20 type | 21 flags |
//                   22-23 record format version
//
// Header-only, no dependencies beyond the standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::wal {

/// Size of the file header that opens every segment.
inline constexpr size_t segment_header_size = 64;

/// Size of the header in front of every record's payload.
inline constexpr size_t record_header_size = 24;

/// Records (header + payload) start at multiples of this.
inline constexpr size_t record_alignment = 8;

/// The magic at the start of every segment.
inline constexpr std::string_view segment_magic = "KEELWAL1";

/// The magic at the start of every snapshot file.
inline constexpr std::string_view snapshot_magic = "KEELSNP1";

/// Version of the segment header layout.
inline constexpr uint16_t segment_format_version = 1;

/// Version of the record header layout, stored in every record.
inline constexpr uint16_t record_format_version = 1;

/// Largest payload of one record (the length field is 32 bits; keep well below).
inline constexpr size_t max_payload_size = size_t{1} << 30;

/// Default size of a segment file (pre-allocated with zeros).
inline constexpr uint64_t default_segment_size = uint64_t{64} << 20;

/// Snapshot file layout: 0-7 magic | 8-15 LSN | 16-23 state length | state | 4-byte masked
/// CRC32C of everything before it (the trailer).
inline constexpr size_t snapshot_header_size = 24;
inline constexpr size_t snapshot_trailer_size = 4;

/// What a record is.
enum class record_type : uint8_t {
  zero = 0,         ///< never written: a zero header marks the end of the records
  full = 1,         ///< a record on its own
  batch_begin = 2,  ///< first record of an atomic batch
  batch_middle = 3, ///< inner record of an atomic batch
  batch_end = 4,    ///< last record of an atomic batch: the batch counts only with it
  checkpoint = 5,   ///< reserved: checkpoint marker (not written by format version 1)
};

/// Highest valid record_type value.
inline constexpr uint8_t max_record_type = 5;

/// Name of the lock file in a shard directory.
inline constexpr std::string_view lock_file_name = "LOCK";

/// Name of the folder that point_in_time recovery moves damaged files into.
inline constexpr std::string_view corrupt_dir_name = "corrupt";

/// Name of the pre-allocated next segment before it is renamed into place.
inline constexpr std::string_view next_segment_tmp_name = "next-segment.wal.tmp";

/// Padded size of a record with `payload` bytes.
constexpr size_t record_size(size_t payload) {
  return (record_header_size + payload + record_alignment - 1) & ~(record_alignment - 1);
}

/// `<seq:016x>-<first_lsn:016x>.wal`
std::string segment_file_name(uint64_t seq, uint64_t first_lsn);

/// `snap-<lsn:016x>.snap`
std::string snapshot_file_name(uint64_t lsn);

/// Parsed segment file name.
struct segment_name {
  uint64_t seq = 0;
  uint64_t first_lsn = 0;
};

/// Parses a segment file name; nullopt for anything else.
std::optional<segment_name> parse_segment_file_name(std::string_view name);

/// Parses a snapshot file name into its LSN; nullopt for anything else.
std::optional<uint64_t> parse_snapshot_file_name(std::string_view name);

} // namespace keel::wal
