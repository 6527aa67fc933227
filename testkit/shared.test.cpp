#include "testkit/shared.hpp"

#include "testkit/child_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

using namespace keel;
using namespace std::chrono_literals;

namespace {

struct counter {
  int value = 0;
};

std::unique_ptr<counter> make_counter() {
  return std::make_unique<counter>();
}

void zero(counter& c) {
  c.value = 0;
}

void nothing(counter&) {
  // nop
}

/// `n` parties meet: each arrive() returns true once all have arrived, false at the deadline.
class rendezvous {
public:
  explicit rendezvous(int n) : missing_(n) {}

  bool arrive(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (--missing_ == 0)
      cv_.notify_all();
    return cv_.wait_for(guard, timeout, [this] { return missing_ <= 0; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  int missing_;
};

/// A flag that one thread raises and another waits for, with a deadline.
class gate {
public:
  void open() {
    std::lock_guard<std::mutex> guard{mtx_};
    open_ = true;
    cv_.notify_all();
  }

  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [this] { return open_; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
};

std::string self_exe() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  REQUIRE(n > 0);
  return std::string(buf, static_cast<size_t>(n));
}

// -- resources of this binary's global registry --------------------------------

testkit::shared_resource<counter> global_counter{"testkit.counter", make_counter, zero, nothing};

// Used only by the hidden tests that the last two tests run in a child process.
bool in_child() {
  return std::getenv("KEEL_SHARED_CHILD") != nullptr;
}

testkit::shared_resource<counter> child_probe{
  "child_probe",
  [] {
    if (in_child())
      std::printf("shared start: child_probe\n");
    return make_counter();
  },
  zero,
  [](counter&) {
    if (in_child())
      std::printf("shared stop: child_probe\n");
  }};

testkit::shared_resource<counter> child_broken{
  "child_broken",
  []() -> std::unique_ptr<counter> {
    throw std::runtime_error("it is broken on purpose (and says what to do about it)");
  },
  zero, nothing};

} // namespace

// -- the mechanism, on private registries ---------------------------------------

TEST_CASE("shared resources start in parallel: each start waits for the other's", "[shared]") {
  auto meet = std::make_shared<rendezvous>(2);
  auto start = [meet](const char* other) {
    return [meet, other]() {
      // Started one after the other, the first would wait here in vain.
      if (!meet->arrive(testkit::default_timeout()))
        throw std::runtime_error(std::string{"'"} + other + "' did not start alongside");
      return make_counter();
    };
  };
  testkit::shared_registry reg;
  testkit::shared_resource<counter> a{"a", start("b"), zero, nothing, reg};
  testkit::shared_resource<counter> b{"b", start("a"), zero, nothing, reg};
  std::string why_a;
  std::string why_b;
  auto* pa = a.try_get(why_a);
  auto* pb = b.try_get(why_b);
  INFO(why_a << why_b);
  CHECK(pa != nullptr);
  CHECK(pb != nullptr);
}

TEST_CASE("a shared resource is reset before a later test that uses it, never within a test",
          "[shared]") {
  int starts = 0;
  int resets = 0;
  testkit::shared_registry reg;
  testkit::shared_resource<counter> c{"c",
                                      [&] {
                                        ++starts;
                                        return make_counter();
                                      },
                                      [&](counter& x) {
                                        ++resets;
                                        x.value = 0;
                                      },
                                      nothing, reg};
  auto& first = c.get();
  first.value = 7;
  CHECK(c.get().value == 7); // the same test sees its own changes
  reg.next_test();
  reg.next_test(); // a test that does not use it: no reset for it
  CHECK(resets == 0);
  auto& second = c.get();
  CHECK(&second == &first); // the same instance, not a new start
  CHECK(second.value == 0);
  CHECK(starts == 1);
  CHECK(resets == 1);
}

TEST_CASE("a shared resource that fails to start fails the tests that ask, naming it and why",
          "[shared]") {
  int starts = 0;
  testkit::shared_registry reg;
  testkit::shared_resource<counter> bad{"bad_pool",
                                        [&]() -> std::unique_ptr<counter> {
                                          ++starts;
                                          throw std::runtime_error("no worker at /nonexistent");
                                        },
                                        zero, nothing, reg};
  testkit::shared_resource<counter> good{"good", make_counter, zero, nothing, reg};
  std::string why;
  CHECK(bad.try_get(why) == nullptr);
  CHECK(why == "shared resource 'bad_pool' did not start: no worker at /nonexistent");
  why.clear();
  CHECK(good.try_get(why) != nullptr); // the others started all the same
  CHECK(why.empty());
  reg.next_test();
  CHECK(bad.try_get(why) == nullptr); // a failed start is not tried again for every test
  CHECK(starts == 1);
}

TEST_CASE("a failed reset fails the test that asks and is tried again for the next",
          "[shared]") {
  bool refuse = true;
  testkit::shared_registry reg;
  testkit::shared_resource<counter> c{"flaky", make_counter,
                                      [&](counter& x) {
                                        if (refuse)
                                          throw std::runtime_error("a worker is still down");
                                        x.value = 0;
                                      },
                                      nothing, reg};
  c.get().value = 3;
  reg.next_test();
  std::string why;
  CHECK(c.try_get(why) == nullptr);
  CHECK(why == "shared resource 'flaky' could not be reset for this test: a worker is still down");
  refuse = false;
  reg.next_test();
  auto* x = c.try_get(why);
  REQUIRE(x != nullptr);
  CHECK(x->value == 0);
}

TEST_CASE("a start that misses the deadline fails the test, and what it builds later is stopped",
          "[shared]") {
  auto release = std::make_shared<gate>();
  auto stopped = std::make_shared<gate>();
  // The deadline here makes the start late on purpose: the start waits for the test to
  // release it, which the test does only after get() gave up.
  testkit::shared_registry reg{1ms};
  testkit::shared_resource<counter> slow{"slow",
                                         [release] {
                                           if (!release->wait(testkit::default_timeout()))
                                             throw std::runtime_error("never released");
                                           return make_counter();
                                         },
                                         zero,
                                         [stopped](counter&) { stopped->open(); }, reg};
  std::string why;
  CHECK(slow.try_get(why) == nullptr);
  CHECK(why.find("shared resource 'slow' did not start: it did not start within") == 0);
  release->open();
  CHECK(stopped->wait(testkit::default_timeout()));
  CHECK(reg.stop_all().empty()); // the late instance is not the registry's to stop
}

TEST_CASE("stop_all stops each started resource once and reports a stop that fails",
          "[shared]") {
  int starts = 0;
  int stops = 0;
  testkit::shared_registry reg;
  testkit::shared_resource<counter> a{"a",
                                      [&] {
                                        ++starts;
                                        return make_counter();
                                      },
                                      zero, [&](counter&) { ++stops; }, reg};
  testkit::shared_resource<counter> b{"b", make_counter, zero,
                                      [](counter&) { throw std::runtime_error("pid 42 lingers"); },
                                      reg};
  CHECK(reg.stop_all().empty()); // nothing started yet, nothing to stop
  CHECK(stops == 0);
  a.get();
  auto problems = reg.stop_all();
  CHECK(stops == 1);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "shared resource 'b' failed to stop: pid 42 lingers");
  CHECK(reg.stop_all().empty());
  CHECK(stops == 1);
  a.get(); // a later get starts it again
  CHECK(starts == 2);
  CHECK(reg.stop_all().size() == 1);
  CHECK(stops == 2);
}

// -- the global registry, across the tests of this binary --------------------------

// Each of these would see 42 if the other had run first without a reset in between.
TEST_CASE("a test does not see what another test left in a shared resource (one)", "[shared]") {
  auto& c = global_counter.get();
  CHECK(c.value == 0);
  c.value = 42;
}

TEST_CASE("a test does not see what another test left in a shared resource (two)", "[shared]") {
  auto& c = global_counter.get();
  CHECK(c.value == 0);
  c.value = 42;
}

TEST_CASE("each run of a test body through its sections gets a reset shared resource",
          "[shared]") {
  auto& c = global_counter.get();
  CHECK(c.value == 0);
  c.value = 42;
  SECTION("first") {
    CHECK(global_counter.get().value == 42); // still the same run
  }
  SECTION("second") {
    CHECK(global_counter.get().value == 42);
  }
}

TEST_CASE("(child) uses a shared resource", "[.shared_child]") {
  CHECK(child_probe.get().value == 0);
  std::printf("shared test body: done\n");
}

TEST_CASE("(child) asks for a shared resource that cannot start", "[.shared_child_broken]") {
  child_broken.get();
  std::printf("shared test body: went on after a failed start\n");
}

TEST_CASE("shared resources stop once, when the test run ends", "[shared]") {
  testkit::child_process run{{self_exe(), "[.shared_child]"}, {{"KEEL_SHARED_CHILD", "1"}}};
  CHECK(run.wait_exit() == 0);
  auto& lines = run.lines();
  INFO(run.output());
  auto at = [&](const std::string& text) {
    return std::find(lines.begin(), lines.end(), text) - lines.begin();
  };
  auto count = [&](const std::string& text) {
    return std::count(lines.begin(), lines.end(), text);
  };
  CHECK(count("shared start: child_probe") == 1);
  CHECK(count("shared stop: child_probe") == 1);
  CHECK(at("shared test body: done") < at("shared stop: child_probe"));
}

TEST_CASE("a shared resource that cannot start fails the test that asks, and the run goes on",
          "[shared]") {
  // The compact reporter keeps each failure on one line.
  testkit::child_process run{
    {self_exe(), "[.shared_child_broken],[.shared_child]", "-r", "compact"},
    {{"KEEL_SHARED_CHILD", "1"}}};
  CHECK(run.wait_exit() == 1); // Catch2's exit status: one test failed
  auto out = run.output();
  INFO(out);
  CHECK(out.find("testkit: shared resource 'child_broken' did not start: it is broken on "
                 "purpose (and says what to do about it)")
        != std::string::npos);
  CHECK(out.find("shared test body: went on after a failed start") == std::string::npos);
  CHECK(out.find("shared test body: done") != std::string::npos);
  CHECK(out.find("shared stop: child_probe") != std::string::npos);
}
