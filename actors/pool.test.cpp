#include "actors/pool.hpp"
#include "actors/pool_test_worker.hpp"

#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <set>

using namespace keel;
using namespace keel::actors;
using namespace std::chrono_literals;

namespace {

bool is_event(const caf::message& m, supervision::event_type t) {
  return m.match_elements<supervision::event>() && m.get_as<supervision::event>(0).type == t;
}

// Spawns a pool that reports ready (or init failure) to `p`, tracked by `fx`.
caf::actor spawn_tracked_pool(testkit::fixture& fx, testkit::probe& p, pool_options opts,
                              supervision::start_fn worker) {
  auto pool = spawn_pool(fx.sys(), std::move(opts), std::move(worker),
                         supervision::start_context{fx.sys(), p.handle(), "pool", 7});
  fx.track(pool, "pool");
  return pool;
}

pool_stats stats_of(testkit::probe& client, const caf::actor& pool) {
  caf::send_as(client.handle(), pool, stats_atom::value);
  return std::get<0>(client.expect_message<pool_stats>());
}

} // namespace

TEST_CASE("a pool starts all its workers in parallel and is ready when they are", "[pool]") {
  testkit::fixture fx;
  auto p = fx.make_probe("observer");
  pool_options opts;
  opts.name = "par";
  opts.size = 4;
  opts.events = p.handle();
  test::worker_options wo;
  wo.observer = p.handle();
  wo.wait_for_go = true; // no worker is ready until the test releases it
  spawn_tracked_pool(fx, p, opts, test::test_worker(wo));
  // All four spawn while none is ready: a sequential start would stop after the first.
  std::vector<caf::actor> workers;
  std::vector<std::string> order;
  while (workers.size() < 4) {
    auto m = p.fish_for([](const caf::message& m) {
      return m.match_elements<test::spawned_atom, std::string, caf::actor>()
             || m.match_element<supervision::event>(0);
    });
    if (m.match_elements<test::spawned_atom, std::string, caf::actor>()) {
      workers.push_back(m.get_as<caf::actor>(2));
      order.push_back("spawned");
    } else if (m.get_as<supervision::event>(0).type == supervision::event_type::child_started) {
      order.push_back("started");
    }
  }
  for (auto& w : workers)
    caf::anon_send(w, test::go_atom::value);
  size_t started = 0;
  bool ready = false;
  while (!ready) {
    auto m = p.fish_for([](const caf::message& m) {
      return m.match_elements<supervision::ready_atom, uint64_t>()
             || is_event(m, supervision::event_type::child_started);
    });
    if (m.match_elements<supervision::ready_atom, uint64_t>()) {
      ready = true;
    } else {
      ++started;
      order.push_back("started");
    }
  }
  CHECK(started == 4);
  // Every spawn precedes the first ready (child_started) event.
  REQUIRE(order.size() == 8);
  for (size_t i = 0; i < 4; ++i)
    CHECK(order[i] == "spawned");
}

TEST_CASE("a pool is ready once min_ready workers are", "[pool]") {
  testkit::fixture fx;
  auto p = fx.make_probe("observer");
  pool_options opts;
  opts.name = "minready";
  opts.size = 3;
  opts.min_ready = 1;
  test::worker_options wo;
  wo.observer = p.handle();
  wo.wait_for_go = true;
  spawn_tracked_pool(fx, p, opts, test::test_worker(wo));
  auto m = p.fish_for([](const caf::message& m) {
    return m.match_elements<test::spawned_atom, std::string, caf::actor>();
  });
  auto first = m.get_as<caf::actor>(2);
  REQUIRE(first);
  // Only this worker is released; the other two keep waiting, and the pool is ready anyway.
  caf::anon_send(first, test::go_atom::value);
  auto ready = p.fish_for(
    [](const caf::message& m) { return m.match_elements<supervision::ready_atom, uint64_t>(); });
  CHECK(ready.match_elements<supervision::ready_atom, uint64_t>());
}

TEST_CASE("a pool answers calls through its workers", "[pool]") {
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  pool_options opts;
  opts.name = "calls";
  opts.size = 2;
  opts.strategy = GENERATE(config::pool_strategy::round_robin, config::pool_strategy::least_busy);
  auto pool = fx.start_supervised(pool_child(opts, test::test_worker({})));
  REQUIRE(pool);
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  for (int i = 0; i < 10; ++i) {
    caf::anon_send(client_relay, call_atom::value, *pool, caf::make_message(i));
    auto [tag, reply] = client.expect_message<reply_atom, caf::message>();
    REQUIRE(reply.match_elements<int>());
    CHECK(reply.get_as<int>(0) == 2 * i);
  }
  auto st = stats_of(client, *pool);
  CHECK(st.workers == 2);
  CHECK(st.calls == 10);
}

