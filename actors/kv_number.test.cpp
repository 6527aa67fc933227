#include "actors/kv_number.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace keel::actors::detail;

TEST_CASE("integers parse only in redis' strict decimal form") {
  int64_t x = 0;
  CHECK((kv_parse_int("0", x) && x == 0));
  CHECK((kv_parse_int("-17", x) && x == -17));
  CHECK((kv_parse_int("9223372036854775807", x) && x == std::numeric_limits<int64_t>::max()));
  CHECK((kv_parse_int("-9223372036854775808", x) && x == std::numeric_limits<int64_t>::min()));
  for (auto bad : {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "1e3", "0x10",
                   "9223372036854775808", "-9223372036854775809", "99999999999999999999"})
    CHECK_FALSE(kv_parse_int(bad, x));
}

TEST_CASE("cursors parse as unsigned 64-bit decimals") {
  uint64_t c = 0;
  CHECK((kv_parse_cursor("0", c) && c == 0));
  CHECK((kv_parse_cursor("18446744073709551615", c) && c == UINT64_MAX));
  CHECK_FALSE(kv_parse_cursor("18446744073709551616", c));
  CHECK_FALSE(kv_parse_cursor("-1", c));
  CHECK_FALSE(kv_parse_cursor("", c));
  CHECK_FALSE(kv_parse_cursor("1a", c));
}
