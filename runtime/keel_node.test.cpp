// keel-node as users run it: the real binary in a child process, watched through its output.
#include "testkit/child_process.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

using keel::testkit::child_process;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* x = std::getenv(name);
  return x != nullptr ? x : fallback;
}

std::string source_root() {
  return env_or("KEEL_SOURCE_ROOT", ".");
}

std::string build_root() {
  return env_or("KEEL_BUILD_ROOT", "build");
}

std::string keel_node() {
  return build_root() + "/keel-node";
}

std::string example_config() {
  return source_root() + "/examples/node.yaml";
}

/// A temporary file with `text`, removed by the destructor.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/keel-node-test-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
    path = name;
  }
  ~temp_file() { ::unlink(path.c_str()); }
};

/// The node's arguments for a test run: no listeners, a private data dir.
std::vector<std::string> node_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{keel_node(), "--config", example_config(), "--set",
                                "gateway.enabled=false", "--set", "http.enabled=false",
                                "--set", "node.data_dir=/tmp/keel-node-test-data"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

} // namespace

TEST_CASE("keel-node --check-config accepts the example config") {
  child_process p{{keel_node(), "--check-config", example_config()}};
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("configuration is valid"));
}

TEST_CASE("keel-node --check-config lists every error with file:line:col and exits 2") {
  temp_file bad{"shards:\n  count: 0\n  sync: always\n"};
  child_process p{{keel_node(), "--check-config", bad.path}};
  CHECK(p.wait_exit() == 2);
  CHECK_THAT(p.output(), Catch::Contains(bad.path + ":2:10: "));
  CHECK_THAT(p.output(), Catch::Contains(bad.path + ":3:9: "));
  CHECK_THAT(p.output(), Catch::Contains("2 error(s) in the configuration"));
}

TEST_CASE("keel-node --dump-config prints YAML that checks as valid again") {
  child_process dump{{keel_node(), "--config", example_config(), "--set", "shards.count=3",
                      "--dump-config"}};
  REQUIRE(dump.wait_exit() == 0);
  temp_file dumped{dump.output()};
  CHECK_THAT(dump.output(), Catch::Contains("count: 3"));
  child_process check{{keel_node(), "--check-config", dumped.path}};
  CHECK(check.wait_exit() == 0);
}

TEST_CASE("keel-node rejects an invalid --set override with exit code 2") {
  child_process p{{keel_node(), "--check-config", example_config(), "--set", "shards.count=abc"}};
  CHECK(p.wait_exit() == 2);
  CHECK_THAT(p.output(), Catch::Contains("--set:1:"));
}

TEST_CASE("keel-node rejects unknown arguments and a missing config with exit code 2") {
  child_process unknown{{keel_node(), "--frobnicate"}};
  CHECK(unknown.wait_exit() == 2);
  CHECK_THAT(unknown.output(), Catch::Contains("unknown argument '--frobnicate'"));
  child_process none{{keel_node()}};
  CHECK(none.wait_exit() == 2);
  CHECK_THAT(none.output(), Catch::Contains("no config file given"));
  child_process missing{{keel_node(), "--config", "/nonexistent/node.yaml"}};
  CHECK(missing.wait_exit() == 2);
  CHECK_THAT(missing.output(), Catch::Contains("/nonexistent/node.yaml"));
}

TEST_CASE("keel-node comes up and SIGTERM stops it with exit code 0") {
  child_process p{node_args()};
  REQUIRE(p.wait_for_line("keel-node ready in"));
  p.signal(SIGTERM);
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("received SIGTERM: shutting down"));
  // The shutdown is in the log, the root's own event first.
  CHECK_THAT(p.output(), Catch::Contains("root shutting_down"));
  CHECK_THAT(p.output(), Catch::Contains("keel-node stopped cleanly"));
}

TEST_CASE("keel-node stops cleanly on SIGINT too") {
  child_process p{node_args()};
  REQUIRE(p.wait_for_line("keel-node ready in"));
  p.signal(SIGINT);
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("received SIGINT"));
}

TEST_CASE("keel-node logs at the level SPDLOG_LEVEL asks for") {
  // The actor system's start-up line is a debug line: hidden at the config's info level...
  child_process quiet{node_args()};
  REQUIRE(quiet.wait_for_line("keel-node ready in"));
  quiet.signal(SIGTERM);
  CHECK(quiet.wait_exit() == 0);
  CHECK_THAT(quiet.output(), !Catch::Contains("scheduler threads"));
  // ...and shown when SPDLOG_LEVEL overrides it.
  child_process verbose{node_args(), {{"SPDLOG_LEVEL", "debug"}}};
  REQUIRE(verbose.wait_for_line("keel-node ready in"));
  verbose.signal(SIGTERM);
  CHECK(verbose.wait_exit() == 0);
  CHECK_THAT(verbose.output(), Catch::Contains("scheduler threads"));
}

TEST_CASE("scripts/run brings a node up on examples/node.yaml and SIGTERM stops it with 0") {
  auto script = source_root() + "/scripts/run";
  child_process p{{script, "--set", "gateway.enabled=false", "--set", "http.enabled=false",
                   "--set", "node.data_dir=/tmp/keel-node-test-data"},
                  {{"KEEL_BUILD_DIR", build_root()}},
                  source_root()};
  REQUIRE(p.wait_for_line("keel-node ready in", keel::testkit::scaled(std::chrono::seconds{60})));
  p.signal(SIGTERM); // scripts/run execs keel-node: same process
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("keel-node stopped cleanly"));
}
