// Tests that share one pool of external workers (actors/pool_test_shared.hpp): each starts from
// a pool with every worker ready, idle and checked in, and counters at zero, whatever the test
// before it left behind.
#include "actors/pool.hpp"
#include "actors/pool_test_shared.hpp"
#include "actors/pool_test_worker.hpp"

#include "testkit/fixture.hpp"
#include "testkit/shared.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <set>

using namespace keel;
using namespace keel::actors;

namespace {

testkit::shared_resource<test::shared_echo_pool> echo_pool{
  "actors.echo_pool", [] { return std::make_unique<test::shared_echo_pool>(); },
  [](test::shared_echo_pool& p) { p.reset(); }, [](test::shared_echo_pool& p) { p.stop(); }};

// A test's view of the shared pool: a client probe and a relay in the test's own fixture.
struct pool_client {
  test::shared_echo_pool& ext;
  testkit::fixture& fx;
  testkit::probe client = fx.make_probe("client");
  caf::actor relay = fx.spawn(test::relay, client.handle());

  pool_stats stats() {
    caf::send_as(client.handle(), ext.pool(), stats_atom::value);
    return ext.since_reset(std::get<0>(client.expect_message<pool_stats>()));
  }

  caf::message call(const caf::actor& target, std::string what) {
    caf::anon_send(relay, call_atom::value, target, caf::make_message(std::move(what)));
    auto m = client.try_next();
    REQUIRE(m);
    return *m;
  }

  // What every test finds, whatever ran before it.
  void expect_fresh_pool() {
    auto st = stats();
    CHECK(st.workers == test::shared_echo_pool::size);
    CHECK(st.busy == 0);
    CHECK(st.in_flight == 0);
    CHECK(st.calls == 0);
    CHECK(st.failed == 0);
  }
};

std::string text_of(const caf::message& m) {
  REQUIRE(m.match_elements<reply_atom, caf::message>());
  auto inner = m.get_as<caf::message>(1);
  REQUIRE(inner.match_elements<std::string>());
  return inner.get_as<std::string>(0);
}

} // namespace

TEST_CASE("the shared pool of external workers answers calls and counts them from zero",
          "[port][pool][shared]") {
  auto& ext = echo_pool.get(); // before the fixture: the pool's processes are the baseline
  testkit::fixture fx{testkit::fixture_options::leak_checked()};
  pool_client c{ext, fx};
  c.expect_fresh_pool();
  for (int i = 0; i < 5; ++i)
    CHECK(text_of(c.call(ext.pool(), "n" + std::to_string(i))) == "n" + std::to_string(i));
  CHECK(c.stats().calls == 5);
  // Teardown: no thread, fd or process beyond the shared pool's may be left.
}

TEST_CASE("workers a test checks out of the shared pool and keeps are free again for the next",
          "[port][pool][shared]") {
  auto& ext = echo_pool.get();
  testkit::fixture fx;
  pool_client c{ext, fx};
  c.expect_fresh_pool();
  std::set<caf::actor> workers;
  for (size_t i = 0; i < test::shared_echo_pool::size; ++i) {
    caf::anon_send(c.relay, checkout_atom::value, ext.pool());
    auto [w, lease] = c.client.expect_message<caf::actor, uint64_t>();
    workers.insert(w);
  }
  CHECK(workers.size() == test::shared_echo_pool::size);
  for (auto& w : workers)
    CHECK(text_of(c.call(w, "direct")) == "direct");
  CHECK(c.stats().busy == test::shared_echo_pool::size);
  // Not checked in on purpose: the reset before the next test takes care of it.
}

TEST_CASE("a worker that crashes in one test is back before the next uses the shared pool",
          "[port][pool][shared]") {
  auto& ext = echo_pool.get();
  testkit::fixture fx;
  pool_client c{ext, fx};
  c.expect_fresh_pool();
  // "crash" kills whichever worker gets it, and its retry too: failed back.
  auto m = c.call(ext.pool(), "crash");
  REQUIRE(m.match_elements<test::error_atom, caf::error>());
  CHECK(is(m.get_as<caf::error>(1), pool_errc::worker_died));
  CHECK(c.stats().failed == 1);
  // The test ends with two workers down or restarting: the reset before the next test waits
  // for them or starts a fresh pool.
}
