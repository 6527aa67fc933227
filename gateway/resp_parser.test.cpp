#include "gateway/resp_parser.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace keel::gateway;
using namespace std::string_literals;

namespace {

/// Feeds `input` in one go; returns the commands, the error, and what was left unconsumed.
struct outcome {
  std::vector<command> cmds;
  protocol_error error;
  std::string rest;
};

outcome parse_all(const std::string& input, parser_limits limits = {}) {
  resp_parser p{limits};
  outcome o;
  auto r = p.feed(input, o.cmds);
  o.error = r.error;
  o.rest = input.substr(r.consumed);
  return o;
}

/// Feeds `input` one byte at a time the way a session does: unconsumed bytes stay in front.
outcome parse_bytewise(const std::string& input) {
  resp_parser p;
  outcome o;
  std::string pending;
  for (char c : input) {
    pending += c;
    auto r = p.feed(pending, o.cmds);
    pending.erase(0, r.consumed);
    if (r.error) {
      o.error = r.error;
      break;
    }
  }
  o.rest = pending;
  return o;
}

std::string error_text(const std::string& input, parser_limits limits = {}) {
  auto o = parse_all(input, limits);
  REQUIRE(o.error);
  CHECK(o.error.closes_connection());
  return o.error.message();
}

} // namespace

TEST_CASE("a multi-bulk request becomes one command with its arguments") {
  auto o = parse_all("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n");
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 1);
  CHECK(o.cmds[0] == command{"SET", "k", "value"});
  CHECK(o.rest.empty());
}

TEST_CASE("an inline request is split on whitespace and its CRLF or LF is dropped") {
  auto o = parse_all("PING\r\nset  k   v\nECHO \"a b\"\r\n");
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 3);
  CHECK(o.cmds[0] == command{"PING"});
  CHECK(o.cmds[1] == command{"set", "k", "v"});
  CHECK(o.cmds[2] == command{"ECHO", "a b"});
}

TEST_CASE("blank inline lines and empty or null arrays are skipped") {
  auto o = parse_all("\r\n   \r\n*0\r\n*-1\r\n*-5\r\nPING\r\n");
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 1);
  CHECK(o.cmds[0] == command{"PING"});
}

TEST_CASE("a truncated frame waits for more bytes, fed byte by byte") {
  std::string input = "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
  auto o = parse_bytewise(input);
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 3);
  CHECK(o.cmds[0] == command{"GET", "0123456789"});
  CHECK(o.cmds[1] == command{"PING"});
  CHECK(o.cmds[2] == command{"PING"});
  CHECK(o.rest.empty());
}

TEST_CASE("every split of a pipeline into two reads gives the same commands") {
  std::string input = "*2\r\n$3\r\nGET\r\n$3\r\na\0b\r\nECHO x\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"s;
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    resp_parser p;
    std::vector<command> cmds;
    std::string pending = input.substr(0, cut);
    auto r = p.feed(pending, cmds);
    REQUIRE_FALSE(r.error);
    pending.erase(0, r.consumed);
    pending += input.substr(cut);
    r = p.feed(pending, cmds);
    REQUIRE_FALSE(r.error);
    CHECK(r.consumed == pending.size());
    REQUIRE(cmds.size() == 3);
    CHECK(cmds[0] == command{"GET", "a\0b"s});
    CHECK(cmds[1] == command{"ECHO", "x"});
    CHECK(cmds[2] == command{"SET", "k", ""});
  }
}

TEST_CASE("an incomplete command is reported as mid-command and nothing is returned") {
  resp_parser p;
  std::vector<command> cmds;
  auto r = p.feed("*2\r\n$3\r\nGET\r\n$5\r\nab", cmds);
  REQUIRE_FALSE(r.error);
  CHECK(cmds.empty());
  CHECK(p.mid_command());
  CHECK(r.consumed == 19); // the partial payload is taken; nothing waits in the caller's buffer
}

TEST_CASE("binary keys with NUL, CR and LF inside are kept byte for byte") {
  std::string key = "k\0\r\n\xff*$3\r\n"s;
  std::string input = "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  auto o = parse_all(input);
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 1);
  CHECK(o.cmds[0][1] == key);
  auto b = parse_bytewise(input);
  REQUIRE(b.cmds.size() == 1);
  CHECK(b.cmds[0][1] == key);
}

TEST_CASE("10k pipelined commands in one buffer are all parsed in order") {
  std::string input;
  for (int i = 0; i < 10000; ++i) {
    auto v = std::to_string(i);
    input += "*3\r\n$3\r\nSET\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n$1\r\nx\r\n";
  }
  auto o = parse_all(input);
  REQUIRE_FALSE(o.error);
  REQUIRE(o.cmds.size() == 10000);
  for (int i = 0; i < 10000; ++i)
    REQUIRE(o.cmds[static_cast<size_t>(i)][1] == std::to_string(i));
}

TEST_CASE("max_commands stops after that many commands and the rest stays unconsumed") {
  resp_parser p;
  std::vector<command> cmds;
  std::string input = "PING\r\nPING\r\nPING\r\n";
  auto r = p.feed(input, cmds, 1);
  CHECK(cmds.size() == 1);
  CHECK(r.consumed == 6);
  r = p.feed(std::string_view{input}.substr(6), cmds);
  CHECK(cmds.size() == 3);
}

