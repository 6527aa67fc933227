#include "runtime/root.hpp"

#include "runtime/atoms.hpp"
#include "runtime/logging.hpp"

#include <caf/all.hpp>

namespace keel::runtime {

namespace {

caf::behavior root_actor(caf::event_based_actor* self, config::node_config cfg) {
  auto log = logger("keel.runtime");
  log->debug("root: node '{}' up", cfg.node.name);
  self->set_exit_handler([self, log](caf::exit_msg& msg) {
    log->info("root: shutting down ({})", to_string(msg.reason));
    self->quit(msg.reason);
  });
  return {
    [](ready_atom) { return ready_atom::value; },
  };
}

} // namespace

caf::actor spawn_root(caf::actor_system& sys, const config::node_config& cfg) {
  return sys.spawn(root_actor, cfg);
}

} // namespace keel::runtime
