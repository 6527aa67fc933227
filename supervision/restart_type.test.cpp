// Each restart type against normal, shutdown and abnormal exits (OTP's do_restart table).
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;

namespace {

enum class outcome { restarted, kept_stopped, removed };

// Starts a supervisor with child "x" of `type` plus a bystander, makes x exit with `reason`
// and reports what the supervisor did.
outcome exit_child(restart_type type, caf::error reason) {
  fixture fx;
  auto events = fx.make_probe("events");
  supervisor_options opts;
  opts.name = "s";
  opts.events = events.handle();
  auto spec = worker_spec("x");
  spec.restart = type;
  opts.children.push_back(std::move(spec));
  opts.children.push_back(worker_spec("bystander"));
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "s");
  auto first = actor_of(await_event(events, event_type::child_started, "x"));
  await_event(events, event_type::supervisor_ready);
  crash(first, reason);
  auto exited = await_event(events, event_type::child_exited, "x");
  CHECK(exited.reason == reason);
  // The decision is taken in the same step that published child_exited: ask now.
  supervisor_client client{fx.sys(), *sup};
  auto xs = client.which_children();
  REQUIRE(xs);
  for (auto& c : *xs) {
    if (c.id != "x")
      continue;
    if (c.status == child_status::stopped)
      return outcome::kept_stopped;
    auto ev = await_event(events, event_type::child_started, "x");
    CHECK(actor_of(ev) != first);
    return outcome::restarted;
  }
  return outcome::removed;
}

const caf::error normal = caf::exit_reason::normal;
const caf::error shutdown = caf::exit_reason::user_shutdown;
const caf::error abnormal = caf::sec::runtime_error;

} // namespace

TEST_CASE("a permanent child is restarted after any exit", "[supervision][restart]") {
  CHECK(exit_child(restart_type::permanent, normal) == outcome::restarted);
  CHECK(exit_child(restart_type::permanent, shutdown) == outcome::restarted);
  CHECK(exit_child(restart_type::permanent, abnormal) == outcome::restarted);
}

TEST_CASE("a transient child is restarted only after an abnormal exit",
          "[supervision][restart]") {
  CHECK(exit_child(restart_type::transient, normal) == outcome::kept_stopped);
  CHECK(exit_child(restart_type::transient, shutdown) == outcome::kept_stopped);
  CHECK(exit_child(restart_type::transient, abnormal) == outcome::restarted);
}

TEST_CASE("a temporary child is never restarted and its spec is removed",
          "[supervision][restart]") {
  CHECK(exit_child(restart_type::temporary, normal) == outcome::removed);
  CHECK(exit_child(restart_type::temporary, abnormal) == outcome::removed);
}
