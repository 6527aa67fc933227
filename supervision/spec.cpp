#include "supervision/spec.hpp"

#include <caf/actor_system.hpp>
#include <caf/sec.hpp>

namespace keel::supervision {

start_fn
ready_on_spawn(std::function<caf::actor(caf::actor_system&, const caf::message& args)> spawn) {
  return [spawn = std::move(spawn)](const start_context& ctx) -> caf::expected<caf::actor> {
    auto hdl = spawn(ctx.system(), ctx.args());
    if (!hdl)
      return caf::sec::invalid_argument;
    ctx.ready();
    return hdl;
  };
}

start_fn ready_on_spawn(std::function<caf::actor(caf::actor_system&)> spawn) {
  return ready_on_spawn(
    [spawn = std::move(spawn)](caf::actor_system& sys, const caf::message&) { return spawn(sys); });
}

} // namespace keel::supervision
