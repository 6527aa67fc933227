// Ordered start with the ready handshake; failed starts roll back in reverse order.
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

TEST_CASE("children start one at a time, each after the previous one is ready",
          "[supervision][start]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto obs = fx.make_probe("observer");
  auto ready = fx.make_probe("ready");
  supervisor_options opts;
  opts.name = "s";
  worker_options slow;
  slow.observer = obs.handle();
  slow.wait_for_go = true;
  opts.children.push_back(worker_spec("a", {obs.handle()}));
  opts.children.push_back(worker_spec("b", slow));
  opts.children.push_back(worker_spec("c", {obs.handle()}));
  auto sup = spawn_supervisor(fx.sys(), std::move(opts),
                              start_context{fx.sys(), ready.handle(), "s", 1});
  fx.track(sup, "s");
  CHECK(std::get<1>(obs.expect_message<hello_atom, std::string, caf::actor>()) == "a");
  auto [tag, id, b] = obs.expect_message<hello_atom, std::string, caf::actor>();
  CHECK(id == "b");
  // Everything ran until idle: c was not started while b is not ready.
  obs.expect_no_message(milliseconds{1});
  ready.expect_no_message(milliseconds{1});
  caf::anon_send(b, go_atom::value);
  CHECK(std::get<1>(obs.expect_message<hello_atom, std::string, caf::actor>()) == "c");
  ready.expect_message<ready_atom, uint64_t>();
}

TEST_CASE("a middle child that fails to start fails the start and stops the others in "
          "reverse order",
          "[supervision][start]") {
  fixture fx;
  auto obs = fx.make_probe("observer");
  auto events = fx.make_probe("events");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  worker_options bad;
  bad.observer = obs.handle();
  bad.fail_init = true;
  bad.init_error = caf::make_error(caf::sec::runtime_error, "disk on fire");
  opts.children.push_back(worker_spec("a", {obs.handle()}));
  opts.children.push_back(worker_spec("b", bad));
  opts.children.push_back(worker_spec("c", {obs.handle()}));
  opts.children.push_back(worker_spec("d", {obs.handle()}));
  auto res = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::start_failed));
  CHECK_THAT(describe(res.error()), Catch::Contains("child 'b'"));
  CHECK_THAT(describe(res.error()), Catch::Contains("disk on fire"));
  CHECK(await_event(events, event_type::child_started, "a").type == event_type::child_started);
  CHECK(next_event(events).type == event_type::child_start_failed);
  auto b = next_event(events); // b is killed to make sure it is gone
  CHECK((b.type == event_type::child_exited && b.child == "b"));
  auto shutting = next_event(events);
  CHECK(shutting.type == event_type::shutting_down);
  auto a = next_event(events);
  CHECK((a.type == event_type::child_exited && a.child == "a"));
  // c and d were never started.
  std::set<std::string> hellos;
  std::set<std::string> gone;
  while (gone.size() < 2) {
    auto msg = obs.try_next();
    REQUIRE(msg);
    if (msg->match_elements<hello_atom, std::string, caf::actor>())
      hellos.insert(msg->get_as<std::string>(1));
    else if (msg->match_elements<gone_atom, std::string, caf::error>())
      gone.insert(msg->get_as<std::string>(1));
  }
  CHECK(hellos == std::set<std::string>{"a", "b"});
  CHECK(gone == std::set<std::string>{"a", "b"});
}

TEST_CASE("a child that never reports ready fails the start with start_timeout",
          "[supervision][start]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto ready = fx.make_probe("ready");
  auto events = fx.make_probe("events");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  worker_options mute;
  mute.never_ready = true;
  opts.children.push_back(worker_spec("a"));
  auto spec = worker_spec("mute", mute);
  spec.start_timeout = milliseconds{250};
  opts.children.push_back(std::move(spec));
  auto sup = spawn_supervisor(fx.sys(), std::move(opts),
                              start_context{fx.sys(), ready.handle(), "s", 9});
  fx.track(sup, "s");
  ready.watch(sup);
  fx.run();
  ready.expect_no_message(milliseconds{1});
  fx.advance_time(milliseconds{250});
  auto [tag, token, err] = ready.expect_message<init_fail_atom, uint64_t, caf::error>();
  CHECK(token == 9u);
  CHECK(is(err, errc::start_timeout));
  CHECK_THAT(describe(err), Catch::Contains("child 'mute' did not report ready within 250 ms"));
  CHECK(is(ready.expect_terminated(sup), errc::start_timeout));
}

TEST_CASE("a start factory that returns an error fails the start with the child's id",
          "[supervision][start]") {
  fixture fx;
  supervisor_options opts;
  opts.name = "s";
  child_spec spec;
  spec.id = "broken";
  spec.start = [](const start_context&) -> caf::expected<caf::actor> {
    return caf::make_error(caf::sec::invalid_argument, "no such file");
  };
  opts.children.push_back(worker_spec("a"));
  opts.children.push_back(std::move(spec));
  auto res = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::start_failed));
  CHECK_THAT(describe(res.error()), Catch::Contains("child 'broken'"));
}

TEST_CASE("an invalid child spec fails the start with invalid_child_spec",
          "[supervision][start]") {
  fixture fx;
  supervisor_options opts;
  opts.name = "s";
  auto spec = worker_spec("db");
  spec.shutdown = shutdown_policy::timeout(milliseconds{-5});
  opts.children.push_back(std::move(spec));
  auto res = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::invalid_child_spec));
  CHECK_THAT(describe(res.error()), Catch::Contains("child 'db': invalid_shutdown"));
}
