// Backoff between restarts, checked on CAF's virtual clock (never by waiting).
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

namespace {

struct backoff_setup {
  fixture fx{fixture_options{mode::deterministic}};
  keel::testkit::probe p = fx.make_probe("p");
  caf::actor sup;

  explicit backoff_setup(size_t intensity) {
    supervisor_options opts;
    opts.name = "s";
    opts.events = p.handle();
    opts.flags.intensity = intensity;
    opts.flags.period = seconds{60};
    opts.random = [] { return 0.5; }; // injected: exact delays
    auto spec = worker_spec("a");
    spec.backoff = backoff_spec{milliseconds{100}, milliseconds{1000}, 0.2, seconds{10}};
    opts.children.push_back(std::move(spec));
    sup = spawn_ready(fx, p, std::move(opts));
  }

  // Crashes the current incarnation; returns the announced delay.
  milliseconds crash_current() {
    auto a = actor_of(await_event(p, event_type::child_started, "a"));
    crash(a);
    return await_event(p, event_type::child_restarting, "a").delay;
  }

  // The restart happens exactly after `d` of virtual time, not a millisecond earlier.
  void expect_restart_after(milliseconds d) {
    fx.advance_time(d - milliseconds{1});
    p.expect_no_message(milliseconds{1});
    fx.advance_time(milliseconds{1});
  }
};

} // namespace

TEST_CASE("backoff delays grow exponentially with jitter and are kept exactly",
          "[supervision][backoff]") {
  backoff_setup s{20};
  for (auto want : {110, 220, 440, 880, 1100, 1100}) {
    auto d = s.crash_current();
    CHECK(d == milliseconds{want});
    s.expect_restart_after(d);
  }
}

TEST_CASE("backoff resets after the child stayed up for reset_after",
          "[supervision][backoff]") {
  backoff_setup s{20};
  auto d = s.crash_current();
  s.expect_restart_after(d);
  d = s.crash_current();
  CHECK(d == milliseconds{220});
  s.expect_restart_after(d);
  auto a = actor_of(await_event(s.p, event_type::child_started, "a"));
  s.fx.advance_time(seconds{10});
  crash(a);
  CHECK(await_event(s.p, event_type::child_restarting, "a").delay == milliseconds{110});
}

TEST_CASE("restarts in backoff count toward the intensity", "[supervision][backoff]") {
  backoff_setup s{2};
  s.p.watch(s.sup);
  s.expect_restart_after(s.crash_current());
  s.expect_restart_after(s.crash_current());
  auto a = actor_of(await_event(s.p, event_type::child_started, "a"));
  crash(a);
  auto ev = await_event(s.p, event_type::gave_up, "a");
  CHECK(is(ev.reason, errc::intensity_exceeded));
  CHECK(is(s.p.expect_terminated(s.sup), errc::intensity_exceeded));
}

TEST_CASE("after a failed restart the next try waits 1, 2, 4 ms ...; a good start resets it",
          "[supervision][backoff]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto p = fx.make_probe("p");
  auto broken = std::make_shared<bool>(false);
  supervisor_options opts;
  opts.name = "s";
  opts.events = p.handle();
  opts.flags.intensity = 20;
  opts.flags.period = seconds{60};
  auto spec = worker_spec("a");
  spec.start = [broken, good = worker()](const start_context& ctx) -> caf::expected<caf::actor> {
    if (*broken)
      return make_error(errc::start_failed, "a needs something that is not back yet");
    return good(ctx);
  };
  opts.children.push_back(std::move(spec));
  auto sup = spawn_ready(fx, p, std::move(opts));
  auto a = actor_of(await_event(p, event_type::child_started, "a"));
  *broken = true;
  crash(a);
  CHECK(await_event(p, event_type::child_restarting, "a").delay == milliseconds{0});
  for (auto want : {1, 2, 4}) {
    await_event(p, event_type::child_start_failed, "a");
    auto d = await_event(p, event_type::child_restarting, "a").delay;
    CHECK(d == milliseconds{want});
    fx.advance_time(d - milliseconds{1});
    p.expect_no_message(milliseconds{1}); // not a millisecond early
    if (want == 4)
      *broken = false;
    fx.advance_time(milliseconds{1});
  }
  a = actor_of(await_event(p, event_type::child_started, "a"));
  crash(a);
  CHECK(await_event(p, event_type::child_restarting, "a").delay == milliseconds{0});
  (void) sup;
}
