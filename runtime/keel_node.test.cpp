// keel-node as users run it: the real binary in a child process, watched through its output.
#include "gateway/reply.hpp"
#include "gateway/test_client.hpp"
#include "runtime/metrics_text_parser.test.hpp"
#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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
std::vector<std::string> node_args(const keel::testkit::temp_dir& data,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args{keel_node(), "--config", example_config(), "--set",
                                "gateway.enabled=false", "--set", "http.enabled=false",
                                "--set", "node.data_dir=" + data.path()};
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
  keel::testkit::temp_dir data{"node"};
  child_process p{node_args(data)};
  REQUIRE(p.wait_for_line("keel-node ready in"));
  p.signal(SIGTERM);
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("received SIGTERM: shutting down"));
  // The shutdown is in the log, the root's own event first.
  CHECK_THAT(p.output(), Catch::Contains("root shutting_down"));
  CHECK_THAT(p.output(), Catch::Contains("keel-node stopped cleanly"));
}

namespace {

// Writes a data_dir with `written` settings, checks that `other` settings are refused with
// `expected` messages, and that the directory still opens with `written`.
void check_refused_layout(const std::vector<std::string>& written,
                          const std::vector<std::string>& other,
                          const std::vector<std::string>& expected) {
  keel::testkit::temp_dir data{"node"};
  {
    child_process p{node_args(data, written)};
    REQUIRE(p.wait_for_line("keel-node ready in"));
    p.signal(SIGTERM);
    REQUIRE(p.wait_exit() == 0);
  }
  child_process p{node_args(data, other)};
  CHECK(p.wait_exit() == 1);
  CHECK_THAT(p.output(), Catch::Contains("keel-node failed to start"));
  for (auto& text : expected)
    CHECK_THAT(p.output(), Catch::Contains(text));
  // The directory is as it was: the old settings still open it.
  child_process again{node_args(data, written)};
  REQUIRE(again.wait_for_line("keel-node ready in"));
  again.signal(SIGTERM);
  CHECK(again.wait_exit() == 0);
}

} // namespace

TEST_CASE("keel-node refuses a data_dir written with another shard count and changes nothing") {
  check_refused_layout({"--set", "shards.count=4"}, {"--set", "shards.count=2"},
                       {"was written with shards.count 4", "set shards.count: 4 again"});
}

TEST_CASE("keel-node refuses a data_dir whose keys were placed without hash tags") {
  check_refused_layout({"--set", "shards.hash_tags=false"}, {},
                       {"places keys by their whole bytes", "--set shards.hash_tags=false"});
}

TEST_CASE("keel-node stops cleanly on SIGINT too") {
  keel::testkit::temp_dir data{"node"};
  child_process p{node_args(data)};
  REQUIRE(p.wait_for_line("keel-node ready in"));
  p.signal(SIGINT);
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("received SIGINT"));
}

TEST_CASE("keel-node logs at the level SPDLOG_LEVEL asks for") {
  // The actor system's start-up line is a debug line: hidden at the config's info level...
  keel::testkit::temp_dir data{"node"};
  child_process quiet{node_args(data)};
  REQUIRE(quiet.wait_for_line("keel-node ready in"));
  quiet.signal(SIGTERM);
  CHECK(quiet.wait_exit() == 0);
  CHECK_THAT(quiet.output(), !Catch::Contains("scheduler threads"));
  // ...and shown when SPDLOG_LEVEL overrides it.
  keel::testkit::temp_dir data2{"node"};
  child_process verbose{node_args(data2), {{"SPDLOG_LEVEL", "debug"}}};
  REQUIRE(verbose.wait_for_line("keel-node ready in"));
  verbose.signal(SIGTERM);
  CHECK(verbose.wait_exit() == 0);
  CHECK_THAT(verbose.output(), Catch::Contains("scheduler threads"));
}

TEST_CASE("scripts/run brings a node up on examples/node.yaml and SIGTERM stops it with 0") {
  auto script = source_root() + "/scripts/run";
  keel::testkit::temp_dir data{"node"};
  child_process p{{script, "--set", "gateway.enabled=false", "--set", "http.enabled=false",
                   "--set", "node.data_dir=" + data.path()},
                  {{"KEEL_BUILD_DIR", build_root()}},
                  source_root()};
  REQUIRE(p.wait_for_line("keel-node ready in", keel::testkit::scaled(std::chrono::seconds{60})));
  p.signal(SIGTERM); // scripts/run execs keel-node: same process
  CHECK(p.wait_exit() == 0);
  CHECK_THAT(p.output(), Catch::Contains("keel-node stopped cleanly"));
}

