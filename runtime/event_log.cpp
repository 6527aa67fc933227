#include "runtime/event_log.hpp"

#include "runtime/logging.hpp"
#include "supervision/atoms.hpp"
#include "supervision/events.hpp"
#include "supervision/start_context.hpp"

#include <caf/all.hpp>

namespace keel::runtime {

namespace {

caf::behavior event_log(caf::event_based_actor* self, caf::actor bus,
                        supervision::start_context ctx) {
  auto log = logger("keel.supervision");
  // Ready only once subscribed: the supervisor's events about this child (and everything
  // after) then reach the log.
  self->request(bus, std::chrono::seconds{5}, supervision::subscribe_atom::value,
                caf::actor{self})
    .then([ctx]() { ctx.ready(); },
          [self, ctx](caf::error& err) {
            ctx.fail(err);
            self->quit(err);
          });
  return {
    [log](const supervision::event& ev) {
      auto level = ev.type == supervision::event_type::child_exited && ev.reason &&
                       ev.reason != caf::exit_reason::user_shutdown
                     ? spdlog::level::warn
                     : spdlog::level::info;
      if (ev.type == supervision::event_type::gave_up ||
          ev.type == supervision::event_type::child_start_failed)
        level = spdlog::level::err;
      log->log(level, "{}", to_string(ev));
    },
  };
}

} // namespace

supervision::child_spec event_log_child(caf::actor bus) {
  supervision::child_spec spec;
  spec.id = "event_log";
  spec.start = [bus](const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    return ctx.system().spawn(event_log, bus, ctx);
  };
  return spec;
}

} // namespace keel::runtime
