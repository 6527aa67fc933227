// keel's test main: Catch2's, plus a watchdog that every test case of every test binary runs
// under. A test case still running after KEEL_TEST_CASE_LIMIT_S seconds (default 300, times
// KEEL_TEST_TIME_FACTOR) is named on stderr and the binary aborts, so a hang shows which test
// hung instead of ending in a CI timeout. The watchdog waits on a condition variable with that
// deadline; it costs nothing while tests pass.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

double env_number(const char* name, double fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return fallback;
  char* end = nullptr;
  double x = std::strtod(text, &end);
  return end != text && x > 0 ? x : fallback;
}

class watchdog {
public:
  using clock = std::chrono::steady_clock;

  watchdog()
      : limit_(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
          env_number("KEEL_TEST_CASE_LIMIT_S", 300) * env_number("KEEL_TEST_TIME_FACTOR", 1)))),
        thread_([this] { run(); }) {
  }

  ~watchdog() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void arm(std::string name) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      name_ = std::move(name);
      deadline_ = clock::now() + limit_;
      armed_ = true;
    }
    cv_.notify_all();
  }

  void disarm() {
    std::lock_guard<std::mutex> guard{mtx_};
    armed_ = false;
  }

private:
  void run() {
    std::unique_lock<std::mutex> lock{mtx_};
    while (!quit_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ && !quit_
          && clock::now() >= deadline_) {
        auto secs = std::chrono::duration<double>(limit_).count();
        std::fprintf(stderr,
                     "keel testkit: test case '%s' is still running after %.1f s: it hangs. "
                     "Aborting; wait for an event with a deadline instead (testkit/README.md), "
                     "or raise KEEL_TEST_CASE_LIMIT_S if it is just slow.\n",
                     name_.c_str(), secs);
        std::fflush(stderr);
        // Catch2's own SIGABRT handler would try to report from this thread while the hung
        // test holds the main one: end the process directly.
        std::signal(SIGABRT, SIG_DFL);
        std::abort();
      }
    }
  }

  clock::duration limit_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::string name_;
  clock::time_point deadline_;
  bool armed_ = false;
  bool quit_ = false;
  std::thread thread_;
};

watchdog& the_watchdog() {
  static watchdog w;
  return w;
}

class watchdog_listener : public Catch::TestEventListenerBase {
public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    the_watchdog().arm(info.name);
    TestEventListenerBase::testCaseStarting(info);
  }

  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    the_watchdog().disarm();
    TestEventListenerBase::testCaseEnded(stats);
  }
};

} // namespace

CATCH_REGISTER_LISTENER(watchdog_listener)
