#include "wal/crc32c.hpp"

#include <isa-l/crc.h>

namespace keel::wal {

uint32_t crc32c(const void* data, size_t n) {
  return crc32c_extend(0, data, n);
}

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  if (n == 0)
    return crc;
  // ISA-L's crc32_iscsi works on the inverted register and leaves it inverted.
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), static_cast<int>(n),
                      ~crc);
}

} // namespace keel::wal
