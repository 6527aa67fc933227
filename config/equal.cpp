// operator== for node_config: every field of every section, pools in order.
#include "config/load.hpp"

#include <tuple>

namespace keel::config {

namespace {

auto fields(const node_section& x) {
  return std::tie(x.name, x.data_dir, x.level, x.scheduler_threads);
}

auto fields(const shards_section& x) {
  return std::tie(x.count, x.sync, x.sync_interval_ms, x.recovery, x.segment_bytes,
                  x.snapshot_threshold_bytes, x.startup_timeout_ms, x.maxmemory,
                  x.maxmemory_policy, x.routers, x.hash_tags);
}

auto fields(const gateway_section& x) {
  return std::tie(x.enabled, x.bind, x.port, x.password, x.max_clients, x.max_bulk_bytes,
                  x.max_array_len, x.idle_timeout_s, x.output_buffer_limit_bytes);
}

auto fields(const http_section& x) {
  return std::tie(x.enabled, x.bind, x.port);
}

auto fields(const pool_config& x) {
  return std::tie(x.name, x.kind, x.size, x.max_overflow, x.lazy, x.strategy, x.checkout_timeout_ms,
                  x.max_waiters, x.on_death, x.command, x.env, x.min_ready, x.request_timeout_ms,
                  x.health_interval_ms);
}

auto fields(const cluster_node& x) {
  return std::tie(x.name, x.host, x.port, x.shards);
}

auto fields(const cluster_section& x) {
  return std::tie(x.name, x.connect_timeout_ms, x.reconnect_max_ms);
}

template <class T>
bool same(const T& a, const T& b) {
  return fields(a) == fields(b);
}

} // namespace

bool operator==(const node_config& a, const node_config& b) {
  if (a.pools.size() != b.pools.size())
    return false;
  for (size_t i = 0; i < a.pools.size(); ++i)
    if (!same(a.pools[i], b.pools[i]))
      return false;
  if (a.cluster.nodes.size() != b.cluster.nodes.size())
    return false;
  for (size_t i = 0; i < a.cluster.nodes.size(); ++i)
    if (!same(a.cluster.nodes[i], b.cluster.nodes[i]))
      return false;
  return same(a.cluster, b.cluster) && same(a.node, b.node) && same(a.shards, b.shards) && same(a.gateway, b.gateway) &&
         same(a.http, b.http);
}

} // namespace keel::config
