// A three-level supervision tree with a crashing worker, narrated on stdout.
//
//   root (one_for_one)
//   ├── metrics                 worker
//   └── shards (one_for_one)    supervisor
//       └── shard-1 (rest_for_one)
//           ├── wal             worker  <- crashes; rest_for_one restarts wal, then state
//           └── state           worker
//
// Every supervisor publishes its lifecycle events to one event bus; this program subscribes
// before starting the tree, crashes the wal worker, waits for the restart, then shuts the
// tree down (children stop in reverse order) and exits 0 (1 if an expected event never came).
#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

using namespace keel::supervision;

namespace {

// A worker that initialises, then tells its supervisor it is ready.
child_spec worker(std::string id) {
  child_spec spec;
  spec.id = std::move(id);
  spec.start = [](const start_context& ctx) -> caf::expected<caf::actor> {
    // The context travels as a spawn argument; the child keeps it to say "ready".
    auto init = [](caf::event_based_actor*, start_context ready) -> caf::behavior {
      ready.ready();
      return {[](caf::get_atom) { return std::string{"ok"}; }};
    };
    return ctx.system().spawn(init, ctx);
  };
  return spec;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  add_error_category(cfg);
  caf::actor_system sys{cfg};
  int rc = 0;
  {
    auto bus = spawn_event_bus(sys);
    caf::scoped_actor self{sys};
    self->send(bus, subscribe_atom::value, caf::actor{self});

    supervisor_options shard;
    shard.flags.strategy = restart_strategy::rest_for_one;
    shard.events = bus;
    shard.children = {worker("wal"), worker("state")};
    supervisor_options shards;
    shards.events = bus;
    shards.children = {supervisor_child("shard-1", shard)};
    supervisor_options root;
    root.name = "root";
    root.events = bus;
    root.children = {worker("metrics"), supervisor_child("shards", shards)};

    // Prints events until `done` says stop; false if nothing came for 5 s.
    auto print_until = [&](const std::function<bool(const event&)>& done) {
      for (;;) {
        bool stop = false;
        bool timed_out = false;
        self->receive([&](const event& ev) {
                        std::printf("  %s\n", to_string(ev).c_str());
                        stop = done(ev);
                      },
                      caf::after(std::chrono::seconds{5}) >> [&] { timed_out = true; });
        if (timed_out)
          return false;
        if (stop)
          return true;
      }
    };

    std::printf("starting the tree\n");
    caf::actor wal;
    auto tree = start_supervisor(sys, root);
    if (!tree) {
      std::printf("start failed: %s\n", describe(tree.error()).c_str());
      rc = 1;
    } else {
      bool ok = print_until([&](const event& ev) {
        if (ev.type == event_type::child_started && ev.child == "wal")
          wal = caf::actor_cast<caf::actor>(ev.child_addr);
        return ev.type == event_type::supervisor_ready && ev.supervisor == "root";
      });
      std::printf("crashing shard-1/wal\n");
      caf::anon_send(wal, caf::exit_msg{caf::actor_addr{}, caf::make_error(caf::sec::runtime_error)});
      ok = ok && print_until([](const event& ev) {
             return ev.type == event_type::child_started && ev.child == "state";
           });
      std::printf("shutting the tree down (reverse order)\n");
      self->monitor(*tree);
      caf::anon_send_exit(*tree, caf::exit_reason::user_shutdown);
      // root stops metrics last: its exit is root's last event.
      ok = ok && print_until([](const event& ev) {
             return ev.type == event_type::child_exited && ev.child == "metrics";
           });
      if (ok)
        self->receive(
          [&](caf::down_msg& dm) {
            std::printf("root exited: %s\n", describe(dm.reason).c_str());
          },
          caf::after(std::chrono::seconds{5}) >> [&] { ok = false; });
      if (!ok) {
        std::printf("timed out waiting for an event\n");
        caf::anon_send_exit(*tree, caf::exit_reason::kill);
        rc = 1;
      }
    }
    caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  }
  return rc;
}
