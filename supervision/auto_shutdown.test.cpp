// Significant children and auto_shutdown.
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;

namespace {

child_spec significant(std::string id) {
  auto spec = worker_spec(std::move(id));
  spec.restart = restart_type::transient;
  spec.significant = true;
  return spec;
}

struct sig_tree {
  fixture fx;
  keel::testkit::probe events = fx.make_probe("events");
  caf::actor sup;
  std::map<std::string, caf::actor> kids;

  explicit sig_tree(auto_shutdown_policy policy) {
    supervisor_options opts;
    opts.name = "s";
    opts.events = events.handle();
    opts.flags.auto_shutdown = policy;
    opts.children.push_back(worker_spec("plain"));
    opts.children.push_back(significant("sig1"));
    opts.children.push_back(significant("sig2"));
    auto res = start_supervisor(fx.sys(), std::move(opts));
    REQUIRE(res);
    sup = *res;
    fx.track(sup, "s");
    for (int i = 0; i < 3; ++i) {
      auto ev = await_event(events, event_type::child_started);
      kids[ev.child] = actor_of(ev);
    }
    await_event(events, event_type::supervisor_ready);
    events.watch(sup);
  }
};

} // namespace

TEST_CASE("any_significant: the supervisor stops when a significant child exits normally",
          "[supervision][auto_shutdown]") {
  sig_tree t{auto_shutdown_policy::any_significant};
  crash(t.kids["sig2"], caf::exit_reason::normal);
  auto ev = await_event(t.events, event_type::shutting_down);
  CHECK(is(ev.reason, errc::auto_shutdown));
  CHECK(is(t.events.expect_terminated(t.sup), errc::auto_shutdown));
}

TEST_CASE("all_significant: the supervisor stops when the last significant child exits",
          "[supervision][auto_shutdown]") {
  sig_tree t{auto_shutdown_policy::all_significant};
  crash(t.kids["sig1"], caf::exit_reason::normal);
  await_event(t.events, event_type::child_exited, "sig1");
  supervisor_client client{t.fx.sys(), t.sup};
  auto counts = client.count_children(); // the decision was taken: still alive
  REQUIRE(counts);
  CHECK(counts->active == 2);
  crash(t.kids["sig2"], caf::exit_reason::normal);
  auto ev = await_event(t.events, event_type::shutting_down);
  CHECK(is(ev.reason, errc::auto_shutdown));
  CHECK(is(t.events.expect_terminated(t.sup), errc::auto_shutdown));
}

TEST_CASE("a significant transient child that crashes is restarted, not a shutdown",
          "[supervision][auto_shutdown]") {
  sig_tree t{auto_shutdown_policy::any_significant};
  crash(t.kids["sig1"]);
  auto ev = next_event(t.events);
  CHECK(ev.type == event_type::child_exited);
  CHECK(next_event(t.events).type == event_type::child_restarting);
  CHECK(next_event(t.events).type == event_type::child_started);
}

TEST_CASE("auto_shutdown never rejects significant children", "[supervision][auto_shutdown]") {
  fixture fx;
  supervisor_options opts;
  opts.children.push_back(significant("sig"));
  auto res = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::invalid_child_spec));
}
