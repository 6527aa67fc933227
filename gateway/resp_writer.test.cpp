#include "gateway/resp_writer.hpp"

#include <catch2/catch.hpp>

#include <climits>

using namespace keel::gateway;
using namespace std::string_literals;

namespace {

std::string encode(const reply& r) {
  std::string out;
  write_reply(out, r);
  return out;
}

} // namespace

TEST_CASE("each reply type has its RESP2 encoding") {
  CHECK(encode(reply::ok()) == "+OK\r\n");
  CHECK(encode(reply::error("ERR syntax error")) == "-ERR syntax error\r\n");
  CHECK(encode(reply::integer(0)) == ":0\r\n");
  CHECK(encode(reply::integer(-42)) == ":-42\r\n");
  CHECK(encode(reply::integer(LLONG_MIN)) == ":-9223372036854775808\r\n");
  CHECK(encode(reply::bulk("foo")) == "$3\r\nfoo\r\n");
  CHECK(encode(reply::bulk("")) == "$0\r\n\r\n");
  CHECK(encode(reply::null()) == "$-1\r\n");
  CHECK(encode(reply::array({})) == "*0\r\n");
  CHECK(encode(reply::null_array()) == "*-1\r\n");
}

TEST_CASE("bulk strings are binary-safe") {
  CHECK(encode(reply::bulk("a\0\r\nb"s)) == "$5\r\na\0\r\nb\r\n"s);
}

TEST_CASE("CR and LF in simple strings and errors become spaces") {
  CHECK(encode(reply::simple("a\r\nb")) == "+a  b\r\n");
  CHECK(encode(reply::error("ERR x\ny")) == "-ERR x y\r\n");
}

TEST_CASE("arrays nest and mix element types") {
  auto r = reply::array({reply::integer(1), reply::array({reply::bulk("x"), reply::null()}),
                         reply::simple("OK")});
  CHECK(encode(r) == "*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n+OK\r\n");
}

TEST_CASE("writers append and never clear the buffer") {
  std::string out = "prefix";
  write_simple(out, "A");
  write_integer(out, 7);
  write_array_header(out, 2);
  write_bulk(out, "b");
  write_null_bulk(out);
  write_null_array(out);
  write_error(out, "ERR e");
  CHECK(out == "prefix+A\r\n:7\r\n*2\r\n$1\r\nb\r\n$-1\r\n*-1\r\n-ERR e\r\n");
}
