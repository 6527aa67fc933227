// Each strategy with three or more children: who is restarted, in which order.
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/introspection.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <utility>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;
using keel::testkit::probe;

namespace {

using expected_events = std::vector<std::pair<event_type, std::string>>;

void expect_events(probe& p, const expected_events& want) {
  for (auto& [type, child] : want) {
    auto ev = next_event(p);
    INFO("expected " << to_string(type) << " " << child << ", got " << to_string(ev));
    CHECK(ev.type == type);
    CHECK(ev.child == child);
  }
}

struct tree {
  fixture fx;
  probe events = fx.make_probe("events");
  probe observer = fx.make_probe("observer");
  caf::actor sup;
  std::map<std::string, caf::actor> current;

  tree(restart_strategy strategy, std::vector<std::string> ids) {
    supervisor_options opts;
    opts.name = "s";
    opts.flags.strategy = strategy;
    opts.flags.intensity = 10;
    opts.events = events.handle();
    for (auto& id : ids)
      opts.children.push_back(worker_spec(id, {observer.handle()}));
    auto res = start_supervisor(fx.sys(), std::move(opts));
    REQUIRE(res);
    sup = *res;
    fx.track(sup, "s");
    for (auto& id : ids) {
      auto ev = next_event(events);
      REQUIRE(ev.type == event_type::child_started);
      REQUIRE(ev.child == id);
      current[id] = actor_of(ev);
    }
    CHECK(next_event(events).type == event_type::supervisor_ready);
  }

  caf::actor handle_of(const std::string& id) { return child_handle(fx.sys(), sup, id); }
};

} // namespace

TEST_CASE("one_for_one restarts only the crashed child", "[supervision][strategy]") {
  tree t{restart_strategy::one_for_one, {"a", "b", "c", "d"}};
  crash(t.current["b"]);
  expect_events(t.events, {{event_type::child_exited, "b"},
                           {event_type::child_restarting, "b"},
                           {event_type::child_started, "b"}});
  CHECK(t.handle_of("a") == t.current["a"]);
  CHECK(t.handle_of("c") == t.current["c"]);
  CHECK(t.handle_of("d") == t.current["d"]);
  CHECK(t.handle_of("b") != t.current["b"]);
}

TEST_CASE("one_for_all stops the others in reverse order and restarts all in order",
          "[supervision][strategy]") {
  tree t{restart_strategy::one_for_all, {"a", "b", "c", "d"}};
  crash(t.current["b"]);
  expect_events(t.events, {{event_type::child_exited, "b"},
                           {event_type::child_exited, "d"},
                           {event_type::child_exited, "c"},
                           {event_type::child_exited, "a"},
                           {event_type::child_restarting, "a"},
                           {event_type::child_restarting, "b"},
                           {event_type::child_restarting, "c"},
                           {event_type::child_restarting, "d"},
                           {event_type::child_started, "a"},
                           {event_type::child_started, "b"},
                           {event_type::child_started, "c"},
                           {event_type::child_started, "d"}});
  for (auto id : {"a", "b", "c", "d"})
    CHECK(t.handle_of(id) != t.current[id]);
}

TEST_CASE("rest_for_one restarts the crashed child and the ones started after it",
          "[supervision][strategy]") {
  tree t{restart_strategy::rest_for_one, {"a", "b", "c", "d"}};
  crash(t.current["b"]);
  expect_events(t.events, {{event_type::child_exited, "b"},
                           {event_type::child_exited, "d"},
                           {event_type::child_exited, "c"},
                           {event_type::child_restarting, "b"},
                           {event_type::child_restarting, "c"},
                           {event_type::child_restarting, "d"},
                           {event_type::child_started, "b"},
                           {event_type::child_started, "c"},
                           {event_type::child_started, "d"}});
  CHECK(t.handle_of("a") == t.current["a"]);
  for (auto id : {"b", "c", "d"})
    CHECK(t.handle_of(id) != t.current[id]);
}

TEST_CASE("simple_one_for_one starts dynamic children in parallel and restarts them alone",
          "[supervision][strategy]") {
  fixture fx;
  auto events = fx.make_probe("events");
  auto observer = fx.make_probe("observer");
  supervisor_options opts;
  opts.name = "pool";
  opts.flags.strategy = restart_strategy::simple_one_for_one;
  opts.flags.intensity = 10;
  opts.events = events.handle();
  worker_options wo;
  wo.observer = observer.handle();
  wo.wait_for_go = true;
  opts.children.push_back(worker_spec("w", wo));
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "pool");
  // Three start requests; none of the children reports ready before all three began.
  for (int i = 0; i < 3; ++i)
    caf::anon_send(*sup, start_child_atom::value, caf::make_message(i));
  std::map<std::string, caf::actor> kids;
  for (int i = 0; i < 3; ++i) {
    auto [tag, id, hdl] = observer.expect_message<hello_atom, std::string, caf::actor>();
    kids[id] = hdl;
  }
  for (auto& k : kids)
    caf::anon_send(k.second, go_atom::value);
  std::set<std::string> started;
  for (int i = 0; i < 3; ++i)
    started.insert(await_event(events, event_type::child_started).child);
  CHECK(started == std::set<std::string>{"w#1", "w#2", "w#3"});
  // A crash restarts that child only (it waits for go again).
  crash(kids["w#2"]);
  auto ev = await_event(events, event_type::child_exited);
  CHECK(ev.child == "w#2");
  observer.expect_message<gone_atom, std::string, caf::error>();
  auto [tag, id, hdl] = observer.expect_message<hello_atom, std::string, caf::actor>();
  CHECK(id == "w#2");
  caf::anon_send(hdl, go_atom::value);
  CHECK(await_event(events, event_type::child_started).child == "w#2");
  supervisor_client client{fx.sys(), *sup};
  auto counts = client.count_children();
  REQUIRE(counts);
  CHECK(counts->specs == 3);
  CHECK(counts->active == 3);
}
