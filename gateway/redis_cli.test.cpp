#include "gateway/test_server.hpp"

#include "testkit/child_process.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace keel::gateway;
using keel::testkit::child_process;

namespace {

constexpr const char* redis_cli = "/usr/bin/redis-cli";

/// Runs redis-cli with `args` against `port`; returns its output (lines joined by '\n').
std::string cli(uint16_t port, std::vector<std::string> args, int* exit_code = nullptr) {
  std::vector<std::string> argv{redis_cli, "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p{argv};
  auto rc = p.wait_exit();
  REQUIRE(rc);
  if (exit_code)
    *exit_code = *rc;
  std::string out;
  for (auto& l : p.lines())
    out += l + "\n";
  return out;
}

void require_redis_cli() {
  if (::access(redis_cli, X_OK) != 0)
    FAIL("redis-cli not found at " << redis_cli << ": install Debian's redis-tools "
                                   << "(scripts/setup does)");
}

} // namespace

TEST_CASE("redis-cli sets, gets and pings through the gateway") {
  require_redis_cli();
  running_server s;
  int rc = -1;
  CHECK(cli(s.port, {"SET", "k", "hello world"}, &rc) == "OK\n");
  CHECK(rc == 0);
  CHECK(cli(s.port, {"GET", "k"}) == "hello world\n");
  CHECK(cli(s.port, {"PING"}) == "PONG\n");
  CHECK(cli(s.port, {"DBSIZE"}) == "1\n");
  CHECK(cli(s.port, {"GET", "missing"}) == "\n");
}

TEST_CASE("redis-cli reads INFO through the gateway") {
  require_redis_cli();
  running_server s;
  REQUIRE(cli(s.port, {"SET", "a", "1"}) == "OK\n");
  auto info = cli(s.port, {"INFO"});
  CHECK(info.find("redis_version:") != std::string::npos);
  CHECK(info.find("# Keyspace") != std::string::npos);
  CHECK(info.find("db0:keys=1") != std::string::npos);
}

TEST_CASE("redis-cli authenticates with -a when a password is required") {
  require_redis_cli();
  options o;
  o.password = "pw-123";
  running_server s{o};
  CHECK(cli(s.port, {"--no-auth-warning", "-a", "pw-123", "SET", "k", "v"}) == "OK\n");
  CHECK(cli(s.port, {"--no-auth-warning", "-a", "pw-123", "GET", "k"}) == "v\n");
  CHECK(cli(s.port, {"GET", "k"}).find("NOAUTH Authentication required.") != std::string::npos);
  CHECK(cli(s.port, {"--no-auth-warning", "-a", "wrong", "GET", "k"}).find("WRONGPASS")
        != std::string::npos);
}

TEST_CASE("redis-cli shows Redis' unknown-command error") {
  require_redis_cli();
  running_server s;
  CHECK(cli(s.port, {"FOO", "a", "b"}).find(
          "ERR unknown command 'FOO', with args beginning with: 'a' 'b'")
        != std::string::npos);
}

TEST_CASE("redis-cli subscribes, and gets what another redis-cli publishes") {
  require_redis_cli();
  running_server s;
  child_process sub{{redis_cli, "-p", std::to_string(s.port), "SUBSCRIBE", "news"}};
  // "subscribe", "news", "1": the subscription is in place once the count is printed.
  REQUIRE(sub.wait_for_line([](const std::string& l) { return l == "1"; }));
  CHECK(cli(s.port, {"PUBLISH", "news", "hello world"}) == "1\n");
  CHECK(sub.wait_for_line("hello world"));
  CHECK(cli(s.port, {"PUBSUB", "NUMSUB", "news"}) == "news\n1\n");
}
