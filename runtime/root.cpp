#include "runtime/root.hpp"

#include "runtime/event_log.hpp"

namespace keel::runtime {

supervision::supervisor_options root_options(const config::node_config& cfg, caf::actor bus) {
  supervision::supervisor_options opts;
  opts.name = "root";
  opts.events = bus;
  opts.flags.strategy = supervision::restart_strategy::one_for_one;
  opts.flags.intensity = 3;
  opts.flags.period = std::chrono::seconds{5};
  opts.start_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  opts.children.push_back(event_log_child(bus));
  return opts;
}

} // namespace keel::runtime
