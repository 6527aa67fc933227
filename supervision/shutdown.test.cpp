// Shutdown policies: brutal_kill, timeout (kill after it) and infinity, on a virtual clock.
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;
using keel::testkit::fixture_options;
using keel::testkit::mode;
using std::chrono::milliseconds;

namespace {

// A deterministic supervisor with one child "x" that ignores exit messages, under `pol`.
struct setup {
  fixture fx{fixture_options{mode::deterministic}};
  keel::testkit::probe p = fx.make_probe("p");
  caf::actor sup;
  caf::actor x;

  explicit setup(shutdown_policy pol, bool ignore_exit = true) {
    supervisor_options opts;
    opts.name = "s";
    opts.events = p.handle();
    worker_options wo;
    wo.ignore_exit = ignore_exit;
    auto spec = worker_spec("x", wo);
    spec.shutdown = pol;
    opts.children.push_back(std::move(spec));
    sup = spawn_ready(fx, p, std::move(opts));
    x = actor_of(await_event(p, event_type::child_started, "x"));
    await_event(p, event_type::supervisor_ready);
  }
};

} // namespace

TEST_CASE("brutal_kill kills the child at once", "[supervision][shutdown]") {
  setup s{shutdown_policy::brutal_kill()};
  caf::anon_send(s.sup, terminate_child_atom::value, std::string{"x"});
  auto ev = await_event(s.p, event_type::child_exited, "x");
  CHECK(ev.reason == caf::exit_reason::kill);
}

TEST_CASE("a child that ignores its shutdown is killed when the timeout expires",
          "[supervision][shutdown]") {
  setup s{shutdown_policy::timeout(milliseconds{500})};
  caf::anon_send(s.sup, terminate_child_atom::value, std::string{"x"});
  s.fx.run();
  s.fx.advance_time(milliseconds{499});
  s.p.expect_no_message(milliseconds{1});
  s.fx.advance_time(milliseconds{1});
  auto ev = await_event(s.p, event_type::child_exited, "x");
  CHECK(ev.reason == caf::exit_reason::kill);
}

TEST_CASE("a child that stops within its shutdown timeout exits with user_shutdown",
          "[supervision][shutdown]") {
  setup s{shutdown_policy::timeout(milliseconds{500}), false};
  caf::anon_send(s.sup, terminate_child_atom::value, std::string{"x"});
  auto ev = await_event(s.p, event_type::child_exited, "x");
  CHECK(ev.reason == caf::exit_reason::user_shutdown);
}

TEST_CASE("shutdown infinity waits as long as the child takes", "[supervision][shutdown]") {
  setup s{shutdown_policy::infinity()};
  caf::anon_send(s.sup, terminate_child_atom::value, std::string{"x"});
  s.fx.run();
  s.fx.advance_time(std::chrono::hours{24});
  s.p.expect_no_message(milliseconds{1});
  crash(s.x, caf::exit_reason::user_shutdown); // the child finally finishes
  auto ev = await_event(s.p, event_type::child_exited, "x");
  CHECK(ev.reason == caf::exit_reason::user_shutdown);
}

TEST_CASE("stopping a supervisor stops its children in reverse order",
          "[supervision][shutdown]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe("p");
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  for (auto id : {"a", "b", "c"})
    opts.children.push_back(worker_spec(id));
  auto sup = spawn_ready(fx, p, std::move(opts));
  await_event(p, event_type::supervisor_ready);
  p.watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  CHECK(next_event(p).type == event_type::shutting_down);
  CHECK(next_event(p).child == "c");
  CHECK(next_event(p).child == "b");
  CHECK(next_event(p).child == "a");
  CHECK(p.expect_terminated(sup) == caf::exit_reason::user_shutdown);
}

TEST_CASE("a child killed from outside is restarted and its supervisor lives on",
          "[supervision][shutdown]") {
  fixture fx;
  auto p = fx.make_probe("p");
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  opts.children.push_back(worker_spec("x"));
  auto sup = spawn_ready(fx, p, std::move(opts));
  auto x = actor_of(await_event(p, event_type::child_started, "x"));
  p.watch(sup);
  caf::anon_send_exit(x, caf::exit_reason::kill); // untrappable in CAF; OTP's `killed`
  auto exited = await_event(p, event_type::child_exited, "x");
  CHECK(exited.reason == caf::exit_reason::kill);
  auto again = actor_of(await_event(p, event_type::child_started, "x"));
  CHECK(again != x);
  CHECK_FALSE(p.try_terminated(sup, milliseconds{0}).has_value());
}

TEST_CASE("a supervisor that is killed takes its children with it", "[supervision][shutdown]") {
  fixture fx;
  auto p = fx.make_probe("p");
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  opts.children.push_back(worker_spec("x"));
  opts.children.push_back(worker_spec("y"));
  auto sup = spawn_ready(fx, p, std::move(opts));
  auto x = actor_of(await_event(p, event_type::child_started, "x"));
  auto y = actor_of(await_event(p, event_type::child_started, "y"));
  p.watch(x);
  p.watch(y);
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  CHECK(p.expect_terminated(x) == caf::exit_reason::kill);
  CHECK(p.expect_terminated(y) == caf::exit_reason::kill);
}

TEST_CASE("a simple_one_for_one supervisor stops all its children at once",
          "[supervision][shutdown]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe("p");
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  opts.flags.strategy = restart_strategy::simple_one_for_one;
  worker_options wo;
  wo.ignore_exit = true; // each one holds its stop until the timeout kills it
  auto spec = worker_spec("w", wo);
  spec.shutdown = shutdown_policy::timeout(milliseconds{500});
  opts.children.push_back(std::move(spec));
  auto sup = spawn_ready(fx, p, std::move(opts));
  await_event(p, event_type::supervisor_ready);
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(sup, start_child_atom::value, caf::make_message(i));
    await_event(p, event_type::child_started);
  }
  p.watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  CHECK(next_event(p).type == event_type::shutting_down);
  fx.run();
  // One timeout covers all three: in reverse order, the second child would get its exit only
  // after the first was killed, and its own 500 ms would start then.
  fx.advance_time(milliseconds{500});
  std::set<std::string> killed;
  for (int i = 0; i < 3; ++i) {
    auto ev = await_event(p, event_type::child_exited);
    CHECK(ev.reason == caf::exit_reason::kill);
    killed.insert(ev.child);
  }
  CHECK(killed == std::set<std::string>{"w#1", "w#2", "w#3"});
  CHECK(p.expect_terminated(sup) == caf::exit_reason::user_shutdown);
}
