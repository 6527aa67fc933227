// keel::wal::detail record and segment-header codec (format.hpp describes the bytes).
//
// Internal: used by the segment writer, the segment reader, recovery and the tool.
// Thread-safety: pure functions.
#pragma once

#include "wal/format.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace keel::wal::detail {

inline void put_u16(char* p, uint16_t x) {
  p[0] = static_cast<char>(x);
  p[1] = static_cast<char>(x >> 8);
}

inline void put_u32(char* p, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(x >> (8 * i));
}

inline void put_u64(char* p, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>(x >> (8 * i));
}

inline uint16_t get_u16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}

inline uint32_t get_u32(const char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4); // little-endian hosts only (x86-64, aarch64)
  return x;
}

inline uint64_t get_u64(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

/// The decoded segment header.
struct segment_header {
  uint16_t version = 0;
  uint32_t shard = 0;
  uint64_t seq = 0;
  uint64_t first_lsn = 0;
};

/// Writes a 64-byte segment header to `out`.
void encode_segment_header(char* out, uint32_t shard, uint64_t seq, uint64_t first_lsn);

/// Decodes the header at the start of `file`; returns nullptr on success, else the reason.
const char* decode_segment_header(std::string_view file, segment_header& out);

/// Appends one encoded record (header, payload, zero padding) to `buf`.
void append_record(std::string& buf, record_type type, uint64_t lsn, uint64_t seq,
                   std::string_view payload, uint8_t flags = 0);

/// One decoded record; `payload` points into the buffer it was read from.
struct record_view {
  uint64_t offset = 0; ///< of the record header in its file
  uint64_t lsn = 0;
  record_type type = record_type::full;
  uint8_t flags = 0;
  std::string_view payload;
};

/// Result of decoding at one offset.
enum class decode_status : uint8_t {
  ok,   ///< a valid record
  end,  ///< a zero header or the exact end of the data: no more records
  bad,  ///< something that is neither (see the reason)
};

/// Decodes the record at `offset` of `data`, whose segment seq is `seq`. On `bad`, `reason`
/// says why (static string).
decode_status decode_record(std::string_view data, uint64_t offset, uint64_t seq, record_view& out,
                            const char*& reason);

} // namespace keel::wal::detail
