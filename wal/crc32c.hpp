// CRC32C (Castagnoli) from ISA-L, and LevelDB's CRC mask.
//
// A CRC stored next to the data it covers is masked, because the CRC of a string that itself
// contains CRCs is weak (LevelDB's reasoning). Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace keel::wal {

/// CRC32C of `n` bytes at `data` (`data` may be null when `n` is 0).
/// Known answer: crc32c("123456789", 9) == 0xe3069283.
[[nodiscard]] uint32_t crc32c(const void* data, size_t n);

/// Continues a CRC32C: crc32c_extend(crc32c(a), b) == crc32c(a + b).
[[nodiscard]] uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline constexpr uint32_t crc_mask_delta = 0xa282ead8u;

/// The CRC as stored on disk: rotated right by 15 bits plus a constant.
[[nodiscard]] constexpr uint32_t mask_crc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + crc_mask_delta;
}

/// Inverse of mask_crc.
[[nodiscard]] constexpr uint32_t unmask_crc(uint32_t masked) {
  uint32_t rot = masked - crc_mask_delta;
  return (rot >> 17) | (rot << 15);
}

} // namespace keel::wal
