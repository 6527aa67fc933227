// Tests of the scalar rules: integers, byte sizes, booleans, size formatting, edit distance.
#include "config/detail/scalars.hpp"

#include <catch2/catch.hpp>

using namespace keel::config::detail;

TEST_CASE("integers are decimal with an optional sign") {
  CHECK(parse_integer("42")->value == 42);
  CHECK(parse_integer("+7")->value == 7);
  CHECK(parse_integer("-3")->negative);
  CHECK_FALSE(parse_integer("-0")->negative);
  CHECK_FALSE(parse_integer("").has_value());
  CHECK_FALSE(parse_integer("1.5").has_value());
  CHECK_FALSE(parse_integer("0x10").has_value());
  CHECK_FALSE(parse_integer("12 ").has_value());
  CHECK(parse_integer("18446744073709551615")->in_range);
  CHECK_FALSE(parse_integer("18446744073709551616")->in_range);
}

TEST_CASE("byte sizes take KiB, MiB and GiB suffixes and detect overflow") {
  CHECK(parse_size("4096")->value == 4096);
  CHECK(parse_size("1KiB")->value == 1024);
  CHECK(parse_size("64MiB")->value == 64ull << 20);
  CHECK(parse_size("2 GiB")->value == 2ull << 30);
  CHECK_FALSE(parse_size("64MB").has_value());
  CHECK_FALSE(parse_size("MiB").has_value());
  CHECK_FALSE(parse_size("1.5GiB").has_value());
  CHECK_FALSE(parse_size("99999999999GiB")->in_range);
}

TEST_CASE("booleans accept the YAML spellings of true and false") {
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("Yes") == true);
  CHECK(parse_bool("OFF") == false);
  CHECK_FALSE(parse_bool("maybe").has_value());
  CHECK_FALSE(parse_bool("1").has_value());
}

TEST_CASE("sizes are formatted in the largest unit that divides them") {
  CHECK(format_size(4ull << 30) == "4GiB");
  CHECK(format_size(1ull << 20) == "1MiB");
  CHECK(format_size(1536) == "1536");
  CHECK(format_size(3072) == "3KiB");
  CHECK(format_size(0) == "0");
}

TEST_CASE("edit distance counts single-character edits ignoring case") {
  CHECK(edit_distance("shard", "shards") == 1);
  CHECK(edit_distance("Count", "count") == 0);
  CHECK(edit_distance("cout", "count") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}
