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

TEST_CASE("floats parse as redis' string2ld: strtold's syntax, no space, nan or overflow") {
  long double x = 0;
  CHECK((kv_parse_float("1.5", x) && x == 1.5L));
  CHECK((kv_parse_float("+3", x) && x == 3));
  CHECK((kv_parse_float("010", x) && x == 10));
  CHECK((kv_parse_float("0x10", x) && x == 16));
  CHECK((kv_parse_float("5.0e-1", x) && x == 0.5L));
  CHECK((kv_parse_float("inf", x) && x > 0)); // INCRBYFLOAT then refuses the result
  CHECK((kv_parse_float("1e400", x) && x > 1e308L)); // in long double's range
  for (auto bad : {"", " 1", "1 ", "abc", "nan", "1e5000", "-1e5000", "1e-5000", "1.5x"})
    CHECK_FALSE(kv_parse_float(bad, x));
  CHECK_FALSE(kv_parse_float(std::string("1\0", 2), x));
  CHECK_FALSE(kv_parse_float(std::string("\0", 1), x));
  CHECK_FALSE(kv_parse_float(std::string(5 * 1024, '1'), x));
}

TEST_CASE("floats print with 17 decimals and no trailing zeros, as INCRBYFLOAT replies") {
  CHECK(kv_format_float(10.5L) == "10.5");
  CHECK(kv_format_float(3.0L) == "3");
  CHECK(kv_format_float(1.1L + 2.2L) == "3.3");
  CHECK(kv_format_float(-0.0L) == "0");
  CHECK(kv_format_float(-2.25L) == "-2.25");
  CHECK(kv_format_float(5e-18L) == "0");
  CHECK(kv_format_float(1e20L) == "100000000000000000000");
}
