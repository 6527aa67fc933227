// keel::testkit::child_process: a real program run by a test, watched through its output.
//
// The child's stdout and stderr go into one pipe that the test reads line by line with a
// deadline (poll on the pipe: the test waits for the child to say something, never sleeps).
// The child leads its own process group; the destructor kills the whole group and reaps it, so
// a failing test leaves no process behind. Thread-safety: one test thread per child_process.
#pragma once

#include "testkit/time.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace keel::testkit {

class child_process {
public:
  // -- construction ---------------------------------------------------------

  /// Starts `argv[0]` (a path) with `argv`, the current environment plus `env`, and `cwd`
  /// (empty = the test's). Throws std::runtime_error naming the program if it cannot start.
  child_process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                std::string cwd = {});

  /// Kills the process group (SIGKILL) if the child still runs, then reaps it.
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // -- properties -----------------------------------------------------------

  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Every line read so far, stdout and stderr interleaved as the child wrote them.
  [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }

  /// All output read so far, one string.
  [[nodiscard]] std::string output() const;

  // -- waiting --------------------------------------------------------------

  /// Reads until a line containing `needle` arrives and returns it; nullopt if the deadline
  /// passes or the child closes its output first.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout = default_timeout());

  /// Like wait_for_line, with a predicate.
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds timeout = default_timeout());

  /// Sends `sig` to the child (not its group).
  void signal(int sig);

  /// Reads the rest of the output and waits for the exit: the exit code, 128 + signal number
  /// if a signal ended it, or nullopt at the deadline (the child is then still running).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = default_timeout());

private:
  bool read_some(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int pid_fd_ = -1;
  bool eof_ = false;
  std::optional<int> status_;
  std::string partial_;
  std::vector<std::string> lines_;
  size_t scanned_ = 0;
};

} // namespace keel::testkit
