// keel::actors::detail: the byte-level codec shared by KV log records and KV snapshots.
//
// Unsigned integers are LEB128 varints (7 bits per byte, low first, at most 10 bytes); byte
// strings are a varint length followed by the bytes. The reader never reads past its input:
// every get_* returns false on truncation or an over-long varint and leaves `pos_` unspecified.
// Internal: only kv_record and kv_snapshot use it. Thread-safety: values, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::actors::detail {

/// Appends `x` as a varint to `out`.
inline void put_varint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out += static_cast<char>((x & 0x7f) | 0x80);
    x >>= 7;
  }
  out += static_cast<char>(x);
}

/// Appends `s` as varint length + bytes to `out`.
inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s.data(), s.size());
}

/// Reads varints and byte strings from a buffer the caller keeps alive.
class byte_reader {
public:
  explicit byte_reader(std::string_view in) noexcept : in_(in) {}

  /// Reads one byte; false at the end.
  [[nodiscard]] bool get_byte(uint8_t& x) noexcept {
    if (pos_ >= in_.size())
      return false;
    x = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }

  /// Reads one varint; false on truncation or more than 64 bits.
  [[nodiscard]] bool get_varint(uint64_t& x) noexcept {
    x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = 0;
      if (!get_byte(b))
        return false;
      if (shift == 63 && b > 1)
        return false;
      x |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return true;
    }
    return false;
  }

  /// Reads a length-prefixed byte string as a view into the input; false on truncation.
  [[nodiscard]] bool get_bytes(std::string_view& s) noexcept {
    uint64_t n = 0;
    if (!get_varint(n) || n > in_.size() - pos_)
      return false;
    s = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

  /// True when every byte was read.
  [[nodiscard]] bool at_end() const noexcept { return pos_ == in_.size(); }

  /// The offset of the next byte to read.
  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }

private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

} // namespace keel::actors::detail
