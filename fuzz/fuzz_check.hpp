// Shared by the fuzz targets: check() aborts on a broken invariant (libFuzzer reports the
// input); KEEL_FUZZ_DRIVER builds get a main() from driver.cpp that replays files instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace keel::fuzz {

/// Aborts with `what` on stderr unless `ok`.
inline void check(bool ok, const char* what = "invariant broken") {
  if (!ok) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

/// Hands out an input's bytes one at a time; 0 once they are used up.
struct byte_reader {
  const uint8_t* p;
  size_t n;

  uint8_t next() {
    if (n == 0)
      return 0;
    --n;
    return *p++;
  }
};

} // namespace keel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