TEST_CASE("a multi-bulk length that is not an integer is an invalid multibulk length") {
  for (auto bad : {"*abc\r\n", "*\r\n", "*1x\r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "*1\rX",
                   "*99999999999999999999\r\n"})
    CHECK(error_text(bad) == "Protocol error: invalid multibulk length");
}

TEST_CASE("a multi-bulk length over max_array_len is an invalid multibulk length") {
  parser_limits l;
  l.max_array_len = 3;
  CHECK(error_text("*4\r\n", l) == "Protocol error: invalid multibulk length");
  CHECK(error_text("*2147483648\r\n") == "Protocol error: invalid multibulk length");
  auto ok = parse_all("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", l);
  CHECK_FALSE(ok.error);
  CHECK(ok.cmds.size() == 1);
}

TEST_CASE("a negative bulk length in a request is an invalid bulk length") {
  CHECK(error_text("*1\r\n$-1\r\n") == "Protocol error: invalid bulk length");
  CHECK(error_text("*1\r\n$-7\r\n") == "Protocol error: invalid bulk length");
}

TEST_CASE("a bulk length that is not an integer or over the limit is an invalid bulk length") {
  CHECK(error_text("*1\r\n$x\r\n") == "Protocol error: invalid bulk length");
  CHECK(error_text("*1\r\n$\r\n") == "Protocol error: invalid bulk length");
  CHECK(error_text("*1\r\n$99999999999999999999999\r\n")
        == "Protocol error: invalid bulk length");
  // Read as Redis' string2ll: no sign, no leading zero, nothing between the digits and CRLF.
  for (auto bad : {"*1\r\n$01\r\n", "*1\r\n$+1\r\n", "*1\r\n$1x\r\n", "*1\r\n$1 \r\n",
                   "*1\r\n$1\rX", "*1\r\n$999999999999999999\r\n",
                   "*1\r\n$9999999999999999999\r\n"})
    CHECK(error_text(bad) == "Protocol error: invalid bulk length");
  CHECK(parse_all("*1\r\n$0\r\n\r\n").cmds == std::vector<command>{command{""}});
  parser_limits l;
  l.max_bulk_bytes = 10;
  CHECK(error_text("*1\r\n$11\r\n", l) == "Protocol error: invalid bulk length");
  CHECK_FALSE(parse_all("*1\r\n$10\r\n0123456789\r\n", l).error);
}

TEST_CASE("a huge bulk length within the limit waits for its bytes without allocating them") {
  resp_parser p;
  std::vector<command> cmds;
  auto r = p.feed("*1\r\n$536870912\r\nabc", cmds);
  REQUIRE_FALSE(r.error);
  CHECK(cmds.empty());
  CHECK(p.mid_command());
}

TEST_CASE("an array element that is not a bulk string is an error naming the byte") {
  CHECK(error_text("*2\r\n$3\r\nGET\r\n:1\r\n") == "Protocol error: expected '$', got ':'");
  CHECK(error_text("*1\r\nx") == "Protocol error: expected '$', got 'x'");
  CHECK(error_text("*1\r\n\r\n") == "Protocol error: expected '$', got ' '");
}

TEST_CASE("header lines longer than the inline limit without CRLF are errors") {
  parser_limits l;
  l.max_inline_bytes = 16;
  CHECK(error_text("*" + std::string(20, '1'), l) == "Protocol error: too big mbulk count string");
  CHECK(error_text("*1\r\n$" + std::string(20, '1'), l)
        == "Protocol error: too big bulk count string");
  CHECK(error_text(std::string(100 * 1024, 'a')) == "Protocol error: too big inline request");
  // Below the limit, a line without its end just waits.
  auto o = parse_all(std::string(1000, 'a'));
  CHECK_FALSE(o.error);
  CHECK(o.rest.size() == 1000);
}

TEST_CASE("an inline request with unbalanced quotes is an error") {
  CHECK(error_text("SET \"abc\r\n") == "Protocol error: unbalanced quotes in request");
  CHECK(error_text("SET 'abc\r\n") == "Protocol error: unbalanced quotes in request");
  CHECK(error_text("SET \"a\"b\r\n") == "Protocol error: unbalanced quotes in request");
}

TEST_CASE("a bulk payload not followed by CRLF is an error") {
  CHECK(error_text("*1\r\n$3\r\nabcXY") == "Protocol error: expected CRLF after bulk string");
  CHECK(error_text("*1\r\n$3\r\nabc\rX") == "Protocol error: expected CRLF after bulk string");
}

TEST_CASE("before AUTH, long arrays and big bulks are refused with Redis' texts") {
  resp_parser p;
  p.require_auth(true);
  std::vector<command> cmds;
  auto r = p.feed("*11\r\n", cmds);
  REQUIRE(r.error);
  CHECK(r.error.message() == "Protocol error: unauthenticated multibulk length");
  resp_parser q;
  q.require_auth(true);
  r = q.feed("*1\r\n$16385\r\n", cmds);
  REQUIRE(r.error);
  CHECK(r.error.message() == "Protocol error: unauthenticated bulk length");
}

TEST_CASE("commands complete before an error are still returned") {
  auto o = parse_all("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n");
  REQUIRE(o.error);
  CHECK(o.cmds.size() == 2);
}

TEST_CASE("a failed parser accepts nothing more") {
  resp_parser p;
  std::vector<command> cmds;
  REQUIRE(p.feed("*x\r\n", cmds).error);
  CHECK(p.failed());
  CHECK(p.feed("PING\r\n", cmds).error);
  CHECK(cmds.empty());
}