TEST_CASE("a request whose worker is killed mid-request is retried on another worker",
          "[pool]") {
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  auto observer = fx.make_probe("observer");
  pool_options opts;
  opts.name = "retry";
  opts.size = 2;
  opts.events = fx.events();
  opts.on_death = config::on_worker_death::retry;
  test::worker_options wo;
  wo.observer = observer.handle();
  auto pool = fx.start_supervised(pool_child(opts, test::test_worker(wo)));
  REQUIRE(pool);
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  caf::anon_send(client_relay, call_atom::value, *pool,
               caf::make_message(std::string{"hold-once"}));
  auto held = observer.fish_for(
    [](const caf::message& m) { return m.match_elements<test::held_atom, caf::actor>(); });
  auto victim = held.get_as<caf::actor>(1);
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  auto [tag, reply] = client.expect_message<reply_atom, caf::message>();
  REQUIRE(reply.match_elements<std::string>());
  CHECK(reply.get_as<std::string>(0) == "done");
  // The dead worker is replaced through supervision.
  auto exited = fx.await_event([&](const supervision::event& ev) {
    return ev.type == supervision::event_type::child_exited && ev.supervisor == "retry-workers";
  });
  auto started = fx.await_event([&](const supervision::event& ev) {
    return ev.type == supervision::event_type::child_started && ev.child == exited.child;
  });
  auto next = caf::actor_cast<caf::actor>(started.child_addr);
  CHECK(next != victim);
  auto st = stats_of(client, *pool);
  CHECK(st.retried == 1);
  CHECK(st.failed == 0);
}

TEST_CASE("a request whose worker is killed mid-request fails back when the pool does not retry",
          "[pool]") {
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  auto observer = fx.make_probe("observer");
  pool_options opts;
  opts.name = "noretry";
  opts.size = 2;
  opts.on_death = config::on_worker_death::fail;
  test::worker_options wo;
  wo.observer = observer.handle();
  auto pool = fx.start_supervised(pool_child(opts, test::test_worker(wo)));
  REQUIRE(pool);
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  caf::anon_send(client_relay, call_atom::value, *pool,
               caf::make_message(std::string{"hold-once"}));
  auto held = observer.fish_for(
    [](const caf::message& m) { return m.match_elements<test::held_atom, caf::actor>(); });
  caf::anon_send_exit(held.get_as<caf::actor>(1), caf::exit_reason::kill);
  auto [etag, err] = client.expect_message<test::error_atom, caf::error>();
  CHECK(is(err, pool_errc::worker_died));
  INFO(describe_pool_error(err));
  CHECK(describe_pool_error(err).find("on_worker_death: fail") != std::string::npos);
}

TEST_CASE("a checkout that finds no free worker fails with checkout_timeout", "[pool]") {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  auto p = fx.make_probe("ctx");
  pool_options opts;
  opts.name = "tight";
  opts.size = 1;
  opts.checkout_timeout = 1s;
  opts.max_waiters = 1;
  auto pool = spawn_tracked_pool(fx, p, opts, test::test_worker({}));
  p.expect_message<supervision::ready_atom, uint64_t>();
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  caf::anon_send(client_relay, checkout_atom::value, pool);
  auto [worker, lease] = client.expect_message<caf::actor, uint64_t>();
  CHECK(worker);
  caf::anon_send(client_relay, checkout_atom::value, pool); // waits
  client.expect_no_message(0ms);
  caf::anon_send(client_relay, checkout_atom::value, pool); // the queue is full
  auto [ftag, full] = client.expect_message<test::error_atom, caf::error>();
  CHECK(is(full, pool_errc::pool_full));
  fx.advance_time(1s);
  auto [ttag, timeout] = client.expect_message<test::error_atom, caf::error>();
  CHECK(is(timeout, pool_errc::checkout_timeout));
  CHECK(describe_pool_error(timeout).find("within 1000 ms") != std::string::npos);
  caf::send_as(client.handle(), pool, checkin_atom::value, lease);
  caf::anon_send(client_relay, checkout_atom::value, pool);
  auto [again, lease2] = client.expect_message<caf::actor, uint64_t>();
  CHECK(again == worker);
  CHECK(lease2 != lease);
}

