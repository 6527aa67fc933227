// Integration tests: a real keel-node process (durable shards, sync group) driven by the real
// redis-cli and by raw sockets sending malformed input.
#include "actors/router.hpp"
#include "gateway/reply.hpp"
#include "gateway/test_client.hpp"
#include "runtime/node_process.test.hpp"
#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

using keel::gateway::encode_command;
using keel::gateway::reply;
using keel::gateway::test_client;
using keel::testkit::child_process;
using keel::testkit::temp_dir;
using keel::runtime::test::node_process;

namespace {

constexpr const char* redis_cli = "/usr/bin/redis-cli";

/// redis-cli's output (lines joined by '\n').
std::string cli(uint16_t port, std::vector<std::string> args) {
  if (::access(redis_cli, X_OK) != 0)
    FAIL("redis-cli not found at " << redis_cli << ": install Debian's redis-tools "
                                   << "(scripts/setup does)");
  std::vector<std::string> argv{redis_cli, "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p{argv};
  auto rc = p.wait_exit();
  REQUIRE(rc);
  CHECK(*rc == 0);
  std::string out;
  for (auto& l : p.lines())
    out += l + "\n";
  return out;
}

reply call(test_client& c, std::initializer_list<std::string_view> args) {
  REQUIRE(c.send(encode_command(args)));
  auto r = c.read_reply();
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("redis-cli drives a keel-node: commands across shards, and the data survives a "
          "restart",
          "[node][gateway]") {
  temp_dir data{"gw-node"};
  {
    node_process n{data};
    auto p = n.port();
    CHECK(cli(p, {"PING"}) == "PONG\n");
    CHECK(cli(p, {"SET", "greeting", "hello world"}) == "OK\n");
    CHECK(cli(p, {"GET", "greeting"}) == "hello world\n");
    CHECK(cli(p, {"MSET", "a", "1", "b", "2", "c", "3", "d", "4"}) == "OK\n");
    CHECK(cli(p, {"MGET", "a", "b", "c", "d", "nope"}) == "1\n2\n3\n4\n\n");
    CHECK(cli(p, {"INCRBY", "a", "41"}) == "42\n");
    CHECK(cli(p, {"DEL", "b", "c", "nope"}) == "2\n");
    CHECK(cli(p, {"EXISTS", "a", "b", "d"}) == "2\n");
    CHECK(cli(p, {"EXPIRE", "d", "1000"}) == "1\n");
    CHECK(cli(p, {"DBSIZE"}) == "3\n");
    CHECK(cli(p, {"GET"}).find("wrong number of arguments for 'get' command")
          != std::string::npos);
    CHECK(n.stop() == 0);
  }
  node_process again{data};
  auto p = again.port();
  CHECK(cli(p, {"GET", "greeting"}) == "hello world\n");
  CHECK(cli(p, {"MGET", "a", "b", "c", "d"}) == "42\n\n\n4\n");
  auto ttl = std::stoi(cli(p, {"TTL", "d"}));
  CHECK(ttl > 0);
  CHECK(ttl <= 1000);
  CHECK(again.stop() == 0);
}

TEST_CASE("an acknowledged write survives kill -9 of the node", "[node][gateway][crash]") {
  temp_dir data{"gw-node"};
  {
    node_process n{data};
    test_client c{n.port()};
    std::string batch;
    for (int i = 0; i < 500; ++i)
      batch += encode_command({"SET", "key:" + std::to_string(i), "value:" + std::to_string(i)});
    REQUIRE(c.send(batch));
    for (int i = 0; i < 500; ++i) {
      auto r = c.read_reply();
      REQUIRE(r);
      REQUIRE(*r == reply::ok()); // acknowledged: durable under sync group
    }
    n.crash();
  }
  node_process again{data};
  test_client c{again.port()};
  std::string batch;
  for (int i = 0; i < 500; ++i)
    batch += encode_command({"GET", "key:" + std::to_string(i)});
  REQUIRE(c.send(batch));
  for (int i = 0; i < 500; ++i) {
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(*r == reply::bulk("value:" + std::to_string(i)));
  }
}

namespace {

/// The value of `field` in INFO's text ("" when absent).
std::string info_field(const std::string& info, const std::string& field) {
  auto at = info.find("\r\n" + field + ":");
  if (at == std::string::npos)
    return {};
  at += field.size() + 3;
  return info.substr(at, info.find("\r\n", at) - at);
}

/// The LSN of the newest snapshot in each shard directory below `data` (0: none).
std::map<std::string, unsigned long long> newest_snapshots(const temp_dir& data) {
  std::map<std::string, unsigned long long> out;
  for (auto& shard : std::filesystem::directory_iterator{data.path()}) {
    auto name = shard.path().filename().string();
    if (name.rfind("shard-", 0) != 0)
      continue;
    auto& newest = out[name];
    for (auto& f : std::filesystem::directory_iterator{shard.path()}) {
      auto file = f.path().filename().string();
      if (file.size() == 26 && file.rfind("snap-", 0) == 0 && file.substr(21) == ".snap")
        newest = std::max(newest, std::stoull(file.substr(5, 16), nullptr, 16));
    }
  }
  return out;
}

} // namespace

TEST_CASE("SAVE checkpoints every shard of a running node, after the writes before it; "
          "LASTSAVE and INFO report it",
          "[node][gateway][save]") {
  temp_dir data{"gw-save"};
  {
    node_process n{data, {"--set", "shards.count=4"}};
    test_client c{n.port()};
    std::string batch;
    for (int i = 0; i < 64; ++i)
      batch += encode_command({"SET", "key:" + std::to_string(i), "v" + std::to_string(i)});
    auto before = newest_snapshots(data);
    REQUIRE(before.size() == 4);
    auto t0 = std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
    // One pipeline: the writes, SAVE, a write after it.
    batch += encode_command({"SAVE"}) + encode_command({"SET", "after", "save"});
    REQUIRE(c.send(batch));
    for (int i = 0; i < 64; ++i)
      REQUIRE(c.read_reply() == reply::ok());
    CHECK(c.read_reply() == reply::ok()); // SAVE
    CHECK(c.read_reply() == reply::ok());
    auto after = newest_snapshots(data);
    for (auto& [shard, lsn] : after) {
      INFO(shard);
      CHECK(lsn > before[shard]); // every shard had writes before the SAVE
    }
    auto last = std::stoll(cli(n.port(), {"LASTSAVE"}));
    CHECK(last >= t0);
    auto info = cli(n.port(), {"INFO", "persistence"});
    CHECK_THAT(info, Catch::Contains("rdb_last_save_time:" + std::to_string(last))
                       && Catch::Contains("rdb_bgsave_in_progress:0")
                       && Catch::Contains("rdb_last_bgsave_status:ok"));
    CHECK_THAT(cli(n.port(), {"BGSAVE", "now"}), Catch::StartsWith("ERR syntax error"));
    // Node-wide commands are not shard commands: a transaction cannot hold them.
    CHECK(call(c, {"MULTI"}) == reply::ok());
    CHECK(call(c, {"SAVE"}) == reply::error("ERR Command not allowed inside a transaction"));
    CHECK(call(c, {"EXEC"}).is_error());
    n.crash();
  }
  node_process again{data, {"--set", "shards.count=4"}};
  test_client c{again.port()};
  CHECK(call(c, {"GET", "key:7"}) == reply::bulk("v7"));
  CHECK(call(c, {"GET", "after"}) == reply::bulk("save"));
  CHECK(call(c, {"DBSIZE"}) == reply::integer(65));
}

TEST_CASE("redis-cli SHUTDOWN stops the node cleanly, as SIGTERM does", "[node][gateway]") {
  temp_dir data{"gw-shutdown"};
  {
    node_process n{data};
    CHECK(cli(n.port(), {"SET", "kept", "yes"}) == "OK\n");
    CHECK_THAT(cli(n.port(), {"SHUTDOWN", "ABORT"}),
               Catch::StartsWith("ERR No shutdown in progress."));
    CHECK(cli(n.port(), {"SHUTDOWN"}).empty()); // redis-cli prints nothing: no reply, a close
    auto rc = n.proc().wait_exit();
    REQUIRE(rc);
    CHECK(*rc == 0);
    CHECK_THAT(n.proc().output(), Catch::Contains("SHUTDOWN from client id=")
                                    && Catch::Contains("keel-node stopped cleanly"));
  }
  node_process again{data};
  CHECK(cli(again.port(), {"GET", "kept"}) == "yes\n");
}

TEST_CASE("a transaction is all or nothing across kill -9, and an acknowledged one stays",
          "[node][gateway][crash]") {
  // Three keys of one shard (node_process runs 4), written together in every transaction.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 3; ++i) {
    auto k = "pair:" + std::to_string(i);
    if (keel::actors::shard_of(k, 4) == 0)
      keys.push_back(k);
  }
  temp_dir data{"gw-node"};
  constexpr int total = 2000;
  constexpr int acked_before_crash = 300;
  {
    node_process n{data};
    test_client c{n.port()};
    std::string stream;
    for (int i = 1; i <= total; ++i) {
      auto v = std::to_string(i);
      stream += encode_command({"MULTI"}) + encode_command({"SET", keys[0], v})
                + encode_command({"APPEND", keys[2], "."}) + encode_command({"SET", keys[1], v})
                + encode_command({"EXEC"});
    }
    REQUIRE(c.send(stream));
    // Read the replies of the first transactions, then kill the node with the rest in flight.
    for (int i = 1; i <= acked_before_crash; ++i) {
      for (int r = 0; r < 4; ++r) // OK, QUEUED, QUEUED, QUEUED
        REQUIRE(c.read_reply());
      auto exec = c.read_reply();
      REQUIRE(exec);
      REQUIRE(exec->elements().size() == 3);
    }
    n.crash();
  }
  node_process again{data};
  test_client c{again.port()};
  REQUIRE(c.send(encode_command({"MGET", keys[0], keys[1]}) + encode_command({"STRLEN", keys[2]})));
  auto values = c.read_reply();
  auto log_length = c.read_reply();
  REQUIRE(values);
  REQUIRE(log_length);
  REQUIRE(values->elements().size() == 2);
  auto a = values->elements()[0].str();
  auto b = values->elements()[1].str();
  INFO("after the crash: " << keys[0] << " = " << a << ", " << keys[1] << " = " << b);
  CHECK(a == b); // never one SET of a transaction without the other
  auto applied = std::stoi(a);
  CHECK(applied >= acked_before_crash); // every acknowledged transaction is there
  CHECK(applied <= total);
  CHECK(log_length->integer_value() == applied); // and each one exactly once
}

TEST_CASE("binary keys and values round-trip through a keel-node", "[node][gateway]") {
  temp_dir data{"gw-node"};
  node_process n{data};
  test_client c{n.port()};
  std::string key{"k\0\r\n\xff", 5};
  std::string value{"\r\n\0$3\r\n*1", 9};
  CHECK(call(c, {"SET", key, value}) == reply::ok());
  CHECK(call(c, {"GET", key}) == reply::bulk(value));
  CHECK(call(c, {"STRLEN", key}) == reply::integer(9));
}

TEST_CASE("10k pipelined commands come back in order", "[node][gateway]") {
  temp_dir data{"gw-node"};
  node_process n{data};
  test_client c{n.port()};
  std::string batch;
  for (int i = 0; i < 5000; ++i) {
    batch += encode_command({"SET", "p" + std::to_string(i), std::to_string(i)});
    batch += encode_command({"GET", "p" + std::to_string(i)});
  }
  REQUIRE(c.send(batch));
  for (int i = 0; i < 5000; ++i) {
    auto set = c.read_reply();
    REQUIRE(set);
    REQUIRE(*set == reply::ok());
    auto get = c.read_reply();
    REQUIRE(get);
    REQUIRE(*get == reply::bulk(std::to_string(i)));
  }
  CHECK(call(c, {"DBSIZE"}) == reply::integer(5000));
}

TEST_CASE("malformed frames get protocol errors and never disturb a well-behaved client",
          "[node][gateway][protocol]") {
  temp_dir data{"gw-node"};
  node_process n{data};
  test_client good{n.port()};
  CHECK(call(good, {"SET", "steady", "1"}) == reply::ok());

  SECTION("a huge bulk length is refused without allocating it") {
    test_client bad{n.port()};
    REQUIRE(bad.send("*2\r\n$3\r\nGET\r\n$99999999999\r\n"));
    auto r = bad.read_reply();
    REQUIRE(r);
    CHECK(r->is_error());
    CHECK_THAT(r->str(), Catch::StartsWith("ERR Protocol error"));
    CHECK(bad.wait_closed());
  }
  SECTION("a negative bulk length is a protocol error") {
    test_client bad{n.port()};
    REQUIRE(bad.send("*2\r\n$3\r\nGET\r\n$-5\r\n"));
    auto r = bad.read_reply();
    REQUIRE(r);
    CHECK_THAT(r->str(), Catch::StartsWith("ERR Protocol error"));
    CHECK(bad.wait_closed());
  }
  SECTION("a negative or empty multi-bulk count is ignored, as Redis does") {
    test_client odd{n.port()};
    REQUIRE(odd.send("*-1\r\n*0\r\n"));
    CHECK(call(odd, {"PING"}) == reply::simple("PONG"));
  }
  SECTION("a truncated frame followed by a hang-up leaves nothing behind") {
    test_client bad{n.port()};
    REQUIRE(bad.send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nonly"));
  } // closed mid-frame: the half command is never executed
  SECTION("garbage bytes close only the sender") {
    test_client bad{n.port()};
    REQUIRE(bad.send(std::string("*1\r\n$x\r\n\x01\x02garbage\r\n", 19)));
    auto r = bad.read_reply();
    REQUIRE(r);
    CHECK_THAT(r->str(), Catch::StartsWith("ERR Protocol error"));
    CHECK(bad.wait_closed());
  }
  // The well-behaved client was never affected, and nothing half-sent was applied.
  CHECK(call(good, {"GET", "steady"}) == reply::bulk("1"));
  CHECK(call(good, {"EXISTS", "half"}) == reply::integer(0));
  CHECK(call(good, {"INCR", "steady"}) == reply::integer(2));
}

TEST_CASE("keys evicted over maxmemory stay evicted after kill -9, and the survivors survive",
          "[node][gateway][crash][eviction]") {
  temp_dir data{"gw-node"};
  std::vector<std::string> limits{"--set", "shards.maxmemory=64KiB", "--set",
                                  "shards.maxmemory_policy=allkeys-lru"};
  auto key_set = [](const reply& keys) {
    std::set<std::string> out;
    for (auto& k : keys.elements())
      out.insert(k.str());
    return out;
  };
  std::set<std::string> before;
  {
    node_process n{data, limits};
    test_client c{n.port()};
    std::string batch;
    for (int i = 0; i < 300; ++i)
      batch += encode_command({"SET", "big:" + std::to_string(i), std::string(1024, 'v')});
    REQUIRE(c.send(batch));
    for (int i = 0; i < 300; ++i) {
      auto r = c.read_reply();
      REQUIRE(r);
      REQUIRE(*r == reply::ok());
    }
    auto size = call(c, {"DBSIZE"});
    CHECK(size.integer_value() > 0);
    CHECK(size.integer_value() < 300); // 300 KiB of values do not fit in 64 KiB
    before = key_set(call(c, {"KEYS", "*"}));
    CHECK(before.size() == static_cast<size_t>(size.integer_value()));
    // INFO tells what the shards hold and did: the limit, the memory under it, the evictions.
    auto info = call(c, {"INFO"}).str();
    CHECK(info_field(info, "maxmemory") == "65536");
    CHECK(info_field(info, "maxmemory_policy") == "allkeys-lru");
    auto used = std::stoull(info_field(info, "used_memory"));
    CHECK(used >= static_cast<uint64_t>(size.integer_value()) * 1024); // the values, at least
    // Evictions come before a write, as in Redis: each of the 8 shards may be one key over.
    CHECK(used <= 65536 + 8 * 2048);
    CHECK(info_field(info, "evicted_keys") == std::to_string(300 - size.integer_value()));
    CHECK(info_field(info, "db0") == "keys=" + std::to_string(size.integer_value())
                                       + ",expires=0,avg_ttl=0");
    CHECK(call(c, {"CONFIG", "GET", "maxmemory-policy"})
          == reply::array({reply::bulk("maxmemory-policy"), reply::bulk("allkeys-lru")}));
    n.crash();
  }
  node_process again{data, limits};
  test_client c{again.port()};
  // Replay applies the logged evictions: exactly the same keys, no evicted key comes back.
  CHECK(key_set(call(c, {"KEYS", "*"})) == before);
  // Replaying them is not evicting again; the recovered keys are counted.
  auto info = call(c, {"INFO"}).str();
  CHECK(info_field(info, "evicted_keys") == "0");
  CHECK(info_field(info, "db0")
        == "keys=" + std::to_string(before.size()) + ",expires=0,avg_ttl=0");
}
