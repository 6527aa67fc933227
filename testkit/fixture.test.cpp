#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <future>

using namespace keel::testkit;
using namespace std::chrono_literals;

namespace {

/// Short deadlines for the nested fixtures whose failures these tests provoke on purpose.
fixture_options quick_options() {
  fixture_options opts;
  opts.stop_timeout = 200ms;
  opts.kill_timeout = 200ms;
  return opts;
}

/// An actor that sends `name` to `observer` when it gets its exit message, then stops.
caf::behavior reporting_actor(caf::event_based_actor* self, caf::actor observer, std::string name) {
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->send(observer, name);
    self->quit(msg.reason);
  });
  return {
    [](int x) { return x; },
  };
}

/// An actor that ignores every exit message except the kill.
caf::behavior stubborn_actor(caf::event_based_actor* self) {
  self->set_exit_handler([](caf::exit_msg&) {});
  return {
    [](int x) { return x; },
  };
}

} // namespace

TEST_CASE("teardown stops every tracked actor and reports nothing when all obey") {
  fixture fx;
  auto p = fx.make_probe();
  auto a = fx.spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  auto b = fx.spawn([]() -> caf::behavior { return {[](int x) { return x * 2; }}; });
  p.watch(a);
  p.watch(b);
  auto report = fx.teardown();
  CHECK(report.clean());
  CHECK_FALSE(report.system_leaked);
}

TEST_CASE("teardown stops actors in reverse spawn order") {
  fixture fx;
  auto p = fx.make_probe();
  fx.spawn(reporting_actor, p.handle(), std::string{"first"});
  fx.spawn(reporting_actor, p.handle(), std::string{"second"});
  fx.spawn(reporting_actor, p.handle(), std::string{"third"});
  std::vector<std::string> order;
  fx.on_exit([&] {
    while (auto msg = p.try_next(0ms))
      order.emplace_back(msg->get_as<std::string>(0));
  });
  auto report = fx.teardown();
  CHECK(report.clean());
  CHECK(order == std::vector<std::string>{"third", "second", "first"});
}

TEST_CASE("on_exit callbacks run only after every tracked actor is confirmed down") {
  fixture fx;
  auto p = fx.make_probe();
  for (int i = 0; i < 10; ++i)
    fx.spawn(reporting_actor, p.handle(), "worker " + std::to_string(i));
  size_t running_at_exit = 99;
  size_t goodbyes = 0;
  auto* sys = &fx.sys();
  fx.on_exit([&] {
    running_at_exit = sys->registry().running();
    goodbyes = p.pending();
  });
  CHECK(fx.teardown().clean());
  CHECK(running_at_exit == 0);
  CHECK(goodbyes == 10);
}

TEST_CASE("an actor that ignores its exit message is killed and named in the report") {
  fixture nested{quick_options()};
  auto hdl = nested.spawn_named("stubborn", stubborn_actor);
  auto id = hdl.id();
  auto report = nested.teardown();
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0],
             Catch::Contains("actor #" + std::to_string(id) + " 'stubborn' did not stop within"));
  CHECK_THAT(report.problems[0], Catch::Contains("was killed"));
  CHECK_FALSE(report.system_leaked);
}

TEST_CASE("teardown cannot hang on an actor that never reads its mailbox") {
  std::promise<void> release;
  auto released = release.get_future().share();
  fixture nested{quick_options()};
  auto hdl = nested.sys().spawn(
    [released](caf::blocking_actor*) { released.wait(); });
  nested.track(hdl, "blocked");
  auto report = nested.teardown();
  release.set_value(); // lets the blocked actor's thread finish
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Catch::Contains("'blocked' did not stop, not even when killed"));
  CHECK(report.system_leaked);
}

TEST_CASE("an actor the test did not hand to the kit is reported as a leak") {
  fixture nested{quick_options()};
  // The tracked parent spawns a child it neither links nor stops, and hands it out (CAF stops
  // actors that nobody can reach, so a real leak is one still referenced somewhere).
  auto parent = nested.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](int) { return self->spawn([]() -> caf::behavior { return {[](int x) { return x; }}; }); }};
  });
  caf::actor child;
  {
    caf::scoped_actor self{nested.sys(), true};
    self->request(parent, caf::infinite, 7).receive([&](caf::actor& x) { child = x; },
                                                    [](caf::error&) {});
  }
  REQUIRE(child);
  auto report = nested.teardown();
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Catch::Contains("1 actor(s) still running that the test did not "
                                                 "spawn through the fixture"));
  CHECK(report.system_leaked);
}

TEST_CASE("teardown is idempotent and returns the first report") {
  fixture nested{quick_options()};
  nested.spawn_named("stubborn", stubborn_actor);
  auto first = nested.teardown();
  auto second = nested.teardown();
  CHECK(first.problems == second.problems);
  CHECK(first.problems.size() == 1);
}

TEST_CASE("deterministic mode runs nothing until the test says so") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe();
  auto echo = fx.spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  caf::anon_send(echo, 41);
  // The message is queued but not handled yet.
  CHECK(fx.sched().has_job());
  fx.run();
  caf::send_as(p.handle(), echo, 1);
  auto [x] = p.expect_message<int>();
  CHECK(x == 2);
  CHECK(fx.teardown().clean());
}

TEST_CASE("deterministic mode fires timers only when the virtual clock advances") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe();
  fx.spawn([](caf::event_based_actor* self, caf::actor observer) -> caf::behavior {
    self->delayed_send(observer, std::chrono::seconds{10}, std::string{"tick"});
    return {[](int x) { return x; }};
  }, p.handle());
  fx.run();
  p.expect_no_message(0ms);
  fx.advance_time(std::chrono::seconds{9});
  p.expect_no_message(0ms);
  fx.advance_time(std::chrono::seconds{1});
  auto [tick] = p.expect_message<std::string>();
  CHECK(tick == "tick");
  CHECK(fx.teardown().clean());
}

TEST_CASE("deterministic teardown kills and names an actor that ignores its exit") {
  fixture nested{fixture_options{mode::deterministic}};
  auto hdl = nested.spawn_named("stubborn", stubborn_actor);
  nested.run();
  auto report = nested.teardown();
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Catch::Contains("'stubborn' did not stop on its exit message"));
  CHECK_FALSE(report.system_leaked);
}
