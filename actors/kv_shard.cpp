#include "actors/kv_shard.hpp"

#include "actors/kv_state_machine.hpp"
#include "actors/router.hpp"

#include <caf/actor_system_config.hpp>
#include "config/node_config.hpp"

#include <algorithm>

namespace keel::actors {

machine_factory<kv_command, kv_reply> kv_machine_factory(kv_options opts) {
  return [opts](uint32_t k) -> std::unique_ptr<state_machine<kv_command, kv_reply>> {
    auto mine = opts;
    mine.stats_slot = k;
    return std::make_unique<kv_state_machine>(std::move(mine));
  };
}

supervision::child_spec shards_child(const config::node_config& cfg, caf::actor events_bus,
                                     std::function<void(shard_options&)> customize,
                                     std::shared_ptr<kv_stats> numbers) {
  auto opts = shards_options_from(cfg, std::move(events_bus));
  if (customize)
    opts.shard = [make = std::move(opts.shard), customize = std::move(customize)](uint32_t k) {
      auto so = make(k);
      customize(so);
      return so;
    };
  // maxmemory is per node: each of its shards gets an equal share (keys spread evenly by hash).
  kv_options kv;
  if (cfg.shards.maxmemory > 0)
    kv.maxmemory = std::max<uint64_t>(
      1, cfg.shards.maxmemory / std::max<size_t>(1, config::local_shards(cfg).size()));
  kv.policy = cfg.shards.maxmemory_policy == config::eviction_policy::allkeys_lru
                ? kv_eviction_policy::allkeys_lru
                : kv_eviction_policy::noeviction;
  kv.stats = std::move(numbers);
  return shards_child_of<kv_command, kv_reply>(std::move(opts), kv_machine_factory(kv));
}

key_hash key_hash_of(const config::shards_section& shards) noexcept {
  return shards.hash_tags ? key_hash::hash_tags : key_hash::whole_key;
}

supervision::child_spec
router_child(const config::node_config& cfg,
             std::function<caf::actor(caf::actor_system&)> connector,
             std::function<void(const std::string&, bool, const std::string&)> on_peer) {
  router_options opts;
  opts.shard_count = cfg.shards.count;
  opts.hash = key_hash_of(cfg.shards);
  opts.path = {"shards"};
  opts.request_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  if (!cfg.cluster.nodes.empty()) {
    opts.owner.assign(cfg.shards.count, -1);
    for (auto& n : cfg.cluster.nodes) {
      if (n.name == cfg.cluster.name)
        continue;
      for (auto k : n.shards)
        opts.owner[k] = static_cast<int32_t>(opts.peers.size());
      opts.peers.push_back(router_peer{n.name, n.host, n.port});
    }
    opts.node_name = cfg.cluster.name;
    opts.placement = config::placement_fingerprint(cfg);
    opts.connect_timeout = std::chrono::milliseconds{cfg.cluster.connect_timeout_ms};
    opts.reconnect_max = std::chrono::milliseconds{cfg.cluster.reconnect_max_ms};
    opts.on_peer = std::move(on_peer);
  } else {
    connector = nullptr;
  }
  return router_child_spec(std::move(opts), std::move(connector));
}

std::string router_lane_id(uint32_t lane) {
  return lane == 0 ? std::string{"router"} : "router#" + std::to_string(lane + 1);
}

std::vector<supervision::child_spec>
router_children(const config::node_config& cfg, uint32_t lanes,
                std::function<caf::actor(caf::actor_system&)> connector,
                std::function<void(const std::string&, bool, const std::string&)> on_peer) {
  std::vector<supervision::child_spec> out;
  for (uint32_t i = 0; i < std::max<uint32_t>(lanes, 1); ++i) {
    out.push_back(router_child(cfg, connector, i == 0 ? on_peer : nullptr));
    out.back().id = router_lane_id(i);
  }
  return out;
}

void add_kv_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<kv_reply>("keel::kv_reply");
  cfg.add_message_type<std::vector<kv_reply>>("keel::kv_replies");
  cfg.add_message_type<std::vector<kv_command>>("keel::kv_commands");
}

} // namespace keel::actors
