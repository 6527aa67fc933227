#include "testkit/child_process.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <string>

using namespace keel::testkit;
using namespace std::chrono_literals;

TEST_CASE("a child's output lines and exit code reach the test") {
  child_process child{{"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"}};
  CHECK(child.wait_for_line("hello"));
  CHECK(child.wait_for_line("oops"));
  CHECK(child.wait_exit() == 3);
  CHECK(child.lines() == std::vector<std::string>{"hello", "oops"});
}

TEST_CASE("a child gets the extra environment it was started with") {
  child_process child{{"/bin/sh", "-c", "echo value=$KEEL_PROBE_VAR"}, {{"KEEL_PROBE_VAR", "42"}}};
  CHECK(child.wait_for_line("value=42"));
  CHECK(child.wait_exit() == 0);
}

TEST_CASE("a signal that ends a child shows as 128 plus the signal number") {
  child_process child{{"/bin/sh", "-c", "echo ready; exec tail -f /dev/null"}};
  REQUIRE(child.wait_for_line("ready"));
  CHECK_FALSE(child.wait_exit(20ms).has_value()); // still running
  child.signal(SIGTERM);
  CHECK(child.wait_exit() == 128 + SIGTERM);
}

TEST_CASE("wait_for_line gives up when the child closes its output without the line") {
  child_process child{{"/bin/sh", "-c", "echo something else"}};
  CHECK_FALSE(child.wait_for_line("never printed"));
  CHECK(child.wait_exit() == 0);
}

namespace {

/// True while `pid` is a live process (a zombie waiting for its reaper counts as dead).
bool alive(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  if (!std::getline(stat, line))
    return false;
  auto pos = line.rfind(')');
  return pos != std::string::npos && pos + 2 < line.size() && line[pos + 2] != 'Z';
}

} // namespace

TEST_CASE("the destructor kills the child's whole process group") {
  pid_t pid = 0;
  pid_t grandchild = 0;
  {
    child_process child{{"/bin/sh", "-c", "tail -f /dev/null & echo started $!; wait"}};
    auto line = child.wait_for_line("started");
    REQUIRE(line);
    pid = child.pid();
    grandchild = static_cast<pid_t>(std::stol(line->substr(8)));
    REQUIRE(alive(pid));
    REQUIRE(alive(grandchild));
  }
  CHECK_FALSE(alive(pid));
  CHECK_FALSE(alive(grandchild));
}

TEST_CASE("a program that cannot be executed exits with 127") {
  child_process child{{"/nonexistent/keel-program"}};
  CHECK(child.wait_for_line("exec failed"));
  CHECK(child.wait_exit() == 127);
}
