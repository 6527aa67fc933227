// Tests of dump: every key written, and load_string(dump(c)) == c.
#include "config/load.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace keel::config;

namespace {

/// A config with every field different from its default.
node_config everything_changed() {
  node_config c;
  c.node = node_section{"kv-7", "/srv/keel data", log_level::critical, 12};
  c.shards.count = 64;
  c.shards.sync = sync_policy::interval;
  c.shards.sync_interval_ms = 25;
  c.shards.recovery = recovery_mode::absolute;
  c.shards.segment_bytes = 3ull << 30;
  c.shards.snapshot_threshold_bytes = (1ull << 20) + 1;
  c.shards.startup_timeout_ms = 1;
  c.shards.maxmemory = (1ull << 30) + 3;
  c.shards.maxmemory_policy = eviction_policy::allkeys_lru;
  c.shards.routers = 5;
  c.gateway.enabled = false;
  c.gateway.bind = "::1";
  c.gateway.port = 1;
  c.gateway.password = "p@ss: #1 \"quoted\"";
  c.gateway.max_clients = 7;
  c.gateway.max_bulk_bytes = 4096;
  c.gateway.max_array_len = 9;
  c.gateway.idle_timeout_s = 60;
  c.gateway.output_buffer_limit_bytes = 1ull << 30;
  c.http.enabled = false;
  c.http.bind = "0.0.0.0";
  c.http.port = 65535;
  pool_config p;
  p.name = "null";
  p.kind = pool_kind::process;
  p.size = 1024;
  p.max_overflow = 3;
  p.lazy = true;
  p.strategy = pool_strategy::least_busy;
  p.checkout_timeout_ms = 77;
  p.max_waiters = 0;
  p.on_death = on_worker_death::fail;
  p.command = {"/bin/worker", "--flag=yes", "~", "123", "a b"};
  p.env = {{"LANG", "C"}, {"EMPTY", ""}, {"TRUE", "true"}};
  p.min_ready = 2;
  p.request_timeout_ms = 3;
  p.health_interval_ms = 0;
  c.pools.push_back(p);
  pool_config q;
  q.name = "second";
  c.pools.push_back(q);
  return c;
}

} // namespace

TEST_CASE("the dump of the defaults loads back to the defaults") {
  node_config defaults;
  auto text = dump(defaults);
  auto r = load_string(text, "dump.yaml");
  INFO(text);
  REQUIRE(r.ok());
  CHECK(r.config == defaults);
}

TEST_CASE("the dump of a config with every field changed loads back equal") {
  auto c = everything_changed();
  auto text = dump(c);
  auto r = load_string(text, "dump.yaml");
  INFO(text);
  INFO((r.errors.empty() ? std::string{} : r.errors.front().str()));
  REQUIRE(r.ok());
  CHECK(r.config == c);
  CHECK_FALSE(r.config == node_config{});
}

TEST_CASE("a loaded config dumps and loads back equal") {
  auto r = load_string("shards: {count: 2, segment_bytes: 2MiB}\npools: [{name: a, start: lazy}]\n",
                       "node.yaml");
  REQUIRE(r.ok());
  auto again = load_string(dump(r.config), "dump.yaml");
  REQUIRE(again.ok());
  CHECK(again.config == r.config);
}

TEST_CASE("the dump writes every key with enums by name and sizes as integers") {
  auto text = dump(node_config{});
  for (auto* key : {"node:",
                    "name:",
                    "data_dir:",
                    "log_level: info",
                    "scheduler_threads: 0",
                    "shards:",
                    "count: 8",
                    "sync: group",
                    "sync_interval_ms: 10",
                    "recovery: tolerate_torn_tail",
                    "segment_bytes: 67108864",
                    "snapshot_threshold_bytes: 268435456",
                    "startup_timeout_ms: 30000",
                    "maxmemory: 0",
                    "maxmemory_policy: noeviction",
                    "routers: 0",
                    "hash_tags: true",
                    "gateway:",
                    "enabled: true",
                    "port: 6380",
                    "password:",
                    "max_clients: 10000",
                    "max_bulk_bytes: 536870912",
                    "max_array_len: 1048576",
                    "idle_timeout_s: 0",
                    "output_buffer_limit_bytes: 67108864",
                    "http:",
                    "port: 9121",
                    "pools: []"}) {
    INFO(key);
    CHECK(text.find(key) != std::string::npos);
  }
  CHECK(text.find("node:") < text.find("shards:"));
  CHECK(text.find("shards:") < text.find("gateway:"));
  CHECK(text.find("gateway:") < text.find("http:"));
  CHECK(text.find("http:") < text.find("pools:"));
}

TEST_CASE("configs that differ in one field are not equal") {
  auto a = everything_changed();
  auto b = a;
  CHECK(a == b);
  b.pools[0].env["LANG"] = "en";
  CHECK_FALSE(a == b);
  b = a;
  b.pools.pop_back();
  CHECK_FALSE(a == b);
  b = a;
  b.http.port = 2;
  CHECK_FALSE(a == b);
}
