#include "actors/kv_glob.hpp"

#include <catch2/catch.hpp>

#include <string>

using keel::actors::kv_glob_match;

TEST_CASE("star matches any run of bytes, question mark exactly one") {
  CHECK(kv_glob_match("*", "anything"));
  CHECK(kv_glob_match("h*llo", "hllo"));
  CHECK(kv_glob_match("h*llo", "heeeello"));
  CHECK(kv_glob_match("a*", "a"));
  CHECK(kv_glob_match("*a", "ba"));
  CHECK(kv_glob_match("a*b", "acb"));
  CHECK_FALSE(kv_glob_match("a*b", "ac"));
  CHECK(kv_glob_match("h?llo", "hello"));
  CHECK_FALSE(kv_glob_match("h?llo", "hllo"));
  CHECK_FALSE(kv_glob_match("?", ""));
  CHECK(kv_glob_match("", ""));
  CHECK_FALSE(kv_glob_match("", "a"));
}

TEST_CASE("a lone star does not match the empty string, as in redis") {
  // Redis special-cases KEYS * and SCAN MATCH *; the matcher itself says no.
  CHECK_FALSE(kv_glob_match("*", ""));
  CHECK_FALSE(kv_glob_match("**", ""));
}

TEST_CASE("sets match one byte from a list, a range or their complement") {
  CHECK(kv_glob_match("h[ae]llo", "hello"));
  CHECK(kv_glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(kv_glob_match("h[ae]llo", "hillo"));
  CHECK(kv_glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(kv_glob_match("h[^e]llo", "hello"));
  CHECK(kv_glob_match("h[a-b]llo", "hbllo"));
  CHECK_FALSE(kv_glob_match("h[a-b]llo", "hcllo"));
  CHECK(kv_glob_match("[z-a]", "m")); // a reversed range is swapped
  CHECK(kv_glob_match("[^a-c]", "d"));
  CHECK_FALSE(kv_glob_match("[^a-c]", "b"));
}

TEST_CASE("the tricky set corners behave as redis' stringmatchlen") {
  CHECK(kv_glob_match("[abc", "b")); // an unclosed set ends at the end of the pattern
  CHECK_FALSE(kv_glob_match("[abc", "d"));
  CHECK(kv_glob_match("[a-]", "_")); // "a-]" is the range ']'..'a'
  CHECK_FALSE(kv_glob_match("[a-]", "-"));
  CHECK(kv_glob_match("[\\]]", "]")); // an escaped ] inside a set
  CHECK(kv_glob_match("[\\-]", "-"));
  CHECK_FALSE(kv_glob_match("[\\-]", "a"));
  CHECK(kv_glob_match("x[]]", "x]") == false); // "[]" is an empty set, then a literal ]
}

TEST_CASE("a backslash escapes the next byte and a trailing backslash is literal") {
  CHECK(kv_glob_match("\\*", "*"));
  CHECK_FALSE(kv_glob_match("\\*", "a"));
  CHECK(kv_glob_match("\\?x", "?x"));
  CHECK(kv_glob_match("a\\", "a\\"));
  CHECK(kv_glob_match("\\[a]", "[a]"));
}

TEST_CASE("matching is binary safe and can ignore case") {
  CHECK(kv_glob_match(std::string("a\0*", 3), std::string("a\0bc", 4)));
  CHECK_FALSE(kv_glob_match(std::string("a\0", 2), "a"));
  CHECK(kv_glob_match("\xff?", "\xff\x80"));
  CHECK(kv_glob_match("HeL*", "hello", true));
  CHECK_FALSE(kv_glob_match("HeL*", "hello"));
  CHECK(kv_glob_match("[A-C]x", "bx", true));
}

TEST_CASE("patterns with many stars fail fast instead of backtracking exponentially") {
  std::string text(5000, 'a');
  CHECK_FALSE(kv_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  CHECK(kv_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", text));
}
