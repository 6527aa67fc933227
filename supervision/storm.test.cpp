// A restart storm: 500 children under one_for_all, crashed repeatedly, leave nothing behind.
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;

TEST_CASE("a restart storm of 500 one_for_all children leaks no actor",
          "[supervision][storm]") {
  constexpr int n = 500;
  fixture fx;
  auto events = fx.make_probe("events");
  auto watcher = fx.make_probe("watcher");
  auto before = fx.sys().registry().running();
  {
    supervisor_options opts;
    opts.name = "storm";
    opts.events = events.handle();
    opts.flags.strategy = restart_strategy::one_for_all;
    opts.flags.intensity = 100;
    for (int i = 0; i < n; ++i) {
      auto spec = worker_spec("w" + std::to_string(i));
      spec.shutdown = shutdown_policy::brutal_kill();
      opts.children.push_back(std::move(spec));
    }
    auto sup = start_supervisor(fx.sys(), std::move(opts));
    REQUIRE(sup);
    watcher.watch(*sup);
    CHECK(fx.sys().registry().running() == before + n + 1);
    caf::actor victim;
    for (int round = 0; round < 5; ++round) {
      for (int i = 0; i < n; ++i) {
        auto ev = await_event(events, event_type::child_started);
        if (ev.child == "w250")
          victim = actor_of(ev);
      }
      crash(victim);
    }
    for (int i = 0; i < n; ++i)
      await_event(events, event_type::child_started);
    caf::anon_send_exit(*sup, caf::exit_reason::user_shutdown);
    CHECK(watcher.expect_terminated(*sup) == caf::exit_reason::user_shutdown);
  }
  CHECK(await_running(fx.sys(), before));
  CHECK(fx.sys().registry().running() == before);
  auto report = fx.teardown();
  INFO(report.str());
  CHECK(report.clean());
}
