#include "actors/breaker.hpp"
#include "actors/pool_test_worker.hpp"

#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

using namespace keel;
using namespace keel::actors;
using namespace std::chrono_literals;

namespace {

// A callable target: "ok" is answered with "ok", anything else with an error.
// (an int argument: see pool_test_worker.hpp on CAF 0.17, UBSan and argument-less spawns)
caf::behavior flaky_target(int) {
  return {
    [](call_atom, caf::message& m) -> caf::result<reply_atom, caf::message> {
      if (m.match_elements<std::string>() && m.get_as<std::string>(0) == "ok")
        return {reply_atom::value, caf::make_message(std::string{"ok"})};
      return caf::make_error(caf::sec::runtime_error, "target failed");
    },
  };
}

caf::behavior fallback_target(int) {
  return {
    [](call_atom, caf::message&) -> caf::result<reply_atom, caf::message> {
      return {reply_atom::value, caf::make_message(std::string{"from fallback"})};
    },
  };
}

struct bench {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  testkit::probe events = fx.make_probe("events");
  testkit::probe client = fx.make_probe("client");
  caf::actor client_relay = fx.spawn(actors::test::relay, client.handle());
  caf::actor target = fx.spawn_named("target", flaky_target, 0);
  caf::actor breaker;

  void start(breaker_options opts) {
    opts.events = events.handle();
    breaker = spawn_breaker(fx.sys(), std::move(opts), target);
    fx.track(breaker, "breaker");
  }

  // Sends one call and returns the reply (or the error) as a message.
  caf::message call(const std::string& what) {
    caf::anon_send(client_relay, call_atom::value, breaker, caf::make_message(what));
    auto m = client.try_next();
    REQUIRE(m);
    return *m;
  }

  bool ok(const std::string& what) {
    auto m = call(what);
    return m.match_elements<reply_atom, caf::message>();
  }

  caf::error error_of(const std::string& what) {
    auto m = call(what);
    REQUIRE(m.match_elements<actors::test::error_atom, caf::error>());
    return m.get_as<caf::error>(1);
  }

  breaker_event next_event() { return std::get<0>(events.expect_message<breaker_event>()); }

  breaker_stats stats() {
    caf::send_as(client.handle(), breaker, stats_atom::value);
    return std::get<0>(client.expect_message<breaker_stats>());
  }
};

breaker_options count_opts() {
  breaker_options opts;
  opts.name = "b";
  opts.failure_threshold = 3;
  opts.window = 10s;
  opts.open_duration = 5s;
  opts.half_open_probes = 2;
  return opts;
}

} // namespace

TEST_CASE("a breaker opens after failure_threshold failures and rejects calls while open",
          "[breaker]") {
  bench b;
  b.start(count_opts());
  CHECK(b.ok("ok"));
  b.error_of("x");
  b.error_of("x");
  b.events.expect_no_message(0ms);
  CHECK(b.stats().state == breaker_state::closed);
  b.error_of("x");
  auto ev = b.next_event();
  CHECK(ev.from == breaker_state::closed);
  CHECK(ev.to == breaker_state::open);
  CHECK(ev.failures == 3);
  auto err = b.error_of("ok"); // the target would answer, but is not asked
  CHECK(is(err, pool_errc::circuit_open));
  auto st = b.stats();
  CHECK(st.state == breaker_state::open);
  CHECK(st.calls == 4);
  CHECK(st.rejected == 1);
  CHECK(st.opened == 1);
}

TEST_CASE("a breaker goes half-open after open_duration on the virtual clock and closes when "
          "its probes succeed",
          "[breaker]") {
  bench b;
  b.start(count_opts());
  for (int i = 0; i < 3; ++i)
    b.error_of("x");
  CHECK(b.next_event().to == breaker_state::open);
  b.fx.advance_time(4s);
  b.events.expect_no_message(0ms);
  b.fx.advance_time(1s);
  auto half = b.next_event();
  CHECK(half.from == breaker_state::open);
  CHECK(half.to == breaker_state::half_open);
  CHECK(b.ok("ok"));
  b.events.expect_no_message(0ms); // one probe of two
  CHECK(b.ok("ok"));
  auto closed = b.next_event();
  CHECK(closed.from == breaker_state::half_open);
  CHECK(closed.to == breaker_state::closed);
  auto st = b.stats();
  CHECK(st.half_opened == 1);
  CHECK(st.closed == 1);
}

TEST_CASE("a failed probe opens the circuit again", "[breaker]") {
  bench b;
  b.start(count_opts());
  for (int i = 0; i < 3; ++i)
    b.error_of("x");
  CHECK(b.next_event().to == breaker_state::open);
  b.fx.advance_time(5s);
  CHECK(b.next_event().to == breaker_state::half_open);
  b.error_of("x");
  auto ev = b.next_event();
  CHECK(ev.from == breaker_state::half_open);
  CHECK(ev.to == breaker_state::open);
  CHECK(is(b.error_of("ok"), pool_errc::circuit_open));
  b.fx.advance_time(5s);
  CHECK(b.next_event().to == breaker_state::half_open);
}

TEST_CASE("failures older than the window do not open the circuit", "[breaker]") {
  bench b;
  b.start(count_opts());
  b.error_of("x");
  b.error_of("x");
  b.fx.advance_time(11s);
  b.error_of("x");
  b.events.expect_no_message(0ms);
  CHECK(b.stats().state == breaker_state::closed);
}

TEST_CASE("a breaker opens on the failure ratio once min_calls calls are in the window",
          "[breaker]") {
  bench b;
  auto opts = count_opts();
  opts.failure_threshold = 0;
  opts.failure_ratio = 0.5;
  opts.min_calls = 4;
  b.start(opts);
  CHECK(b.ok("ok"));
  b.error_of("x");
  b.error_of("x"); // 2 of 3: not judged yet
  b.events.expect_no_message(0ms);
  CHECK(b.ok("ok")); // 2 of 4 = 0.5
  auto ev = b.next_event();
  CHECK(ev.to == breaker_state::open);
  CHECK(ev.failures == 2);
}

TEST_CASE("a fallback value answers while the circuit is open", "[breaker]") {
  bench b;
  auto opts = count_opts();
  opts.fallback_value = caf::make_message(std::string{"cached"});
  b.start(opts);
  for (int i = 0; i < 3; ++i)
    b.call("x");
  CHECK(b.next_event().to == breaker_state::open);
  auto m = b.call("ok");
  REQUIRE(m.match_elements<reply_atom, caf::message>());
  CHECK(m.get_as<caf::message>(1).get_as<std::string>(0) == "cached");
  auto st = b.stats();
  CHECK(st.rejected == 1);
  CHECK(st.fallbacks == 4); // three failures and one rejection
}

TEST_CASE("a fallback actor is asked while the circuit is open", "[breaker]") {
  bench b;
  auto opts = count_opts();
  opts.fallback_actor = b.fx.spawn_named("fallback", fallback_target, 0);
  b.start(opts);
  for (int i = 0; i < 3; ++i)
    b.call("x");
  CHECK(b.next_event().to == breaker_state::open);
  auto m = b.call("ok");
  REQUIRE(m.match_elements<reply_atom, caf::message>());
  CHECK(m.get_as<caf::message>(1).get_as<std::string>(0) == "from fallback");
}
