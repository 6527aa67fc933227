// keel::runtime::test::node_process: a real keel-node for integration tests (test-only code).
//
// Runs build/keel-node on examples/node.yaml with durable shards (sync group), the gateway on a
// free port and no HTTP, waits for its gateway and ready lines (FAILs with the node's output
// otherwise). KEEL_BUILD_ROOT and KEEL_SOURCE_ROOT name the build and source folders.
#pragma once

#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace keel::runtime::test {

using testkit::child_process;
using testkit::temp_dir;

inline std::string root_of(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v != nullptr && *v != '\0' ? v : fallback;
}

/// A keel-node on `data` with 4 shards, the gateway on a free port, no HTTP.
class node_process {
public:
  explicit node_process(const temp_dir& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{root_of("KEEL_BUILD_ROOT", ".") + "/keel-node", "--config",
                                  root_of("KEEL_SOURCE_ROOT", "..") + "/examples/node.yaml",
                                  "--set", "node.data_dir=" + data.path(),
                                  "--set", "gateway.port=0",
                                  "--set", "http.enabled=false",
                                  "--set", "shards.count=4",
                                  "--set", "shards.sync=group"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<child_process>(argv);
    auto line = proc_->wait_for_line("gateway listening on");
    if (!line)
      FAIL("keel-node did not open its gateway; its output:\n" << proc_->output());
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
    if (!proc_->wait_for_line("keel-node ready in"))
      FAIL("keel-node did not report ready; its output:\n" << proc_->output());
  }

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] child_process& proc() { return *proc_; }

  /// SIGTERM and the exit code.
  int stop() {
    proc_->signal(SIGTERM);
    auto rc = proc_->wait_exit();
    REQUIRE(rc);
    return *rc;
  }

  /// SIGKILL: no clean shutdown, no final snapshot.
  void crash() {
    proc_->signal(SIGKILL);
    REQUIRE(proc_->wait_exit());
  }

private:
  std::unique_ptr<child_process> proc_;
  uint16_t port_ = 0;
};

} // namespace keel::runtime::test
