#include "runtime/root.hpp"

#include "actors/kv_shard.hpp"
#include "config/load.hpp"
#include "runtime/cluster.hpp"
#include "runtime/event_log.hpp"
#include "runtime/gateway_service.hpp"
#include "runtime/http_service.hpp"
#include "runtime/kv_backend.hpp"
#include "runtime/pools.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/shard_metrics.hpp"

namespace keel::runtime {

uint32_t node_router_lanes(const config::node_config& cfg) {
  return router_lanes(cfg.shards.routers, !cfg.cluster.nodes.empty(),
                      scheduler_threads(cfg.node.scheduler_threads, cfg.gateway.enabled));
}

supervision::supervisor_options
root_options(const config::node_config& cfg, caf::actor bus, metrics_registry& registry,
             std::function<void(const std::string& who)> on_shutdown) {
  supervision::supervisor_options opts;
  opts.name = "root";
  opts.events = bus;
  opts.flags.strategy = supervision::restart_strategy::one_for_one;
  opts.flags.intensity = 3;
  opts.flags.period = std::chrono::seconds{5};
  opts.start_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  // Start order (architecture.md); the root stops them in reverse, so the gateway stops taking
  // commands before the router and the shards (which checkpoint on a clean stop) go down.
  opts.children.push_back(event_log_child(bus));
  if (cfg.http.enabled)
    opts.children.push_back(http_child(cfg.http, registry, bus));
  // Without a cluster every shard is here: the gateway sends batches straight to their hosts
  // while all of them serve (kv_backend.hpp), recorded in `hosts` by each host itself.
  std::shared_ptr<actors::shard_directory> hosts;
  if (cfg.cluster.nodes.empty() && cfg.gateway.enabled)
    hosts = std::make_shared<actors::shard_directory>(cfg.shards.count,
                                                     actors::key_hash_of(cfg.shards));
  // What the KV machines publish: INFO (through the gateway's backend) and /metrics.
  auto numbers = std::make_shared<actors::kv_stats>(cfg.shards.count);
  kv_metrics(registry, numbers, config::local_shards(cfg));
  opts.children.push_back(actors::shards_child(
    cfg, bus,
    [metrics = shard_metrics(registry), hosts](actors::shard_options& so) {
      metrics(so);
      if (hosts)
        so.host.on_serving = actors::shard_directory::publisher(hosts, so.host.shard);
    },
    numbers));
  // Each incarnation of each router lane is recorded for the gateway's backend.
  auto lanes = node_router_lanes(cfg);
  auto router_specs =
    cfg.cluster.nodes.empty()
      ? actors::router_children(cfg, lanes)
      : actors::router_children(
          cfg, lanes, [cfg](caf::actor_system& sys) { return cluster_connector(sys, cfg); },
          on_peer_logger(registry));
  std::vector<std::shared_ptr<actor_slot>> routers;
  for (auto& spec : router_specs) {
    auto slot = std::make_shared<actor_slot>();
    routers.push_back(slot);
    spec.start = [start = std::move(spec.start), slot](const supervision::start_context& ctx) {
      auto r = start(ctx);
      if (r)
        slot->set(*r);
      return r;
    };
    opts.children.push_back(std::move(spec));
  }
  // The door opens once this node's shards and router run: other nodes reach them through it.
  if (!cfg.cluster.nodes.empty())
    opts.children.push_back(cluster_child(cfg));
  if (!cfg.pools.empty())
    opts.children.push_back(pools_child(cfg, bus));
  if (cfg.gateway.enabled) {
    kv_backend_options kv;
    kv.routers = routers;
    kv.shards = hosts;
    kv.durable = cfg.shards.sync == config::sync_policy::group;
    kv.numbers = numbers;
    kv.maxmemory = cfg.shards.maxmemory;
    kv.maxmemory_policy = config::to_string(cfg.shards.maxmemory_policy); // Redis' spelling
    kv.batch_sizes = &registry.histogram("keel_gateway_batch_size",
                                         "Commands per pipelined batch sent to the shards.",
                                         exponential_buckets(1, 2, 14));
    opts.children.push_back(gateway_child(
      cfg.gateway, [kv](caf::actor_system& sys) { return make_kv_backend(sys, kv); }, &registry,
      std::move(on_shutdown)));
  }
  return opts;
}

} // namespace keel::runtime
