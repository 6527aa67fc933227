#include "wal/crc32c.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace keel::wal;

TEST_CASE("crc32c of 123456789 is the known answer 0xe3069283", "[wal][crc32c]") {
  CHECK(crc32c("123456789", 9) == 0xe3069283u);
}

TEST_CASE("crc32c of nothing is zero", "[wal][crc32c]") {
  CHECK(crc32c(nullptr, 0) == 0u);
}

TEST_CASE("crc32c extends across split input", "[wal][crc32c]") {
  std::string s = "hello, write-ahead log";
  for (size_t i = 0; i <= s.size(); ++i)
    CHECK(crc32c_extend(crc32c(s.data(), i), s.data() + i, s.size() - i)
          == crc32c(s.data(), s.size()));
}

TEST_CASE("masking a crc is reversible and changes the value", "[wal][crc32c]") {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    CHECK(unmask_crc(mask_crc(crc)) == crc);
    CHECK(mask_crc(crc) != crc);
  }
}
