// which_children, count_children, get_child_spec, start_child, terminate_child,
// restart_child and delete_child through supervisor_client.
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;
using std::chrono::milliseconds;

namespace {

struct running_tree {
  fixture fx;
  caf::actor sup;

  running_tree() {
    supervisor_options opts;
    opts.name = "s";
    opts.children.push_back(worker_spec("a"));
    auto nested = supervisor_options{};
    nested.children.push_back(worker_spec("leaf"));
    opts.children.push_back(supervisor_child("inner", nested));
    auto spec = worker_spec("b");
    spec.shutdown = shutdown_policy::brutal_kill();
    opts.children.push_back(std::move(spec));
    auto res = start_supervisor(fx.sys(), std::move(opts));
    REQUIRE(res);
    sup = *res;
    fx.track(sup, "s");
  }

  supervisor_client client() { return supervisor_client{fx.sys(), sup}; }
};

} // namespace

TEST_CASE("which_children lists id, handle, status and type in start order",
          "[supervision][introspection]") {
  running_tree t;
  auto xs = t.client().which_children();
  REQUIRE(xs);
  REQUIRE(xs->size() == 3);
  CHECK((*xs)[0].id == "a");
  CHECK((*xs)[1].id == "inner");
  CHECK((*xs)[1].type == child_type::supervisor);
  CHECK((*xs)[2].id == "b");
  for (auto& x : *xs) {
    CHECK(x.status == child_status::running);
    CHECK(x.hdl);
  }
}

TEST_CASE("count_children counts specs, active children, supervisors and workers",
          "[supervision][introspection]") {
  running_tree t;
  auto c = t.client().count_children();
  REQUIRE(c);
  CHECK(c->specs == 3);
  CHECK(c->active == 3);
  CHECK(c->supervisors == 1);
  CHECK(c->workers == 2);
  REQUIRE_FALSE(t.client().terminate_child("a"));
  c = t.client().count_children();
  REQUIRE(c);
  CHECK(c->specs == 3);
  CHECK(c->active == 2);
}

TEST_CASE("get_child_spec returns the spec with defaults filled in",
          "[supervision][introspection]") {
  running_tree t;
  auto a = t.client().get_child_spec("a");
  REQUIRE(a);
  CHECK(a->shutdown->how == shutdown_policy::kind::timeout);
  CHECK(a->shutdown->after == milliseconds{5000});
  auto b = t.client().get_child_spec("b");
  REQUIRE(b);
  CHECK(b->shutdown->how == shutdown_policy::kind::brutal_kill);
  auto inner = t.client().get_child_spec("inner");
  REQUIRE(inner);
  CHECK(inner->shutdown->how == shutdown_policy::kind::infinity);
  auto none = t.client().get_child_spec("zz");
  REQUIRE_FALSE(none);
  CHECK(is(none.error(), errc::child_not_found));
}

TEST_CASE("start_child adds a child after the others and checks its spec",
          "[supervision][introspection]") {
  running_tree t;
  auto c = t.client().start_child(worker_spec("late"));
  REQUIRE(c);
  CHECK(c->id == "late");
  CHECK(c->hdl);
  auto xs = t.client().which_children();
  REQUIRE(xs);
  CHECK(xs->back().id == "late");
  CHECK(xs->back().hdl == c->hdl);
  auto dup = t.client().start_child(worker_spec("a"));
  REQUIRE_FALSE(dup);
  CHECK(is(dup.error(), errc::already_present));
  auto bad = t.client().start_child(child_spec{});
  REQUIRE_FALSE(bad);
  CHECK(is(bad.error(), errc::invalid_child_spec));
  worker_options failing;
  failing.fail_init = true;
  auto broken = t.client().start_child(worker_spec("broken", failing));
  REQUIRE_FALSE(broken);
  CHECK(is(broken.error(), errc::start_failed));
  CHECK(is(t.client().get_child_spec("broken").error(), errc::child_not_found));
}

TEST_CASE("terminate_child stops a child and keeps its spec; restart_child starts it again",
          "[supervision][introspection]") {
  running_tree t;
  auto probe = t.fx.make_probe("watcher");
  auto xs = t.client().which_children();
  REQUIRE(xs);
  auto old = (*xs)[0].hdl;
  probe.watch(old);
  REQUIRE_FALSE(t.client().terminate_child("a"));
  CHECK(probe.expect_terminated(old) == caf::exit_reason::user_shutdown);
  xs = t.client().which_children();
  REQUIRE(xs);
  CHECK((*xs)[0].status == child_status::stopped);
  CHECK_FALSE((*xs)[0].hdl);
  auto again = t.client().restart_child("a");
  REQUIRE(again);
  CHECK(*again != old);
  auto running = t.client().restart_child("a");
  REQUIRE_FALSE(running);
  CHECK(is(running.error(), errc::child_running));
  CHECK(is(t.client().terminate_child("zz"), errc::child_not_found));
}

TEST_CASE("delete_child removes a stopped child's spec only", "[supervision][introspection]") {
  running_tree t;
  CHECK(is(t.client().delete_child("a"), errc::child_running));
  REQUIRE_FALSE(t.client().terminate_child("a"));
  REQUIRE_FALSE(t.client().delete_child("a"));
  CHECK(is(t.client().get_child_spec("a").error(), errc::child_not_found));
  CHECK(is(t.client().delete_child("a"), errc::child_not_found));
  auto c = t.client().count_children();
  REQUIRE(c);
  CHECK(c->specs == 2);
}

TEST_CASE("simple_one_for_one takes start arguments and refuses restart and delete",
          "[supervision][introspection]") {
  fixture fx;
  supervisor_options opts;
  opts.name = "pool";
  opts.flags.strategy = restart_strategy::simple_one_for_one;
  child_spec tmpl;
  tmpl.id = "echo";
  tmpl.start = ready_on_spawn([](caf::actor_system& sys, const caf::message& args) {
    auto n = args.get_as<int>(0);
    return sys.spawn([](int x) -> caf::behavior { return {[x](caf::get_atom) { return x; }}; },
                     n);
  });
  opts.children.push_back(tmpl);
  auto sup = start_supervisor(fx.sys(), std::move(opts));
  REQUIRE(sup);
  fx.track(*sup, "pool");
  supervisor_client client{fx.sys(), *sup};
  auto c = client.start_child(caf::make_message(42));
  REQUIRE(c);
  CHECK(c->id == "echo#1");
  caf::scoped_actor self{fx.sys()};
  self->request(c->hdl, keel::testkit::default_timeout(), caf::get_atom::value)
    .receive([](int n) { CHECK(n == 42); }, [](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(is(client.restart_child("echo#1").error(), errc::wrong_strategy));
  CHECK(is(client.delete_child("echo#1"), errc::wrong_strategy));
  CHECK(is(client.start_child(worker_spec("x")).error(), errc::wrong_strategy));
  CHECK(client.get_child_spec("echo")->id == "echo");
  REQUIRE_FALSE(client.terminate_child("echo#1"));
  CHECK(client.count_children()->specs == 0);
}
