#include "runtime/metrics_subscriber.hpp"

#include "runtime/metrics_text_parser.test.hpp"
#include "supervision/atoms.hpp"
#include "supervision/events.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

using namespace keel;
using namespace keel::runtime;

namespace {

// Returns once every event the bus received so far has been counted by `sub`: the bus answers
// a request only after its earlier fan-outs, and the subscriber answers get_atom only after the
// events queued before it.
void settle(caf::actor_system& sys, const caf::actor& bus, const caf::actor& sub) {
  caf::scoped_actor self{sys};
  bool bus_done = false;
  self->request(bus, testkit::default_timeout(), supervision::unsubscribe_atom::value, caf::actor{})
      .receive([&]() { bus_done = true; }, [](caf::error&) {});
  REQUIRE(bus_done);
  bool sub_done = false;
  self->request(sub, testkit::default_timeout(), caf::get_atom::value)
      .receive([&]() { sub_done = true; }, [](caf::error&) {});
  REQUIRE(sub_done);
}

} // namespace

TEST_CASE("each supervision event type is counted under its metric") {
  metrics_registry reg;
  supervision::event ev;
  ev.supervisor = "shards";
  ev.child = "shard-3";
  for (auto type :
       {supervision::event_type::child_started, supervision::event_type::child_exited,
        supervision::event_type::child_restarting, supervision::event_type::child_restarting,
        supervision::event_type::child_start_failed, supervision::event_type::gave_up,
        supervision::event_type::shutting_down, supervision::event_type::supervisor_ready}) {
    ev.type = type;
    record_event(reg, ev);
  }
  auto parsed = test::parse_prometheus_text(reg.render_prometheus());
  REQUIRE(parsed.error.empty());
  std::map<std::string, std::string> child{{"supervisor", "shards"}, {"child", "shard-3"}};
  CHECK(parsed.value("keel_supervisor_child_starts_total", child) == 1);
  CHECK(parsed.value("keel_supervisor_child_exits_total", child) == 1);
  CHECK(parsed.value("keel_supervisor_restarts_total", child) == 2);
  CHECK(parsed.value("keel_supervisor_start_failures_total", child) == 1);
  CHECK(parsed.value("keel_supervisor_gave_up_total", {{"supervisor", "shards"}}) == 1);
  CHECK(parsed.types.size() == 5);
}

TEST_CASE("the metrics subscriber counts a restart published on the event bus") {
  metrics_registry reg; // outlives the fixture, hence the subscriber
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  auto sub = spawn_metrics_subscriber(fx.sys(), reg, fx.events());
  fx.track(sub, "metrics subscriber");
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
  fx.await_restart("test_root", "worker");
  settle(fx.sys(), fx.events(), sub);
  auto parsed = test::parse_prometheus_text(reg.render_prometheus());
  REQUIRE(parsed.error.empty());
  std::map<std::string, std::string> labels{{"supervisor", "test_root"}, {"child", "worker"}};
  CHECK(parsed.value("keel_supervisor_restarts_total", labels) == 1);
  CHECK(parsed.value("keel_supervisor_child_exits_total", labels) == 1);
  CHECK(parsed.value("keel_supervisor_child_starts_total", labels) == 2);
}

TEST_CASE("the metrics subscriber stops when its event bus goes down") {
  metrics_registry reg;
  testkit::fixture fx;
  auto bus = supervision::spawn_event_bus(fx.sys());
  fx.track(bus, "bus");
  auto sub = spawn_metrics_subscriber(fx.sys(), reg, bus);
  fx.track(sub, "metrics subscriber");
  auto probe = fx.make_probe();
  probe.watch(sub);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  CHECK(!probe.expect_terminated(sub));
}
