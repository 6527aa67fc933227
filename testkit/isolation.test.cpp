// The isolation modes of testkit.md, each proven by what a test can and cannot see.
#include "testkit/child_process.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <set>
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
  std::promise<pid_t> started;
  std::thread leaked;
  {
    fixture nested{fixture_options::leak_checked()};
    leaked = std::thread{[&started, f = release.get_future()]() mutable {
      started.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
      f.wait();
    }};
    auto tid = started.get_future().get();
    auto report = nested.teardown();
    INFO(report.str());
    // Named by its id: the count may include a thread something else started meanwhile.
    CHECK(mentions(report, "thread(s) leaked"));
    CHECK(mentions(report, "(tid " + std::to_string(tid) + ")"));
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

// -- event_bus and supervised modes ------------------------------------------------------------

namespace {

using keel::supervision::child_spec;
using keel::supervision::event;
using keel::supervision::event_type;

/// A worker child that sets `stopped` when it terminates, whatever the reason.
child_spec flagged_worker(std::string id, std::shared_ptr<std::atomic<int>> stopped) {
  child_spec spec;
  spec.id = std::move(id);
  spec.start = keel::supervision::ready_on_spawn([stopped](caf::actor_system& sys) {
    return sys.spawn([stopped](caf::event_based_actor* self) -> caf::behavior {
      self->attach_functor([stopped] { ++*stopped; });
      return {
        [](int x) { return x; },
        [self](const std::string& cmd) {
          if (cmd == "crash")
            self->quit(caf::sec::runtime_error);
        },
      };
    });
  });
  return spec;
}

/// Every supervisor name in the journal.
std::set<std::string> supervisors_seen(fixture& fx) {
  std::set<std::string> out;
  for (auto& ev : fx.journal())
    out.insert(ev.supervisor);
  return out;
}

} // namespace

TEST_CASE("event_bus mode: a test sees only the events of its own supervisors (first)") {
  fixture fx{fixture_options::supervised_mode()};
  auto stopped = std::make_shared<std::atomic<int>>(0);
  REQUIRE(fx.start_supervised(flagged_worker("only_in_first", stopped)));
  fx.await_event([](const event& ev) {
    return ev.type == event_type::child_started && ev.child == "only_in_first";
  });
  for (auto& ev : fx.journal())
    CHECK(ev.child != "only_in_second");
  CHECK(supervisors_seen(fx) == std::set<std::string>{"test_root"});
}

TEST_CASE("event_bus mode: a test sees only the events of its own supervisors (second)") {
  fixture fx{fixture_options::supervised_mode()};
  auto stopped = std::make_shared<std::atomic<int>>(0);
  REQUIRE(fx.start_supervised(flagged_worker("only_in_second", stopped)));
  fx.await_event([](const event& ev) {
    return ev.type == event_type::child_started && ev.child == "only_in_second";
  });
  for (auto& ev : fx.journal())
    CHECK(ev.child != "only_in_first");
  CHECK(supervisors_seen(fx) == std::set<std::string>{"test_root"});
}

TEST_CASE("supervised mode: await_restart returns the next incarnation of a crashed child") {
  fixture fx{fixture_options::supervised_mode()};
  auto stopped = std::make_shared<std::atomic<int>>(0);
  auto first = fx.start_supervised(flagged_worker("worker", stopped));
  REQUIRE(first);
  caf::anon_send(*first, std::string{"crash"});
  auto second = fx.await_restart("test_root", "worker");
  CHECK(second);
  CHECK(second != *first);
  // The stable handle reaches the new incarnation.
  auto ref = fx.supervised_ref("worker");
  caf::scoped_actor self{fx.sys(), true};
  int answer = 0;
  self->request(ref.supervisor(), std::chrono::seconds{5}, ref.envelope_of(41))
    .receive([&](int x) { answer = x; }, [](caf::error&) {});
  CHECK(answer == 41);
}

TEST_CASE("supervised mode: on_exit runs after the supervised children are confirmed down") {
  auto stopped = std::make_shared<std::atomic<int>>(0);
  int stopped_at_exit = -1;
  {
    fixture fx{fixture_options::supervised_mode()};
    REQUIRE(fx.start_supervised(flagged_worker("a", stopped)));
    REQUIRE(fx.start_supervised(flagged_worker("b", stopped)));
    REQUIRE(fx.start_supervised(flagged_worker("c", stopped)));
    fx.on_exit([&] { stopped_at_exit = stopped->load(); });
    CHECK(fx.teardown().clean());
  }
  CHECK(stopped_at_exit == 3);
}

TEST_CASE("supervised mode: children stop in reverse start order at teardown") {
  fixture fx{fixture_options::supervised_mode()};
  auto stopped = std::make_shared<std::atomic<int>>(0);
  for (auto id : {"first", "second", "third"})
    REQUIRE(fx.start_supervised(flagged_worker(id, stopped)));
  std::vector<std::string> exits;
  fx.on_exit([&] {
    for (auto& ev : fx.journal())
      if (ev.type == event_type::child_exited)
        exits.push_back(ev.child);
  });
  CHECK(fx.teardown().clean());
  CHECK(exits == std::vector<std::string>{"third", "second", "first"});
}

TEST_CASE("full mode combines every check and passes a tidy test") {
  fixture fx{fixture_options::full()};
  auto stopped = std::make_shared<std::atomic<int>>(0);
  REQUIRE(fx.start_supervised(flagged_worker("tidy", stopped)));
  auto p = fx.make_probe();
  auto a = fx.spawn(echo);
  caf::send_as(p.handle(), a, 7);
  CHECK(std::get<0>(p.expect_message<int>()) == 7);
  auto report = fx.teardown();
  INFO(report.str());
  CHECK(report.clean());
  CHECK(*stopped == 1);
}
