// keel::testkit leak checks: what a test left behind in the process.
//
// A snapshot counts the process's threads and lists its open file descriptors and child
// processes (from /proc). Comparing the snapshot taken before a test's actor system started
// with the one taken after it was destroyed names every thread, fd and child process the test
// leaked. Thread-safety: snapshots read /proc; take them from the test thread while the test
// itself starts no new work.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace keel::testkit {

/// The resources of this process at one moment.
struct resource_snapshot {
  std::map<pid_t, std::string> threads;   ///< tid -> thread name
  std::map<int, std::string> fds;         ///< fd -> what it refers to (readlink)
  std::map<pid_t, std::string> children;  ///< pid -> command name, zombies included

  /// Reads /proc/self and the process table.
  [[nodiscard]] static resource_snapshot take();
};

/// One line per resource in `after` that is not in `before`, saying what leaked and what to do.
/// Threads whose name starts with `exiting_prefix` (when not empty) are not counted: the fixture
/// passes "caf." after destroying its actor system, whose detached threads have finished their
/// work but may still be on their way out of the kernel's task list.
[[nodiscard]] std::vector<std::string> describe_leaks(const resource_snapshot& before,
                                                      const resource_snapshot& after,
                                                      const std::string& exiting_prefix = {});

} // namespace keel::testkit
