// Tests of `--set path.to.key=value` overrides: applied before validation, checked like the
// file, reported as `--set:<n>:<col>` pointing into the override text.
#include "config/load.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace keel::config;

namespace {

std::vector<std::string> errors_of(const std::string& yaml, std::vector<std::string> overrides) {
  std::vector<std::string> out;
  for (auto& d : load_string(yaml, "node.yaml", overrides).errors)
    out.push_back(d.str());
  return out;
}

constexpr const char* base = R"(shards:
  count: 3
pools:
  - name: render
    kind: process
    command: [render]
)";

} // namespace

TEST_CASE("overrides replace values of the file and add missing ones") {
  auto r = load_string(base, "node.yaml",
                       {"shards.count=16", "node.log_level=debug", "gateway.password=hunter2",
                        "pools.0.size=3", "pools.render.env.LANG=C"});
  REQUIRE(r.ok());
  CHECK(r.config.shards.count == 16);
  CHECK(r.config.node.level == log_level::debug);
  CHECK(r.config.gateway.password == "hunter2");
  CHECK(r.config.pools[0].size == 3);
  CHECK(r.config.pools[0].env.at("LANG") == "C");
}

TEST_CASE("overrides apply to an empty file and the last one wins") {
  auto r = load_string("", "node.yaml", {"shards.count=abc", "shards.count=7", "shards.sync=none"});
  REQUIRE(r.ok());
  CHECK(r.config.shards.count == 7);
  CHECK(r.config.shards.sync == sync_policy::none);
}

TEST_CASE("an override value may be any YAML, such as a list or a size") {
  auto r = load_string(base, "node.yaml",
                       {"pools.0.command=[render, --fast]", "shards.segment_bytes=8MiB"});
  REQUIRE(r.ok());
  CHECK(r.config.pools[0].command == std::vector<std::string>{"render", "--fast"});
  CHECK(r.config.shards.segment_bytes == 8ull << 20);
}

TEST_CASE("an override with a bad value is reported at its column in the override") {
  CHECK(errors_of(base, {"shards.count=abc"}) ==
        std::vector<std::string>{"--set:1:14: shards.count must be an integer, got 'abc'; "
                                 "expected an integer from 1 to 4096"});
  CHECK(errors_of(base, {"node.name=x", "shards.sync=always"}) ==
        std::vector<std::string>{
            "--set:2:13: shards.sync is 'always'; expected one of group, interval, none"});
  CHECK(errors_of(base, {"shards={count: 0}"}) ==
        std::vector<std::string>{
            "--set:1:16: shards.count is 0; expected an integer from 1 to 4096"});
  CHECK(
      errors_of(base, {"node.name="}) ==
      std::vector<std::string>{"--set:1:11: node.name has no value; expected a non-empty string"});
}

TEST_CASE("an override of an unknown path gets the nearest valid key") {
  CHECK(errors_of(base, {"shards.cout=3"}) ==
        std::vector<std::string>{
            "--set:1:8: unknown key 'cout' in section 'shards'; did you mean 'count'? valid keys: "
            "count, sync, sync_interval_ms, recovery, segment_bytes, snapshot_threshold_bytes, "
            "startup_timeout_ms, maxmemory, maxmemory_policy, routers, hash_tags"});
  CHECK(errors_of("", {"shard.count=3"}) ==
        std::vector<std::string>{"--set:1:1: unknown key 'shard' in section 'root'; did you mean "
                                 "'shards'? valid keys: node, shards, gateway, http, pools, cluster"});
}

TEST_CASE("a malformed override is reported with the expected syntax") {
  CHECK(errors_of(base, {"shards.count"}) ==
        std::vector<std::string>{"--set:1:1: override 'shards.count' has no '='; expected "
                                 "path.to.key=value, e.g. shards.count=16"});
  CHECK(errors_of(base, {"shards..count=1"}) ==
        std::vector<std::string>{"--set:1:8: override path 'shards..count' has an empty part; "
                                 "expected path.to.key=value, e.g. shards.count=16"});
  auto r = load_string(base, "node.yaml", {"node.name=[oops"});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].file == "--set");
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[0].message.rfind("invalid YAML in the value of 'node.name': ", 0) == 0);
}

TEST_CASE("an override into a list needs an existing index or entry name") {
  CHECK(errors_of(base, {"pools.1.size=3"}) ==
        std::vector<std::string>{"--set:1:7: cannot set 'pools.1.size': pools has 1 entry; "
                                 "expected an index from 0 to 0 or an entry's name"});
  CHECK(errors_of(base, {"pools.hash.size=3"}) ==
        std::vector<std::string>{"--set:1:7: cannot set 'pools.hash.size': no entry of pools is "
                                 "named 'hash'; expected an index from 0 to 0 or an entry's name"});
  CHECK(errors_of("", {"pools.0.size=3"}) ==
        std::vector<std::string>{"--set:1:7: cannot set 'pools.0.size': pools has no entries; "
                                 "add the entry in the config file first"});
}

TEST_CASE("an override through a scalar of the file is reported") {
  CHECK(errors_of("node:\n  name: a\n", {"node.name.first=b"}) ==
        std::vector<std::string>{"--set:1:6: cannot set 'node.name.first': node.name is 'a', not "
                                 "a map; set node.name itself or fix it in the config file"});
}

TEST_CASE("problems of the file come before those of the overrides") {
  CHECK(errors_of("shards:\n  count: 0\n", {"http.port=70000"}) ==
        std::vector<std::string>{
            "node.yaml:2:10: shards.count is 0; expected an integer from 1 to 4096",
            "--set:1:11: http.port is 70000; expected an integer from 0 to 65535"});
}
