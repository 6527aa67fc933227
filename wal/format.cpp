#include "wal/format.hpp"

#include <cstdio>

namespace keel::wal {

namespace {

bool parse_hex16(std::string_view s, uint64_t& out) {
  if (s.size() != 16)
    return false;
  uint64_t x = 0;
  for (char c : s) {
    x <<= 4;
    if (c >= '0' && c <= '9')
      x |= static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      x |= static_cast<uint64_t>(c - 'a' + 10);
    else
      return false;
  }
  out = x;
  return true;
}

} // namespace

std::string segment_file_name(uint64_t seq, uint64_t first_lsn) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%016llx-%016llx.wal", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(first_lsn));
  return buf;
}

std::string snapshot_file_name(uint64_t lsn) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "snap-%016llx.snap", static_cast<unsigned long long>(lsn));
  return buf;
}

std::optional<segment_name> parse_segment_file_name(std::string_view name) {
  // 16 + 1 + 16 + 4
  if (name.size() != 37 || name[16] != '-' || name.substr(33) != ".wal")
    return std::nullopt;
  segment_name out;
  if (!parse_hex16(name.substr(0, 16), out.seq) || !parse_hex16(name.substr(17, 16), out.first_lsn))
    return std::nullopt;
  return out;
}

std::optional<uint64_t> parse_snapshot_file_name(std::string_view name) {
  // "snap-" + 16 + ".snap"
  if (name.size() != 26 || name.substr(0, 5) != "snap-" || name.substr(21) != ".snap")
    return std::nullopt;
  uint64_t lsn = 0;
  if (!parse_hex16(name.substr(5, 16), lsn))
    return std::nullopt;
  return lsn;
}

} // namespace keel::wal
