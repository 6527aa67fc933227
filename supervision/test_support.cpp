#include "supervision/test_support.hpp"

#include "supervision/client.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

namespace keel::supervision::test {

start_fn worker(worker_options opts) {
  return [opts](const start_context& ctx) -> caf::expected<caf::actor> {
    // Arguments instead of captures: CAF 0.17 dereferences a null tuple (UBSan) for actors
    // spawned without arguments.
    auto fn = [](caf::event_based_actor* self, worker_options opts,
                 start_context ctx) -> caf::behavior {
      auto id = ctx.child_id();
      if (opts.observer) {
        self->send(opts.observer, hello_atom::value, id, caf::actor_cast<caf::actor>(self));
        self->attach_functor([obs = opts.observer, id](const caf::error& reason) {
          caf::anon_send(obs, gone_atom::value, id, reason);
        });
      }
      if (opts.ignore_exit)
        self->set_exit_handler([](caf::exit_msg&) { /* ignored on purpose */ });
      if (opts.fail_init) {
        ctx.fail(opts.init_error ? opts.init_error : caf::make_error(caf::sec::runtime_error));
        self->quit(opts.init_error);
        return {};
      }
      if (!opts.wait_for_go && !opts.never_ready)
        ctx.ready();
      return {
        [self](caf::get_atom) { return self->address(); },
        [self](quit_atom, caf::error& reason) { self->quit(std::move(reason)); },
        [ctx](go_atom) { ctx.ready(); },
      };
    };
    return ctx.system().spawn(fn, opts, ctx);
  };
}

child_spec worker_spec(std::string id, worker_options opts) {
  child_spec spec;
  spec.id = std::move(id);
  spec.start = worker(std::move(opts));
  return spec;
}

event await_event(testkit::probe& p, event_type type, const std::string& child,
                  const std::string& supervisor, std::chrono::milliseconds timeout) {
  auto msg = p.fish_for(
    [&](const caf::message& m) {
      if (!m.match_elements<event>())
        return false;
      auto& ev = m.get_as<event>(0);
      return ev.type == type && (child.empty() || ev.child == child)
             && (supervisor.empty() || ev.supervisor == supervisor);
    },
    timeout);
  REQUIRE(msg.match_elements<event>());
  return msg.get_as<event>(0);
}

event next_event(testkit::probe& p, std::chrono::milliseconds timeout) {
  auto msg = p.try_next(timeout);
  REQUIRE(msg);
  INFO("got " << caf::to_string(*msg));
  REQUIRE(msg->match_elements<event>());
  return msg->get_as<event>(0);
}

std::string await_gone(testkit::probe& p, std::chrono::milliseconds timeout) {
  auto msg = p.fish_for(
    [](const caf::message& m) { return m.match_elements<gone_atom, std::string, caf::error>(); },
    timeout);
  return msg.get_as<std::string>(1);
}

caf::actor child_handle(caf::actor_system& sys, const caf::actor& sup, const std::string& id) {
  auto xs = supervisor_client{sys, sup}.which_children();
  REQUIRE(xs);
  for (auto& x : *xs)
    if (x.id == id)
      return x.hdl;
  FAIL("no child " << id);
  return {};
}

caf::actor spawn_ready(testkit::fixture& fx, testkit::probe&, supervisor_options opts) {
  // A probe of its own, so that no event on the caller's probe is skipped.
  auto rp = fx.make_probe("ready");
  auto sup = spawn_supervisor(fx.sys(), std::move(opts),
                              start_context{fx.sys(), rp.handle(), "test", 7});
  fx.track(sup, "supervisor");
  auto msg = rp.fish_for([](const caf::message& m) {
    return m.match_elements<ready_atom, uint64_t>()
           || m.match_elements<init_fail_atom, uint64_t, caf::error>();
  });
  INFO(caf::to_string(msg));
  REQUIRE(msg.match_elements<ready_atom, uint64_t>());
  return sup;
}

caf::actor actor_of(const event& ev) {
  return caf::actor_cast<caf::actor>(ev.child_addr);
}

void crash(const caf::actor& whom, caf::error reason) {
  REQUIRE(whom);
  caf::anon_send(whom, quit_atom::value, std::move(reason));
}

} // namespace keel::supervision::test
