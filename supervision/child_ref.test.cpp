// child_ref: delivery to the current incarnation, parking while down, failing back.
#include "supervision/child_ref.hpp"
#include "supervision/client.hpp"
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

namespace {

caf::expected<caf::actor_addr> ask_addr(caf::actor_system& sys, const child_ref& ref) {
  caf::expected<caf::actor_addr> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(ref.supervisor(), keel::testkit::default_timeout(),
                ref.envelope_of(caf::get_atom::value))
    .receive([&](caf::actor_addr& addr) { result = std::move(addr); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

TEST_CASE("a request through a child_ref reaches the current incarnation across a restart",
          "[supervision][child_ref]") {
  fixture fx;
  auto events = fx.make_probe("events");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  opts.children.push_back(worker_spec("a"));
  opts.children.push_back(worker_spec("b"));
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "s");
  auto first = actor_of(await_event(events, event_type::child_started, "b"));
  child_ref ref{*sup, "b"};
  auto addr = ask_addr(fx.sys(), ref);
  REQUIRE(addr);
  CHECK(*addr == first.address());
  crash(first);
  auto second = actor_of(await_event(events, event_type::child_started, "b"));
  addr = ask_addr(fx.sys(), ref);
  REQUIRE(addr);
  CHECK(*addr == second.address());
  CHECK(*addr != first.address());
}

TEST_CASE("messages sent while the child restarts are parked and reach the next incarnation",
          "[supervision][child_ref]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto events = fx.make_probe("events");
  auto replies = fx.make_probe("replies");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  opts.random = [] { return 0.0; };
  auto spec = worker_spec("a");
  spec.backoff = backoff_spec{milliseconds{100}, milliseconds{100}, 0.0, milliseconds{0}};
  opts.children.push_back(std::move(spec));
  auto sup = spawn_ready(fx, events, std::move(opts));
  auto first = actor_of(await_event(events, event_type::child_started, "a"));
  crash(first);
  CHECK(await_event(events, event_type::child_restarting, "a").delay == milliseconds{100});
  child_ref ref{sup, "a"};
  ref.send(replies.handle(), caf::make_message(caf::get_atom::value));
  ref.send(replies.handle(), caf::make_message(caf::get_atom::value));
  fx.run();
  replies.expect_no_message(milliseconds{1});
  fx.advance_time(milliseconds{100});
  auto second = actor_of(await_event(events, event_type::child_started, "a"));
  CHECK(std::get<0>(replies.expect_message<caf::actor_addr>()) == second.address());
  CHECK(std::get<0>(replies.expect_message<caf::actor_addr>()) == second.address());
}

TEST_CASE("when the restart queue is full a message is failed back with child_unavailable",
          "[supervision][child_ref]") {
  fixture fx{fixture_options{mode::deterministic}};
  auto events = fx.make_probe("events");
  auto replies = fx.make_probe("replies");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  opts.child_ref_queue = 1;
  auto spec = worker_spec("a");
  spec.backoff = backoff_spec{milliseconds{100}, milliseconds{100}, 0.0, milliseconds{0}};
  opts.children.push_back(std::move(spec));
  auto sup = spawn_ready(fx, events, std::move(opts));
  crash(actor_of(await_event(events, event_type::child_started, "a")));
  await_event(events, event_type::child_restarting, "a");
  child_ref ref{sup, "a"};
  ref.send(replies.handle(), caf::make_message(caf::get_atom::value));
  ref.send(replies.handle(), caf::make_message(caf::get_atom::value, 2));
  auto [tag, id, err, original] =
    replies.expect_message<unavailable_atom, std::string, caf::error, caf::message>();
  CHECK(id == "a");
  CHECK(is(err, errc::child_unavailable));
  CHECK((original.match_elements<caf::get_atom, int>()));
  fx.advance_time(milliseconds{100});
  replies.expect_message<caf::actor_addr>(); // the parked one is delivered
}

TEST_CASE("a message for a terminated child is failed back, a request gets child_unavailable",
          "[supervision][child_ref]") {
  fixture fx;
  auto replies = fx.make_probe("replies");
  supervisor_options opts;
  opts.name = "s";
  opts.children.push_back(worker_spec("a"));
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "s");
  supervisor_client client{fx.sys(), *sup};
  REQUIRE_FALSE(client.terminate_child("a"));
  auto ref = client.child("a");
  auto addr = ask_addr(fx.sys(), ref);
  REQUIRE_FALSE(addr);
  CHECK(is(addr.error(), errc::child_unavailable));
  ref.send(replies.handle(), caf::make_message(caf::get_atom::value));
  auto [tag, id, err, original] =
    replies.expect_message<unavailable_atom, std::string, caf::error, caf::message>();
  CHECK(is(err, errc::child_unavailable));
  auto missing = ask_addr(fx.sys(), client.child("nope"));
  REQUIRE_FALSE(missing);
  CHECK(is(missing.error(), errc::child_not_found));
}
