// Every example is built and run here: an example that stops working fails the suite.
#include "config/load.hpp"
#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using keel::testkit::child_process;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* x = std::getenv(name);
  return x != nullptr ? x : fallback;
}

std::string source_path(const std::string& rel) {
  return env_or("KEEL_SOURCE_ROOT", ".") + "/" + rel;
}

std::string build_path(const std::string& rel) {
  return env_or("KEEL_BUILD_ROOT", "build") + "/" + rel;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("the hello example greets from three actors and stops them in reverse order") {
  child_process hello{{build_path("examples/hello")}};
  REQUIRE(hello.wait_exit() == 0);
  auto& lines = hello.lines();
  REQUIRE(lines.size() == 7);
  CHECK_THAT(lines[0], Catch::StartsWith("hello, keel!"));
  CHECK_THAT(lines[1], Catch::StartsWith("hallo, keel!"));
  CHECK_THAT(lines[2], Catch::StartsWith("bonjour, keel!"));
  // The last greeter started is the first stopped.
  auto id_of = [](const std::string& line) {
    auto pos = line.find('#');
    return std::stoull(line.substr(pos + 1));
  };
  CHECK(id_of(lines[3]) == id_of(lines[2]));
  CHECK(id_of(lines[5]) == id_of(lines[0]));
  CHECK(lines[6] == "all greeters done");
}

TEST_CASE("the example node config is valid and shows every section") {
  auto path = source_path("examples/node.yaml");
  auto loaded = keel::config::load_file(path);
  for (auto& e : loaded.errors)
    UNSCOPED_INFO(e.str());
  REQUIRE(loaded.ok());
  // It documents the defaults: loading it gives the default config.
  CHECK(loaded.config == keel::config::node_config{});
  auto text = read_file(path);
  for (auto section : {"\nnode:", "\nshards:", "\ngateway:", "\nhttp:", "\npools:", "\ncluster:"})
    CHECK_THAT(text, Catch::Contains(section));
}

namespace {

/// Index of the first line that contains `needle` at or after `from`; lines.size() if none.
size_t find_line(const std::vector<std::string>& lines, const std::string& needle,
                 size_t from = 0) {
  for (size_t i = from; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos)
      return i;
  return lines.size();
}

} // namespace

TEST_CASE("the supervision_tree example restarts a crashed worker and shuts down in reverse") {
  child_process tree{{build_path("examples/supervision_tree")}};
  REQUIRE(tree.wait_exit() == 0);
  auto& lines = tree.lines();
  auto n = lines.size();
  auto crash = find_line(lines, "  shard-1/wal child_exited (system: runtime_error)");
  REQUIRE(crash < n);
  // rest_for_one: the state machine started after the WAL restarts with it.
  auto wal_back = find_line(lines, "  shard-1/wal child_started", crash);
  auto state_back = find_line(lines, "  shard-1/state child_started", crash);
  CHECK(wal_back < state_back);
  CHECK(state_back < n);
  // Reverse-order shutdown, innermost last-started first.
  auto stop = find_line(lines, "shutting the tree down");
  auto state_down = find_line(lines, "  shard-1/state child_exited (exit: user_shutdown)", stop);
  auto wal_down = find_line(lines, "  shard-1/wal child_exited (exit: user_shutdown)", stop);
  auto shards_down = find_line(lines, "  root/shards child_exited", stop);
  auto metrics_down = find_line(lines, "  root/metrics child_exited", stop);
  CHECK(state_down < wal_down);
  CHECK(wal_down < shards_down);
  CHECK(shards_down < metrics_down);
  CHECK(metrics_down < n);
  CHECK(find_line(lines, "root exited: exit: user_shutdown") < n);
}

TEST_CASE("the durable counter example keeps its totals across runs") {
  keel::testkit::temp_dir data{"counter"};
  // The totals the program printed (its log lines interleave on the same pipes).
  auto totals = [](const child_process& p) {
    std::vector<std::string> out;
    for (auto& l : p.lines())
      if (l.rfind("apples = ", 0) == 0 || l.rfind("pears = ", 0) == 0)
        out.push_back(l);
    return out;
  };
  child_process first{{build_path("examples/durable_counter"), data.path(), "10"}};
  REQUIRE(first.wait_exit() == 0);
  CHECK(totals(first) == std::vector<std::string>{"apples = 10", "pears = 20"});
  // The second run recovers both counters from the shards' logs and snapshots.
  child_process second{{build_path("examples/durable_counter"), data.path(), "5"}};
  REQUIRE(second.wait_exit() == 0);
  CHECK(totals(second) == std::vector<std::string>{"apples = 15", "pears = 30"});
}

TEST_CASE("the cluster example's nodes agree on a placement, and its script writes through a and "
          "reads through c") {
  std::vector<keel::config::node_config> nodes;
  for (auto name : {"a", "b", "c"}) {
    auto loaded = keel::config::load_file(source_path("examples/cluster/node-" + std::string{name}
                                                      + ".yaml"));
    for (auto& e : loaded.errors)
      UNSCOPED_INFO(e.str());
    REQUIRE(loaded.ok());
    CHECK(loaded.config.cluster.name == name);
    nodes.push_back(loaded.config);
  }
  CHECK(keel::config::placement_fingerprint(nodes[0])
        == keel::config::placement_fingerprint(nodes[1]));
  CHECK(keel::config::placement_fingerprint(nodes[0])
        == keel::config::placement_fingerprint(nodes[2]));
  // The script's own checks: every node up and connected, every key read back equal.
  child_process run{{"/usr/bin/python3", source_path("examples/cluster/run"), "--keys", "300"},
                    {{"KEEL_BUILD_DIR", env_or("KEEL_BUILD_ROOT", "build")}}};
  auto rc = run.wait_exit(keel::testkit::default_timeout() * 6);
  INFO(run.output());
  REQUIRE(rc);
  CHECK(*rc == 0);
  CHECK_THAT(run.output(), Catch::Contains("node a acknowledged 300 of 300 SETs; node c read back "
                                           "300 of 300 equal; DBSIZE through c: 300"));
}