TEST_CASE("a waiting checkout gets the worker that is checked in", "[pool]") {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  auto p = fx.make_probe("ctx");
  pool_options opts;
  opts.name = "handover";
  opts.size = 1;
  auto pool = spawn_tracked_pool(fx, p, opts, test::test_worker({}));
  p.expect_message<supervision::ready_atom, uint64_t>();
  auto a = fx.make_probe("a");
  auto a_relay = fx.spawn(test::relay, a.handle());
  auto b = fx.make_probe("b");
  auto b_relay = fx.spawn(test::relay, b.handle());
  caf::anon_send(a_relay, checkout_atom::value, pool);
  auto [w, lease] = a.expect_message<caf::actor, uint64_t>();
  caf::anon_send(b_relay, call_atom::value, pool, caf::make_message(21));
  b.expect_no_message(0ms);
  caf::send_as(a.handle(), pool, checkin_atom::value, lease);
  auto [tag, reply] = b.expect_message<reply_atom, caf::message>();
  CHECK(reply.get_as<int>(0) == 42);
}

TEST_CASE("a pool grows by its overflow under load and shrinks back when idle", "[pool]") {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  auto p = fx.make_probe("ctx");
  pool_options opts;
  opts.name = "elastic";
  opts.size = 1;
  opts.max_overflow = 2;
  opts.overflow_idle = 1s;
  auto pool = spawn_tracked_pool(fx, p, opts, test::test_worker({}));
  p.expect_message<supervision::ready_atom, uint64_t>();
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  std::vector<uint64_t> leases;
  std::set<caf::actor> workers;
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(client_relay, checkout_atom::value, pool);
    auto [w, lease] = client.expect_message<caf::actor, uint64_t>();
    workers.insert(w);
    leases.push_back(lease);
  }
  CHECK(workers.size() == 3);
  auto grown = stats_of(client, pool);
  CHECK(grown.workers == 3);
  CHECK(grown.grown == 2);
  // A fourth waits: the pool is at size + max_overflow.
  caf::anon_send(client_relay, checkout_atom::value, pool);
  client.expect_no_message(0ms);
  CHECK(stats_of(client, pool).waiting == 1);
  caf::send_as(client.handle(), pool, checkin_atom::value, leases[0]);
  auto [w4, lease4] = client.expect_message<caf::actor, uint64_t>();
  leases.push_back(lease4);
  for (size_t i = 1; i < leases.size(); ++i)
    caf::send_as(client.handle(), pool, checkin_atom::value, leases[i]);
  fx.run();
  fx.advance_time(1s);
  fx.advance_time(1s);
  auto shrunk = stats_of(client, pool);
  CHECK(shrunk.workers == 1);
  CHECK(shrunk.shrunk == 2);
  // It still works at its base size.
  caf::anon_send(client_relay, call_atom::value, pool, caf::make_message(5));
  auto [tag, reply] = client.expect_message<reply_atom, caf::message>();
  CHECK(reply.get_as<int>(0) == 10);
}

TEST_CASE("a lazy pool starts its workers on first demand", "[pool]") {
  testkit::fixture fx{testkit::fixture_options::deterministic()};
  auto p = fx.make_probe("ctx");
  pool_options opts;
  opts.name = "lazy";
  opts.size = 2;
  opts.lazy = true;
  auto pool = spawn_tracked_pool(fx, p, opts, test::test_worker({}));
  p.expect_message<supervision::ready_atom, uint64_t>();
  auto client = fx.make_probe("client");
  auto client_relay = fx.spawn(test::relay, client.handle());
  CHECK(stats_of(client, pool).workers == 0);
  caf::anon_send(client_relay, call_atom::value, pool, caf::make_message(4));
  auto [tag, reply] = client.expect_message<reply_atom, caf::message>();
  CHECK(reply.get_as<int>(0) == 8);
  CHECK(stats_of(client, pool).workers == 1);
}

TEST_CASE("pool options come from a pools: entry of the config", "[pool]") {
  config::pool_config cfg;
  cfg.name = "img";
  cfg.size = 3;
  cfg.max_overflow = 2;
  cfg.lazy = true;
  cfg.strategy = config::pool_strategy::least_busy;
  cfg.checkout_timeout_ms = 250;
  cfg.on_death = config::on_worker_death::fail;
  auto opts = pool_options_from(cfg);
  CHECK(opts.name == "img");
  CHECK(opts.size == 3);
  CHECK(opts.max_overflow == 2);
  CHECK(opts.lazy);
  CHECK(opts.strategy == config::pool_strategy::least_busy);
  CHECK(opts.checkout_timeout == 250ms);
  CHECK(opts.on_death == config::on_worker_death::fail);
  auto spec = pool_child(cfg, test::test_worker({}));
  CHECK(spec.id == "img");
  CHECK(spec.type == supervision::child_type::supervisor);
}
