#include "gateway/detail/inline_args.hpp"

#include <catch2/catch.hpp>

using keel::gateway::command;
using keel::gateway::detail::split_inline;
using namespace std::string_literals;

TEST_CASE("inline arguments split on any run of whitespace") {
  CHECK(split_inline("  set\tk  \t v ") == command{"set", "k", "v"});
  CHECK(split_inline("") == command{});
  CHECK(split_inline("   ") == command{});
}

TEST_CASE("double quotes keep spaces and understand Redis' escapes") {
  CHECK(split_inline(R"(set "a b" "\x41\x7a\n\r\t\"\\q")")
        == command{"set", "a b", "Az\n\r\t\"\\q"});
  CHECK(split_inline(R"(set "" x)") == command{"set", "", "x"});
}

TEST_CASE("single quotes keep everything but an escaped quote") {
  CHECK(split_inline(R"(set 'a "b' 'it\'s' '\n')") == command{"set", "a \"b", "it's", "\\n"});
}

TEST_CASE("a quote inside a word starts a quoted part of that word") {
  CHECK(split_inline(R"(a"b c")") == command{"ab c"});
}

TEST_CASE("unterminated quotes or a closing quote glued to text are unbalanced") {
  CHECK_FALSE(split_inline(R"(set "abc)"));
  CHECK_FALSE(split_inline(R"(set 'abc)"));
  CHECK_FALSE(split_inline(R"(set "a"b)"));
  CHECK_FALSE(split_inline(R"(set 'a'b)"));
}

TEST_CASE("an inline line ends at its first NUL byte as in Redis") {
  CHECK(split_inline("get a\0b c"s) == command{"get", "a"});
}
