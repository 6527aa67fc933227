#include "testkit/probe.hpp"

#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

using namespace keel::testkit;
using namespace std::chrono_literals;

namespace {

caf::behavior echo_actor() {
  return {
    [](int x) { return x; },
    [](const std::string& s, int n) { return caf::make_message(s, n); },
  };
}

} // namespace

TEST_CASE("expect_message returns the typed elements of the next message") {
  fixture fx;
  auto p = fx.make_probe();
  auto echo = fx.spawn(echo_actor);
  caf::send_as(p.handle(), echo, std::string{"answer"}, 42);
  auto [s, n] = p.expect_message<std::string, int>();
  CHECK(s == "answer");
  CHECK(n == 42);
}

TEST_CASE("try_next gives nothing when no message arrives before the deadline") {
  fixture fx;
  auto p = fx.make_probe();
  CHECK_FALSE(p.try_next(10ms).has_value());
  CHECK(p.pending() == 0);
}

TEST_CASE("messages reach the probe in the order they were sent") {
  fixture fx;
  auto p = fx.make_probe();
  for (int i = 0; i < 100; ++i)
    caf::anon_send(p.handle(), i);
  for (int i = 0; i < 100; ++i) {
    auto [x] = p.expect_message<int>();
    REQUIRE(x == i);
  }
  p.expect_no_message(10ms);
}

TEST_CASE("fish_for skips messages until one matches") {
  fixture fx;
  auto p = fx.make_probe();
  caf::anon_send(p.handle(), 1);
  caf::anon_send(p.handle(), std::string{"noise"});
  caf::anon_send(p.handle(), 3);
  auto msg = p.fish_for([](const caf::message& m) {
    return m.match_elements<int>() && m.get_as<int>(0) == 3;
  });
  CHECK(msg.get_as<int>(0) == 3);
  CHECK(p.pending() == 0);
}

TEST_CASE("expect_terminated returns the exit reason of the watched actor") {
  fixture fx;
  auto p = fx.make_probe();
  auto victim = fx.spawn(echo_actor);
  p.watch(victim);
  caf::anon_send_exit(victim, caf::exit_reason::user_shutdown);
  auto reason = p.expect_terminated(victim);
  CHECK(reason == caf::exit_reason::user_shutdown);
}

TEST_CASE("expect_terminated sees an actor that stopped before it was watched") {
  fixture fx;
  auto p = fx.make_probe();
  auto victim = fx.spawn([](caf::event_based_actor* self) -> caf::behavior {
    self->quit(caf::exit_reason::normal);
    return {};
  });
  // Monitoring a terminated actor yields a down message at once (reason: unknown or normal).
  CHECK(p.try_terminated(victim).has_value());
}

TEST_CASE("try_terminated gives nothing for an actor that keeps running") {
  fixture fx;
  auto p = fx.make_probe();
  auto alive = fx.spawn(echo_actor);
  CHECK_FALSE(p.try_terminated(alive, 20ms).has_value());
}

TEST_CASE("timeouts scale with KEEL_TEST_TIME_FACTOR") {
  auto factor = time_factor();
  CHECK(factor > 0);
  CHECK(scaled(1000ms).count() == static_cast<int64_t>(1000 * factor));
  CHECK(default_timeout() == scaled(5000ms));
}
