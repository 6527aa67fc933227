// The isolation modes of testkit.md, each proven by what a test can and cannot see.
#include "testkit/child_process.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <future>
#include <thread>

using namespace keel::testkit;
using namespace std::chrono_literals;

namespace {

const auto shared_name = caf::atom("kt_shared");

caf::behavior echo() {
  return {[](int x) { return x; }};
}

/// Registers an actor under a name every test of this pair uses; the name must be unused.
void register_shared_name(fixture& fx) {
  auto& reg = fx.sys().registry();
  REQUIRE(reg.get(shared_name) == nullptr);
  auto hdl = fx.spawn(echo);
  reg.put(shared_name, hdl);
  REQUIRE(reg.get(shared_name) != nullptr);
}

bool mentions(const teardown_report& rep, const std::string& what) {
  for (auto& p : rep.problems)
    if (p.find(what) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("registry mode: a name registered by one test is invisible to the next (first)") {
  fixture fx{fixture_options::registry()};
  register_shared_name(fx);
  fx.sys().registry().erase(shared_name);
  CHECK(fx.teardown().clean());
}

TEST_CASE("registry mode: a name registered by one test is invisible to the next (second)") {
  fixture fx{fixture_options::registry()};
  register_shared_name(fx);
  fx.sys().registry().erase(shared_name);
  CHECK(fx.teardown().clean());
}

TEST_CASE("registry mode reports a name left registered at teardown") {
  fixture nested{fixture_options::registry()};
  register_shared_name(nested);
  auto report = nested.teardown();
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Catch::Contains("registry name 'kt_shared' still registered"));
}

TEST_CASE("basic mode drops leftover names without failing") {
  fixture nested;
  register_shared_name(nested);
  auto report = nested.teardown();
  CHECK(report.clean());
  CHECK(report.registered == std::vector<std::string>{"kt_shared"});
}

TEST_CASE("leak_checked mode passes a test that cleans up after itself") {
  fixture fx{fixture_options::leak_checked()};
  auto p = fx.make_probe();
  auto a = fx.spawn(echo);
  caf::send_as(p.handle(), a, 1);
  p.expect_message<int>();
  {
    child_process child{{"/bin/sh", "-c", "echo hi"}};
    CHECK(child.wait_exit() == 0);
  }
  int fd = ::open("/dev/null", O_RDONLY);
  ::close(fd);
  auto report = fx.teardown();
  INFO(report.str());
  CHECK(report.clean());
}

TEST_CASE("leak_checked mode names a leaked thread") {
  std::promise<void> release;
  std::thread leaked;
  {
    fixture nested{fixture_options::leak_checked()};
    leaked = std::thread{[f = release.get_future()]() mutable { f.wait(); }};
    auto report = nested.teardown();
    CHECK(mentions(report, "1 thread(s) leaked"));
  }
  release.set_value();
  leaked.join();
}

TEST_CASE("leak_checked mode names a leaked file descriptor") {
  int fd = -1;
  {
    fixture nested{fixture_options::leak_checked()};
    fd = ::open("/dev/null", O_RDONLY);
    REQUIRE(fd >= 0);
    auto report = nested.teardown();
    CHECK(mentions(report, "file descriptor " + std::to_string(fd) + " (/dev/null) leaked"));
  }
  ::close(fd);
}

TEST_CASE("leak_checked mode names a leaked child process") {
  std::unique_ptr<child_process> child;
  {
    fixture nested{fixture_options::leak_checked()};
    child = std::make_unique<child_process>(
      std::vector<std::string>{"/bin/sh", "-c", "echo up; exec tail -f /dev/null"});
    REQUIRE(child->wait_for_line("up"));
    auto report = nested.teardown();
    CHECK(mentions(report, "child process " + std::to_string(child->pid())));
  }
  child.reset(); // kills and reaps it
}

TEST_CASE("leak_checked mode names a leaked actor") {
  fixture nested{[] {
    auto opts = fixture_options::leak_checked();
    opts.stop_timeout = 200ms;
    return opts;
  }()};
  // Neither linked nor tracked, and still referenced (CAF stops actors nobody can reach).
  auto leaked = nested.sys().spawn(echo);
  auto report = nested.teardown();
  CHECK(mentions(report, "1 actor(s) still running"));
}
