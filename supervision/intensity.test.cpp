// Restart intensity: giving up, stopping in reverse order, and escalation up the tree.
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;
using keel::testkit::fixture_options;
using keel::testkit::mode;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("exceeding the intensity stops the children in reverse order and exits",
          "[supervision][intensity]") {
  fixture fx;
  auto events = fx.make_probe("events");
  auto watcher = fx.make_probe("watcher");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle(); // default intensity: 1 restart in 5 s
  for (auto id : {"a", "b", "c"})
    opts.children.push_back(worker_spec(id));
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "s");
  watcher.watch(*sup);
  auto a = actor_of(await_event(events, event_type::child_started, "a"));
  crash(a);
  a = actor_of(await_event(events, event_type::child_started, "a"));
  crash(a); // the second restart within 5 s is one too many
  CHECK(await_event(events, event_type::child_exited, "a").reason == caf::sec::runtime_error);
  auto gave_up = next_event(events);
  CHECK(gave_up.type == event_type::gave_up);
  CHECK(is(gave_up.reason, errc::intensity_exceeded));
  CHECK(next_event(events).type == event_type::shutting_down);
  auto c = next_event(events);
  CHECK((c.type == event_type::child_exited && c.child == "c"));
  CHECK(c.reason == caf::exit_reason::user_shutdown);
  auto b = next_event(events);
  CHECK((b.type == event_type::child_exited && b.child == "b"));
  auto reason = watcher.expect_terminated(*sup);
  CHECK(is(reason, errc::intensity_exceeded));
  CHECK_THAT(describe(reason), Catch::Contains("child 'a'"));
}

TEST_CASE("restarts older than the period do not count (virtual clock)",
          "[supervision][intensity]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe("p");
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  opts.flags.intensity = 1;
  opts.flags.period = seconds{5};
  opts.children.push_back(worker_spec("a"));
  auto sup = spawn_ready(fx, p, std::move(opts));
  for (int i = 0; i < 3; ++i) {
    auto a = actor_of(await_event(p, event_type::child_started, "a"));
    fx.advance_time(seconds{6});
    crash(a);
    await_event(p, event_type::child_restarting, "a");
  }
  // The last restart was at the current virtual time: one more now is two within 5 s.
  auto a = actor_of(await_event(p, event_type::child_started, "a"));
  crash(a);
  await_event(p, event_type::gave_up, "a");
}

TEST_CASE("a supervisor that gives up escalates through three nested levels",
          "[supervision][intensity]") {
  fixture fx;
  auto bus = spawn_event_bus(fx.sys());
  fx.track(bus, "bus");
  auto events = fx.make_probe("events");
  caf::anon_send(bus, subscribe_atom::value, events.handle());
  auto watcher = fx.make_probe("watcher");
  auto level = [&](std::string name, child_spec child) {
    supervisor_options o;
    o.name = std::move(name);
    o.events = bus;
    o.flags.intensity = 0; // any restart is one too many
    o.children.push_back(worker_spec("sibling"));
    o.children.push_back(std::move(child));
    return o;
  };
  auto l3 = level("l3", worker_spec("worker"));
  auto l2 = level("l2", supervisor_child("l3", l3));
  auto l1 = level("l1", supervisor_child("l2", l2));
  auto sup = start_supervisor(fx.sys(), std::move(l1));
  REQUIRE(sup);
  fx.track(*sup, "l1");
  watcher.watch(*sup);
  auto worker = actor_of(await_event(events, event_type::child_started, "worker", "l3"));
  await_event(events, event_type::supervisor_ready, "", "l1");
  crash(worker);
  auto g3 = await_event(events, event_type::gave_up);
  CHECK(g3.supervisor == "l3");
  auto exit3 = await_event(events, event_type::child_exited, "l3", "l2");
  CHECK(is(exit3.reason, errc::intensity_exceeded));
  auto g2 = await_event(events, event_type::gave_up);
  CHECK(g2.supervisor == "l2");
  auto exit2 = await_event(events, event_type::child_exited, "l2", "l1");
  CHECK(is(exit2.reason, errc::intensity_exceeded));
  auto g1 = await_event(events, event_type::gave_up);
  CHECK(g1.supervisor == "l1");
  auto reason = watcher.expect_terminated(*sup);
  CHECK(is(reason, errc::intensity_exceeded));
}
