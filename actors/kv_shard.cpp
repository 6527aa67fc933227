#include "actors/kv_shard.hpp"

#include "actors/kv_state_machine.hpp"
#include "actors/router.hpp"
#include "config/node_config.hpp"

#include <algorithm>

namespace keel::actors {

machine_factory<kv_command, kv_reply> kv_machine_factory(kv_options opts) {
  return [opts](uint32_t) -> std::unique_ptr<state_machine<kv_command, kv_reply>> {
    return std::make_unique<kv_state_machine>(opts);
  };
}

supervision::child_spec shards_child(const config::node_config& cfg, caf::actor events_bus,
                                     std::function<void(shard_options&)> customize) {
  auto opts = shards_options_from(cfg, std::move(events_bus));
  if (customize)
    opts.shard = [make = std::move(opts.shard), customize = std::move(customize)](uint32_t k) {
      auto so = make(k);
      customize(so);
      return so;
    };
  // maxmemory is per node: each shard gets an equal share of it (keys spread evenly by hash).
  kv_options kv;
  if (cfg.shards.maxmemory > 0)
    kv.maxmemory = std::max<uint64_t>(1, cfg.shards.maxmemory / cfg.shards.count);
  kv.policy = cfg.shards.maxmemory_policy == config::eviction_policy::allkeys_lru
                ? kv_eviction_policy::allkeys_lru
                : kv_eviction_policy::noeviction;
  return shards_child_of<kv_command, kv_reply>(std::move(opts), kv_machine_factory(kv));
}

supervision::child_spec router_child(const config::node_config& cfg) {
  return router_child_spec(cfg.shards.count, {"shards"},
                           std::chrono::milliseconds{cfg.shards.startup_timeout_ms});
}

} // namespace keel::actors