namespace {

/// The port in a `... listening on ADDR:PORT ...` log line.
uint16_t port_of(const std::string& line) {
  auto at = line.find("listening on ");
  REQUIRE(at != std::string::npos);
  auto colon = line.find(':', at + 13);
  REQUIRE(colon != std::string::npos);
  return static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
}

/// One HTTP/1.0 GET on 127.0.0.1:port; the whole response, read with a deadline.
std::string http_get(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  auto req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + keel::testkit::default_timeout();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      break;
    char buf[4096];
    auto n = ::read(fd, buf, sizeof(buf));
    if (n <= 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

} // namespace

TEST_CASE("keel-node serves /metrics and /healthz on its http port") {
  keel::testkit::temp_dir data{"node"};
  child_process p{{keel_node(), "--config", example_config(), "--set", "gateway.enabled=false",
                   "--set", "http.port=0", "--set", "node.data_dir=" + data.path()}};
  auto line = p.wait_for_line("http listening on");
  REQUIRE(line);
  auto port = port_of(*line);
  REQUIRE(p.wait_for_line("keel-node ready in"));
  auto metrics = http_get(port, "/metrics");
  CHECK_THAT(metrics, Catch::StartsWith("HTTP/1.0 200"));
  CHECK_THAT(metrics, Catch::Contains("# TYPE keel_supervisor_child_starts_total counter"));
  CHECK_THAT(metrics, Catch::Contains("keel_supervisor_child_starts_total{child=\"http\",supervisor=\"root\"}"));
  auto health = http_get(port, "/healthz");
  CHECK_THAT(health, Catch::StartsWith("HTTP/1.0 200"));
  p.signal(SIGTERM);
  CHECK(p.wait_exit() == 0);
}

TEST_CASE("a keel-node's /metrics parses as Prometheus text and counts per-shard work") {
  keel::testkit::temp_dir data{"node"};
  child_process p{{keel_node(), "--config", example_config(), "--set", "gateway.port=0",
                   "--set", "http.port=0", "--set", "shards.count=2", "--set",
                   "node.data_dir=" + data.path()}};
  auto http_line = p.wait_for_line("http listening on");
  REQUIRE(http_line);
  auto gw_line = p.wait_for_line("gateway listening on");
  REQUIRE(gw_line);
  REQUIRE(p.wait_for_line("keel-node ready in"));
  {
    keel::gateway::test_client c{port_of(*gw_line)};
    std::string batch;
    for (int i = 0; i < 20; ++i)
      batch += keel::gateway::encode_command({"SET", "m" + std::to_string(i), "x"});
    REQUIRE(c.send(batch));
    for (int i = 0; i < 20; ++i) {
      auto r = c.read_reply();
      REQUIRE(r);
      REQUIRE(*r == keel::gateway::reply::ok()); // acknowledged: synced
    }
  }
  auto text = http_get(port_of(*http_line), "/metrics");
  auto body = text.substr(text.find("\r\n\r\n") + 4);
  auto parsed = keel::runtime::test::parse_prometheus_text(body);
  INFO(body);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.types["keel_shard_ops_total"] == "counter");
  CHECK(parsed.types["keel_wal_sync_seconds"] == "histogram");
  CHECK(parsed.types["keel_gateway_batch_size"] == "histogram");
  double ops = 0;
  double synced = 0;
  for (const char* k : {"0", "1"}) {
    ops += parsed.value("keel_shard_ops_total", {{"shard", k}});
    synced += parsed.value("keel_wal_synced_records_total", {{"shard", k}});
    CHECK(parsed.value("keel_wal_syncs_total", {{"shard", k}}) >= 1);
  }
  CHECK(ops >= 20);
  // Every +OK came after the sync of its record; a shard logs the SETs of one batch as one
  // record, so 20 SETs over two shards are 2 records (more if the pipeline arrived in pieces).
  CHECK(synced >= 2);
  CHECK(synced <= 20);
  // What the KV machines hold: the 20 keys of 1 + 1 bytes, with none evicted or expired.
  CHECK(parsed.types["keel_kv_keys"] == "gauge");
  CHECK(parsed.types["keel_kv_evicted_keys_total"] == "counter");
  double keys = 0;
  double used = 0;
  for (const char* k : {"0", "1"}) {
    keys += parsed.value("keel_kv_keys", {{"shard", k}});
    used += parsed.value("keel_kv_used_memory_bytes", {{"shard", k}});
    CHECK(parsed.value("keel_kv_expires", {{"shard", k}}) == 0);
    CHECK(parsed.value("keel_kv_evicted_keys_total", {{"shard", k}}) == 0);
    CHECK(parsed.value("keel_kv_expired_keys_total", {{"shard", k}}) == 0);
  }
  CHECK(keys == 20);
  CHECK(used >= 20 * 3);
  CHECK(parsed.value("keel_kv_writes_total", {{"shard", "0"}})
          + parsed.value("keel_kv_writes_total", {{"shard", "1"}})
        == 20);
  p.signal(SIGTERM);
  CHECK(p.wait_exit() == 0);
}

namespace {

/// Processes named `comm` whose parent is `parent`.
int children_named(pid_t parent, const std::string& comm) {
  int n = 0;
  auto* dir = ::opendir("/proc");
  if (dir == nullptr)
    return -1;
  while (auto* e = ::readdir(dir)) {
    std::ifstream in{std::string{"/proc/"} + e->d_name + "/stat"};
    std::string line;
    if (!std::getline(in, line))
      continue;
    auto open = line.find('(');
    auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos)
      continue;
    std::istringstream rest{line.substr(close + 2)};
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && line.substr(open + 1, close - open - 1) == comm && state != 'Z')
      ++n;
  }
  ::closedir(dir);
  return n;
}

} // namespace

TEST_CASE("keel-node starts the pools of its YAML and leaves no worker process behind") {
  keel::testkit::temp_dir data{"node"};
  child_process p{{keel_node(), "--config", source_root() + "/examples/workers/pool.yaml",
                   "--set", "node.data_dir=" + data.path()},
                  {},
                  build_root()};
  // The root is ready after its pools child, which is ready once all four workers said ready
  // (min_ready: 4). (The event log's "pools supervisor_ready" line may come after this one.)
  REQUIRE(p.wait_for_line("keel-node ready in"));
  CHECK(children_named(p.pid(), "echo_worker") == 4);
  p.signal(SIGTERM);
  REQUIRE(p.wait_exit() == 0);
  // Orphans would be re-parented to this process (the test kit makes it a subreaper).
  CHECK(children_named(::getpid(), "echo_worker") == 0);
}
