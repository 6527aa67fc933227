// The examples of testkit/README.md. Each `// [example: NAME]` block below is copied into the
// README verbatim (the last test checks that), so every example a user reads compiles and runs.
#include "supervision/spec.hpp"
#include "testkit/child_process.hpp"
#include "testkit/fixture.hpp"
#include "testkit/shared.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <stdexcept>
#include <sstream>

using namespace keel;
using namespace std::chrono_literals;

// [example: basic]
TEST_CASE("basic: an echo actor answers") {
  testkit::fixture fx; // a private actor system, stopped at the end of the test
  auto probe = fx.make_probe();
  auto echo = fx.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  caf::send_as(probe.handle(), echo, 42);
  auto [x] = probe.expect_message<int>(); // waits up to 5 s (scaled), never sleeps
  CHECK(x == 42);
}
// [end]

// [example: registry]
TEST_CASE("registry: names are private to the test") {
  testkit::fixture fx{testkit::fixture_options::registry()};
  auto& reg = fx.sys().registry();
  CHECK(reg.get(caf::atom("cache")) == nullptr); // no other test can have put it there
  auto cache = fx.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  reg.put(caf::atom("cache"), cache);
  // ... the test uses the name ...
  reg.erase(caf::atom("cache")); // registry mode fails a test that leaves a name behind
}
// [end]

// [example: event_bus]
TEST_CASE("event_bus: wait for a lifecycle event instead of sleeping") {
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  supervision::child_spec spec;
  spec.id = "worker";
  spec.start = supervision::ready_on_spawn([](caf::actor_system& sys) {
    return sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
      return {[self](const std::string&) { self->quit(caf::sec::runtime_error); }};
    });
  });
  auto worker = fx.start_supervised(spec);
  REQUIRE(worker);
  caf::anon_send(*worker, std::string{"crash"});
  // The journal records every event since the fixture started: nothing can be missed.
  auto next = fx.await_restart("test_root", "worker");
  CHECK(next != *worker);
}
// [end]

// [example: supervised]
TEST_CASE("supervised: children are confirmed down before on_exit runs") {
  auto alive = std::make_shared<std::atomic<int>>(0);
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  supervision::child_spec spec;
  spec.id = "counter";
  spec.start = supervision::ready_on_spawn([alive](caf::actor_system& sys) {
    return sys.spawn([alive](caf::event_based_actor* self) -> caf::behavior {
      ++*alive;
      self->attach_functor([alive] { --*alive; });
      return {[](int x) { return x + 1; }};
    });
  });
  REQUIRE(fx.start_supervised(spec));
  fx.on_exit([alive] { CHECK(*alive == 0); }); // never sees a half-dead child
}
// [end]

// [example: leak_checked]
TEST_CASE("leak_checked: threads, fds and child processes are counted") {
  testkit::fixture fx{testkit::fixture_options::leak_checked()};
  testkit::child_process sh{{"/bin/sh", "-c", "echo hello"}};
  CHECK(sh.wait_for_line("hello"));
  CHECK(sh.wait_exit() == 0);
  // A thread, fd or process still there at teardown would fail the test, by name.
}
// [end]

// [example: deterministic]
TEST_CASE("deterministic: timers fire when the test advances the clock") {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  auto probe = fx.make_probe();
  fx.spawn([](caf::event_based_actor* self, caf::actor to) -> caf::behavior {
    self->delayed_send(to, std::chrono::hours{1}, std::string{"an hour later"});
    return {[](int) {}};
  }, probe.handle());
  fx.run(); // runs every message that is ready, then returns
  probe.expect_no_message(0ms);
  fx.advance_time(std::chrono::hours{1}); // no real waiting
  CHECK(std::get<0>(probe.expect_message<std::string>()) == "an hour later");
}
// [end]

// [example: full]
TEST_CASE("full: every isolation at once") {
  testkit::fixture fx{testkit::fixture_options::full()};
  auto probe = fx.make_probe();
  auto echo = fx.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  caf::send_as(probe.handle(), echo, 1);
  CHECK(std::get<0>(probe.expect_message<int>()) == 1);
}
// [end]

// [example: shared]
// One store per test binary, in its own actor system: started on the first get() of the run
// (in parallel with the binary's other shared resources), reset before each later test that
// uses it, stopped when the run ends.
using clear_atom = caf::atom_constant<caf::atom("clear")>;

struct store {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor kv = sys.spawn([]() -> caf::behavior {
    auto data = std::make_shared<std::map<std::string, int>>();
    return {
      [data](const std::string& key, int value) { (*data)[key] = value; },
      [data](const std::string& key) { return (*data)[key]; },
      [data](clear_atom) { data->clear(); },
    };
  });
};

testkit::shared_resource<store> shared_store{
  "store",
  [] { return std::make_unique<store>(); },
  [](store& s) { // reset: the next test starts once the store says it is empty
    caf::scoped_actor self{s.sys};
    self->request(s.kv, testkit::default_timeout(), clear_atom::value)
      .receive([] {}, [](caf::error& err) { throw std::runtime_error(caf::to_string(err)); });
  },
  [](store& s) { caf::anon_send_exit(s.kv, caf::exit_reason::user_shutdown); }};

TEST_CASE("shared: tests share one store and never see each other's data") {
  auto& s = shared_store.get(); // before the fixture: leak counts start after the reset
  testkit::fixture fx{testkit::fixture_options::leak_checked()};
  auto probe = fx.make_probe();
  caf::send_as(probe.handle(), s.kv, std::string{"visits"});
  CHECK(std::get<0>(probe.expect_message<int>()) == 0); // another test's visit is gone
  caf::anon_send(s.kv, std::string{"visits"}, 1);
}
// [end]

TEST_CASE("shared: a second test of the store does not see the first one's data") {
  auto& s = shared_store.get();
  testkit::fixture fx;
  auto probe = fx.make_probe();
  caf::send_as(probe.handle(), s.kv, std::string{"visits"});
  CHECK(std::get<0>(probe.expect_message<int>()) == 0);
  caf::anon_send(s.kv, std::string{"visits"}, 2);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("every example of testkit/README.md is one of the examples compiled here") {
  const char* root = std::getenv("KEEL_SOURCE_ROOT");
  std::string base = root != nullptr ? root : ".";
  auto readme = slurp(base + "/testkit/README.md");
  auto self = slurp(base + "/testkit/guide.test.cpp");
  REQUIRE_FALSE(readme.empty());
  size_t examples = 0;
  for (size_t pos = 0; (pos = readme.find("```cpp\n", pos)) != std::string::npos;) {
    auto start = pos + 7;
    auto end = readme.find("```", start);
    REQUIRE(end != std::string::npos);
    auto block = readme.substr(start, end - start);
    INFO("README block:\n" << block);
    CHECK(self.find(block) != std::string::npos);
    ++examples;
    pos = end + 3;
  }
  CHECK(examples == 8); // one per mode, and shared resources
}
