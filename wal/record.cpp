#include "wal/record.hpp"

#include "wal/crc32c.hpp"

#include <algorithm>

namespace keel::wal::detail {

void encode_segment_header(char* out, uint32_t shard, uint64_t seq, uint64_t first_lsn) {
  std::memset(out, 0, segment_header_size);
  std::memcpy(out, segment_magic.data(), segment_magic.size());
  put_u16(out + 8, segment_format_version);
  put_u32(out + 12, shard);
  put_u64(out + 16, seq);
  put_u64(out + 24, first_lsn);
  put_u32(out + 60, mask_crc(crc32c(out, 60)));
}

const char* decode_segment_header(std::string_view file, segment_header& out) {
  if (file.size() < segment_header_size)
    return "segment shorter than its 64-byte header";
  auto p = file.data();
  if (file.substr(0, 8) != segment_magic)
    return "bad segment magic (not a keel WAL segment)";
  if (unmask_crc(get_u32(p + 60)) != crc32c(p, 60))
    return "segment header CRC mismatch";
  out.version = get_u16(p + 8);
  if (out.version != segment_format_version)
    return "unsupported segment format version";
  out.shard = get_u32(p + 12);
  out.seq = get_u64(p + 16);
  out.first_lsn = get_u64(p + 24);
  return nullptr;
}

void append_record(std::string& buf, record_type type, uint64_t lsn, uint64_t seq,
                   std::string_view payload, uint8_t flags) {
  auto start = buf.size();
  buf.resize(start + record_size(payload.size()), '\0');
  char* p = buf.data() + start;
  put_u32(p + 4, static_cast<uint32_t>(payload.size()));
  put_u64(p + 8, lsn);
  put_u32(p + 16, static_cast<uint32_t>(seq));
  p[20] = static_cast<char>(type);
  p[21] = static_cast<char>(flags);
  put_u16(p + 22, record_format_version);
  if (!payload.empty())
    std::memcpy(p + record_header_size, payload.data(), payload.size());
  auto crc = crc32c(p + 4, record_header_size - 4 + payload.size());
  put_u32(p, mask_crc(crc));
}

decode_status decode_record(std::string_view data, uint64_t offset, uint64_t seq, record_view& out,
                            const char*& reason) {
  if (offset >= data.size())
    return decode_status::end;
  auto left = data.size() - offset;
  auto p = data.data() + offset;
  if (left < record_header_size) {
    if (std::all_of(p, p + left, [](char c) { return c == 0; }))
      return decode_status::end;
    reason = "truncated record header";
    return decode_status::bad;
  }
  if (std::all_of(p, p + record_header_size, [](char c) { return c == 0; }))
    return decode_status::end;
  auto len = get_u32(p + 4);
  if (len > left - record_header_size) {
    reason = "record length beyond the end of the segment";
    return decode_status::bad;
  }
  if (unmask_crc(get_u32(p)) != crc32c(p + 4, record_header_size - 4 + len)) {
    reason = "CRC mismatch";
    return decode_status::bad;
  }
  if (get_u16(p + 22) != record_format_version) {
    reason = "unsupported record format version";
    return decode_status::bad;
  }
  auto type = static_cast<uint8_t>(p[20]);
  if (type == 0 || type > max_record_type) {
    reason = "unknown record type";
    return decode_status::bad;
  }
  if (get_u32(p + 16) != static_cast<uint32_t>(seq)) {
    reason = "record belongs to another segment (wrong segment seq)";
    return decode_status::bad;
  }
  out.offset = offset;
  out.lsn = get_u64(p + 8);
  out.type = static_cast<record_type>(type);
  out.flags = static_cast<uint8_t>(p[21]);
  out.payload = std::string_view{p + record_header_size, len};
  return decode_status::ok;
}

} // namespace keel::wal::detail
