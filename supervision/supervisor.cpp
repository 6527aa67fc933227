#include "supervision/supervisor.hpp"

#include "supervision/atoms.hpp"
#include "supervision/detail/supervisor_actor.hpp"
#include "supervision/errc.hpp"

#include <caf/all.hpp>

namespace keel::supervision {

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_options opts,
                            const start_context& ctx) {
  return sys.spawn<detail::supervisor_actor>(std::move(opts), ctx);
}

caf::expected<caf::actor> start_supervisor(caf::actor_system& sys, supervisor_options opts,
                                           std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  auto name = opts.name;
  auto sup = spawn_supervisor(sys, std::move(opts),
                              start_context{sys, caf::actor{self}, name, 1});
  caf::expected<caf::actor> result{caf::error{}};
  self->receive(
    [&](ready_atom, uint64_t) { result = sup; },
    [&](init_fail_atom, uint64_t, caf::error& err) { result = std::move(err); },
    caf::after(timeout) >> [&] {
      result = make_error(errc::start_timeout,
                          "supervisor '" + name + "' did not become ready within "
                            + std::to_string(timeout.count()) + " ms; it was killed");
      caf::anon_send_exit(sup, caf::exit_reason::kill);
    });
  if (!result) {
    // Make sure it is gone before the caller looks at the system.
    self->wait_for(sup);
  }
  return result;
}

child_spec supervisor_child(std::string id, supervisor_options opts) {
  if (opts.name.empty() || opts.name == "supervisor")
    opts.name = id;
  child_spec spec;
  spec.id = std::move(id);
  spec.type = child_type::supervisor;
  spec.shutdown = shutdown_policy::infinity();
  spec.start_timeout = std::chrono::milliseconds{60000};
  spec.start = [opts = std::move(opts)](const start_context& ctx) -> caf::expected<caf::actor> {
    return spawn_supervisor(ctx.system(), opts, ctx);
  };
  return spec;
}

} // namespace keel::supervision
