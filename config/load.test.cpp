// Tests of load_string / load_file: defaults, every section, and each class of error with its
// exact `file:line:col: message`.
#include "config/load.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

using namespace keel::config;

namespace {

/// The `str()` of every diagnostic of loading `yaml` as "node.yaml".
std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (auto& d : load_string(yaml, "node.yaml").errors)
    out.push_back(d.str());
  return out;
}

/// A temporary file holding `text`, removed when the object goes.
class temp_file {
public:
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/keel-config-test-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path_ = name;
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace

// -- defaults and sections ------------------------------------------------------

TEST_CASE("an empty file gives the default config") {
  auto r = load_string("", "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config == node_config{});
  CHECK(r.config.shards.count == 8);
  CHECK(r.config.gateway.port == 6380);
  CHECK(r.config.pools.empty());
}

TEST_CASE("a file of comments only gives the default config") {
  auto r = load_string("# nothing here\n\n# still nothing\n", "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config == node_config{});
}

TEST_CASE("a missing section or key keeps its default") {
  auto r = load_string(R"(
shards:
  count: 16
http:
)",
                       "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.shards.count == 16);
  CHECK(r.config.shards.sync == sync_policy::group);
  CHECK(r.config.shards.segment_bytes == 64ull << 20);
  CHECK(r.config.node.name == "keel");
  CHECK(r.config.http.port == 9121);
}

TEST_CASE("every section is parsed into its struct") {
  auto r = load_string(R"(
node:
  name: kv-1
  data_dir: /var/lib/keel
  log_level: debug
  scheduler_threads: 4
shards:
  count: 32
  sync: interval
  sync_interval_ms: 5
  recovery: point_in_time
  segment_bytes: 134217728
  snapshot_threshold_bytes: 1GiB
  startup_timeout_ms: 60000
gateway:
  enabled: false
  bind: 0.0.0.0
  port: 7000
  password: s3cret
  max_clients: 50
  max_bulk_bytes: 1MiB
  max_array_len: 1000
  idle_timeout_s: 300
  output_buffer_limit_bytes: 8MiB
http:
  enabled: false
  bind: 0.0.0.0
  port: 9000
pools:
  - name: render
    kind: process
    size: 2
    max_overflow: 1
    start: lazy
    strategy: least_busy
    checkout_timeout_ms: 100
    max_waiters: 10
    on_worker_death: fail
    command: [/usr/bin/render, --stdio]
    env: {LANG: C, MODE: fast}
    min_ready: 1
    request_timeout_ms: 2000
    health_interval_ms: 0
  - name: hash
)",
                       "node.yaml");
  INFO((r.errors.empty() ? std::string{} : r.errors.front().str()));
  REQUIRE(r.ok());
  auto& c = r.config;
  CHECK(c.node.name == "kv-1");
  CHECK(c.node.data_dir == "/var/lib/keel");
  CHECK(c.node.level == log_level::debug);
  CHECK(c.node.scheduler_threads == 4);
  CHECK(c.shards.count == 32);
  CHECK(c.shards.sync == sync_policy::interval);
  CHECK(c.shards.sync_interval_ms == 5);
  CHECK(c.shards.recovery == recovery_mode::point_in_time);
  CHECK(c.shards.segment_bytes == 134217728);
  CHECK(c.shards.snapshot_threshold_bytes == 1ull << 30);
  CHECK(c.shards.startup_timeout_ms == 60000);
  CHECK_FALSE(c.gateway.enabled);
  CHECK(c.gateway.bind == "0.0.0.0");
  CHECK(c.gateway.port == 7000);
  CHECK(c.gateway.password == "s3cret");
  CHECK(c.gateway.max_clients == 50);
  CHECK(c.gateway.max_bulk_bytes == 1ull << 20);
  CHECK(c.gateway.max_array_len == 1000);
  CHECK(c.gateway.idle_timeout_s == 300);
  CHECK(c.gateway.output_buffer_limit_bytes == 8ull << 20);
  CHECK_FALSE(c.http.enabled);
  CHECK(c.http.bind == "0.0.0.0");
  CHECK(c.http.port == 9000);
  REQUIRE(c.pools.size() == 2);
  auto& p = c.pools[0];
  CHECK(p.name == "render");
  CHECK(p.kind == pool_kind::process);
  CHECK(p.size == 2);
  CHECK(p.max_overflow == 1);
  CHECK(p.lazy);
  CHECK(p.strategy == pool_strategy::least_busy);
  CHECK(p.checkout_timeout_ms == 100);
  CHECK(p.max_waiters == 10);
  CHECK(p.on_death == on_worker_death::fail);
  CHECK(p.command == std::vector<std::string>{"/usr/bin/render", "--stdio"});
  CHECK(p.env == std::map<std::string, std::string>{{"LANG", "C"}, {"MODE", "fast"}});
  CHECK(p.min_ready == 1);
  CHECK(p.request_timeout_ms == 2000);
  CHECK(p.health_interval_ms == 0);
  CHECK(c.pools[1].name == "hash");
  CHECK(c.pools[1].kind == pool_kind::actor);
  CHECK(c.pools[1].size == 4);
}

TEST_CASE("byte sizes accept plain integers and KiB, MiB and GiB suffixes") {
  auto r = load_string(R"(
shards:
  segment_bytes: 2097152
  snapshot_threshold_bytes: 3 GiB
gateway:
  max_bulk_bytes: 64KiB
  output_buffer_limit_bytes: 16MiB
)",
                       "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.shards.segment_bytes == 2ull << 20);
  CHECK(r.config.shards.snapshot_threshold_bytes == 3ull << 30);
  CHECK(r.config.gateway.max_bulk_bytes == 64ull << 10);
  CHECK(r.config.gateway.output_buffer_limit_bytes == 16ull << 20);
}

TEST_CASE("each enum accepts every one of its names") {
  for (auto x : {sync_policy::group, sync_policy::interval, sync_policy::none}) {
    auto r = load_string(std::string{"shards: {sync: "} + to_string(x) + "}", "f");
    REQUIRE(r.ok());
    CHECK(r.config.shards.sync == x);
  }
  for (auto x : {recovery_mode::tolerate_torn_tail, recovery_mode::absolute,
                 recovery_mode::point_in_time, recovery_mode::skip}) {
    auto r = load_string(std::string{"shards: {recovery: "} + to_string(x) + "}", "f");
    REQUIRE(r.ok());
    CHECK(r.config.shards.recovery == x);
  }
  for (auto x : {log_level::trace, log_level::debug, log_level::info, log_level::warn,
                 log_level::error, log_level::critical, log_level::off}) {
    auto r = load_string(std::string{"node: {log_level: "} + to_string(x) + "}", "f");
    REQUIRE(r.ok());
    CHECK(r.config.node.level == x);
  }
  auto r = load_string(R"(
pools:
  - {name: a, kind: actor, strategy: round_robin, on_worker_death: retry, start: eager}
  - {name: b, kind: process, command: [b], strategy: least_busy, on_worker_death: fail}
)",
                       "f");
  REQUIRE(r.ok());
  CHECK(r.config.pools[0].kind == pool_kind::actor);
  CHECK(r.config.pools[0].strategy == pool_strategy::round_robin);
  CHECK(r.config.pools[0].on_death == on_worker_death::retry);
  CHECK_FALSE(r.config.pools[0].lazy);
  CHECK(r.config.pools[1].kind == pool_kind::process);
  CHECK(r.config.pools[1].strategy == pool_strategy::least_busy);
  CHECK(r.config.pools[1].on_death == on_worker_death::fail);
}

TEST_CASE("to_string names each enum value as in YAML") {
  CHECK(std::string{to_string(log_level::warn)} == "warn");
  CHECK(std::string{to_string(log_level::critical)} == "critical");
  CHECK(std::string{to_string(sync_policy::none)} == "none");
  CHECK(std::string{to_string(recovery_mode::tolerate_torn_tail)} == "tolerate_torn_tail");
  CHECK(std::string{to_string(pool_kind::process)} == "process");
  CHECK(std::string{to_string(pool_strategy::least_busy)} == "least_busy");
  CHECK(std::string{to_string(on_worker_death::fail)} == "fail");
}

// -- one error class per test -----------------------------------------------------

TEST_CASE("an unknown key is reported with the nearest valid key") {
  CHECK(errors_of("node:\n  name: a\n\nshard:\n  count: 3\n") ==
        std::vector<std::string>{
            "node.yaml:4:1: unknown key 'shard' in section 'root'; did you mean 'shards'? valid "
            "keys: node, shards, gateway, http, pools, cluster"});
  CHECK(errors_of("http:\n  prot: 80\n") ==
        std::vector<std::string>{"node.yaml:2:3: unknown key 'prot' in section 'http'; did you "
                                 "mean 'port'? valid keys: enabled, bind, port"});
}

TEST_CASE("an unknown key far from every valid key gets no suggestion") {
  CHECK(
      errors_of("http:\n  xyzzy: 80\n") ==
      std::vector<std::string>{
          "node.yaml:2:3: unknown key 'xyzzy' in section 'http'; valid keys: enabled, bind, port"});
}

TEST_CASE("a value of the wrong type is reported with what was expected") {
  CHECK(errors_of("shards:\n  count: many\n") ==
        std::vector<std::string>{"node.yaml:2:10: shards.count must be an integer, got 'many'; "
                                 "expected an integer from 1 to 4096"});
  CHECK(errors_of("gateway:\n  enabled: maybe\n") ==
        std::vector<std::string>{"node.yaml:2:12: gateway.enabled must be a boolean, got "
                                 "'maybe'; expected true or false"});
  CHECK(errors_of("node:\n  name: [a, b]\n") ==
        std::vector<std::string>{"node.yaml:2:9: node.name must be a string, got a list; "
                                 "expected a non-empty string"});
  CHECK(errors_of("shards:\n  count:\n") ==
        std::vector<std::string>{
            "node.yaml:2:3: shards.count has no value; expected an integer from 1 to 4096"});
}

TEST_CASE("a section that is not a map is a wrong type") {
  CHECK(errors_of("shards: 5\n") ==
        std::vector<std::string>{
            "node.yaml:1:9: shards must be a map, got '5'; expected a map with keys count, sync, "
            "sync_interval_ms, recovery, segment_bytes, snapshot_threshold_bytes, "
            "startup_timeout_ms, maxmemory, maxmemory_policy, routers, hash_tags"});
  CHECK(errors_of("- 1\n") ==
        std::vector<std::string>{"node.yaml:1:1: the document root must be a map, got a list; "
                                 "expected a map with keys node, shards, gateway, http, pools, cluster"});
  CHECK(errors_of("pools: {name: a}\n") ==
        std::vector<std::string>{"node.yaml:1:8: pools must be a list, got a map; expected a "
                                 "list of pools, each a map with at least name"});
}

TEST_CASE("a value out of range is reported with the range") {
  CHECK(errors_of("shards:\n  count: 0\n") ==
        std::vector<std::string>{
            "node.yaml:2:10: shards.count is 0; expected an integer from 1 to 4096"});
  CHECK(errors_of("gateway:\n  port: 70000\n") ==
        std::vector<std::string>{
            "node.yaml:2:9: gateway.port is 70000; expected an integer from 0 to 65535"});
  CHECK(errors_of("node:\n  scheduler_threads: -1\n") ==
        std::vector<std::string>{
            "node.yaml:2:22: node.scheduler_threads is -1; expected an integer from 0 to 1024"});
  CHECK(errors_of("shards:\n  startup_timeout_ms: 99999999999999999999999\n") ==
        std::vector<std::string>{"node.yaml:2:23: shards.startup_timeout_ms is "
                                 "99999999999999999999999; expected an integer from 1 to "
                                 "3600000"});
}

TEST_CASE("a byte size with a bad suffix or out of range is reported") {
  CHECK(errors_of("shards:\n  segment_bytes: 64MB\n") ==
        std::vector<std::string>{
            "node.yaml:2:18: shards.segment_bytes must be a byte size, got '64MB'; expected a byte "
            "size from 1MiB to 4GiB (an integer, or a number with suffix KiB, MiB or GiB like "
            "64MiB)"});
  CHECK(errors_of("shards:\n  segment_bytes: 512KiB\n") ==
        std::vector<std::string>{
            "node.yaml:2:18: shards.segment_bytes is 512KiB; expected a byte size from 1MiB to "
            "4GiB (an integer, or a number with suffix KiB, MiB or GiB like 64MiB)"});
}

TEST_CASE("a duplicate key is reported at its second occurrence") {
  CHECK(errors_of("shards:\n  count: 3\n  sync: none\n  count: 4\n") ==
        std::vector<std::string>{"node.yaml:4:3: duplicate key 'count' in shards (first at line "
                                 "2); remove one of them"});
  auto r = load_string("shards:\n  count: 3\n  count: 4\n", "node.yaml");
  CHECK(r.config.shards.count == 3);
}

TEST_CASE("an unknown enum value is reported with the allowed values") {
  CHECK(errors_of("shards:\n  sync: always\n") ==
        std::vector<std::string>{
            "node.yaml:2:9: shards.sync is 'always'; expected one of group, interval, none"});
  CHECK(errors_of("node:\n  log_level: verbose\n") ==
        std::vector<std::string>{"node.yaml:2:14: node.log_level is 'verbose'; expected one of "
                                 "trace, debug, info, warn, error, critical, off"});
  CHECK(errors_of("pools:\n  - {name: a, start: later}\n") ==
        std::vector<std::string>{
            "node.yaml:2:22: pools.0.start is 'later'; expected one of eager, lazy"});
}

TEST_CASE("a YAML syntax error is reported at its position") {
  CHECK(errors_of("shards:\n  count: 3\n\tsync: none\n") ==
        std::vector<std::string>{"node.yaml:3:1: invalid YAML: illegal tab when looking for "
                                 "indentation; fix the syntax at this position"});
  auto r = load_string("node: {name: [\n", "node.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].message.rfind("invalid YAML: ", 0) == 0);
}

TEST_CASE("text that is not printable UTF-8 is reported at its first bad byte") {
  CHECK(errors_of("node:\n  name: caf\xc3\xa9\xff\n") ==
        std::vector<std::string>{
          "node.yaml:2:13: invalid UTF-8 (byte 0xff); YAML files must be printable UTF-8 text: "
          "save the file as UTF-8 and write such characters as escapes in a double-quoted "
          "string (\"\\x01\")"});
  auto control = errors_of(std::string{"node:\n  name: a\0b\n", 16});
  REQUIRE(control.size() == 1);
  CHECK(control[0].rfind("node.yaml:2:10: a control character (byte 0x00); ", 0) == 0);
  // Overlong forms, surrogates and cut sequences are not UTF-8; a BOM and 4-byte characters
  // are, and an escape in a double-quoted string is text like any other.
  CHECK(errors_of("node:\n  name: \xc0\xaf\n").size() == 1);
  CHECK(errors_of("node:\n  name: \xed\xa0\x80\n").size() == 1);
  CHECK(errors_of("node:\n  name: \xf0\x9f\x90\n").size() == 1);
  auto r = load_string("\xef\xbb\xbfnode:\n  name: \xf0\x9f\x90\xb3x\n", "node.yaml");
  CHECK(r.ok());
  CHECK(r.config.node.name == "\xf0\x9f\x90\xb3x");
  r = load_string("node:\n  name: \"a\\x01b\"\n", "node.yaml");
  CHECK(r.ok());
  CHECK(r.config.node.name == "a\x01"
                              "b");
}

TEST_CASE("pool entries are checked across fields") {
  CHECK(errors_of(R"(pools:
  - name: render
    kind: process
  - name: render
  - size: 3
  - name: hash
    command: [hash]
  - name: many
    size: 2
    min_ready: 3
)") == std::vector<std::string>{
           "node.yaml:3:11: pools.0 has kind process but no command; add command: [program, arg, "
           "...]",
           "node.yaml:4:11: duplicate pool name 'render' in pools.1 (first at pools.0, line 2); "
           "give each pool a unique name",
           "node.yaml:5:5: pools.2 has no name; add name: <a unique pool name>",
           "node.yaml:7:14: pools.3.command is set but kind is actor; remove command or set kind: "
           "process",
           "node.yaml:10:16: pools.4.min_ready is 3, more than size 2; expected at most size"});
}

TEST_CASE("a pool entry that is not a map is a wrong type") {
  CHECK(errors_of("pools:\n  - render\n") ==
        std::vector<std::string>{"node.yaml:2:5: pools.0 must be a map, got 'render'; expected a "
                                 "map with at least name, e.g. {name: render, size: 4}"});
}

TEST_CASE("gateway and http may not listen on the same port") {
  CHECK(errors_of("gateway:\n  port: 9121\n") ==
        std::vector<std::string>{"node.yaml:2:9: http.port is 9121, the same as gateway.port; "
                                 "expected a different port for each"});
  CHECK(errors_of("gateway:\n  port: 9121\nhttp:\n  enabled: false\n").empty());
}

TEST_CASE("every problem in a file is reported, not just the first") {
  auto r = load_string(R"(node:
  log_level: loud
shards:
  count: 0
  sync: sometimes
gateway:
  port: http
  enabeld: true
pools:
  - name: a
    size: 0
)",
                       "node.yaml");
  std::vector<std::string> got;
  for (auto& d : r.errors)
    got.push_back(d.str());
  CHECK(got ==
        std::vector<std::string>{
            "node.yaml:2:14: node.log_level is 'loud'; expected one of trace, debug, info, "
            "warn, error, critical, off",
            "node.yaml:4:10: shards.count is 0; expected an integer from 1 to 4096",
            "node.yaml:5:9: shards.sync is 'sometimes'; expected one of group, interval, none",
            "node.yaml:7:9: gateway.port must be an integer, got 'http'; expected an integer "
            "from 0 to 65535",
            "node.yaml:8:3: unknown key 'enabeld' in section 'gateway'; did you mean "
            "'enabled'? valid keys: enabled, bind, port, password, max_clients, "
            "max_bulk_bytes, max_array_len, idle_timeout_s, output_buffer_limit_bytes",
            "node.yaml:11:11: pools.0.size is 0; expected an integer from 1 to 1024"});
  CHECK_FALSE(r.ok());
  // Bad values keep their defaults.
  CHECK(r.config.shards.count == 8);
  CHECK(r.config.node.level == log_level::info);
}

