#include "runtime/root.hpp"

#include "runtime/event_log.hpp"
#include "runtime/http_service.hpp"

namespace keel::runtime {

supervision::supervisor_options root_options(const config::node_config& cfg, caf::actor bus,
                                             const metrics_registry& registry) {
  supervision::supervisor_options opts;
  opts.name = "root";
  opts.events = bus;
  opts.flags.strategy = supervision::restart_strategy::one_for_one;
  opts.flags.intensity = 3;
  opts.flags.period = std::chrono::seconds{5};
  opts.start_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  // Start order (architecture.md); the root stops them in reverse.
  opts.children.push_back(event_log_child(bus));
  if (cfg.http.enabled)
    opts.children.push_back(http_child(cfg.http, registry, bus));
  return opts;
}

} // namespace keel::runtime