// -- files ----------------------------------------------------------------------------

TEST_CASE("load_file reads a file and names it in diagnostics") {
  temp_file good{"shards:\n  count: 12\n"};
  auto r = load_file(good.path());
  REQUIRE(r.ok());
  CHECK(r.config.shards.count == 12);
  temp_file bad{"shards:\n  count: 0\n"};
  auto r2 = load_file(bad.path());
  REQUIRE(r2.errors.size() == 1);
  CHECK(r2.errors[0].str() ==
        bad.path() + ":2:10: shards.count is 0; expected an integer from 1 to 4096");
}

TEST_CASE("a missing file is reported with what to do") {
  auto r = load_file("/nonexistent/keel/node.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].str() ==
        "/nonexistent/keel/node.yaml:0:0: cannot read the config file: No such file or directory; "
        "check the path given to --config and its permissions");
  auto d = load_file("/tmp");
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].str() == "/tmp:0:0: cannot read the config file: it is a directory, not a "
                             "YAML file; check the path given to --config and its permissions");
}

TEST_CASE("shards.routers takes a lane count from 0 (one per scheduler thread) to 1024") {
  CHECK(load_string("", "node.yaml").config.shards.routers == 0);
  auto r = load_string("shards:\n  routers: 16\n", "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.shards.routers == 16);
  CHECK(errors_of("shards:\n  routers: 1025\n") ==
        std::vector<std::string>{"node.yaml:2:12: shards.routers is 1025; expected an integer "
                                 "from 0 to 1024"});
}

TEST_CASE("shards.hash_tags is on unless turned off, and takes only a boolean") {
  CHECK(load_string("", "node.yaml").config.shards.hash_tags);
  auto r = load_string("shards:\n  hash_tags: false\n", "node.yaml");
  REQUIRE(r.ok());
  CHECK_FALSE(r.config.shards.hash_tags);
  auto errors = errors_of("shards:\n  hash_tags: maybe\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "node.yaml:2:14: shards.hash_tags must be a boolean, got 'maybe'; "
                     "expected true or false");
}

TEST_CASE("shards.maxmemory takes a byte size and maxmemory_policy Redis' policy names") {
  auto r = load_string("shards:\n  maxmemory: 100MiB\n  maxmemory_policy: allkeys-lru\n",
                       "node.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.shards.maxmemory == 100ull << 20);
  CHECK(r.config.shards.maxmemory_policy == eviction_policy::allkeys_lru);
  CHECK(load_string("", "node.yaml").config.shards.maxmemory == 0);
  CHECK(errors_of("shards:\n  maxmemory_policy: volatile-lru\n") ==
        std::vector<std::string>{"node.yaml:2:21: shards.maxmemory_policy is 'volatile-lru'; "
                                 "expected one of noeviction, allkeys-lru"});
}
