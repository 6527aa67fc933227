// dump: a node_config as YAML, every key in struct order, enums by name, sizes as integers.
#include "config/detail/enum_names.hpp"
#include "config/load.hpp"

#include <yaml-cpp/yaml.h>

namespace keel::config {

namespace {

using detail::name_of;

template <class T>
void put(YAML::Emitter& out, const char* key, const T& value) {
  out << YAML::Key << key << YAML::Value << value;
}

void put_string(YAML::Emitter& out, const char* key, const std::string& value) {
  // Always quoted: a plain scalar such as `~`, `123` or `on` would read back as another type.
  out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
}

void dump_pool(YAML::Emitter& out, const pool_config& p) {
  out << YAML::BeginMap;
  put_string(out, "name", p.name);
  put(out, "kind", name_of(p.kind));
  put(out, "size", p.size);
  put(out, "max_overflow", p.max_overflow);
  put(out, "start", p.lazy ? "lazy" : "eager");
  put(out, "strategy", name_of(p.strategy));
  put(out, "checkout_timeout_ms", p.checkout_timeout_ms);
  put(out, "max_waiters", p.max_waiters);
  put(out, "on_worker_death", name_of(p.on_death));
  out << YAML::Key << "command" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (auto& arg : p.command)
    out << YAML::DoubleQuoted << arg;
  out << YAML::EndSeq;
  out << YAML::Key << "env" << YAML::Value;
  if (p.env.empty())
    out << YAML::Flow;
  out << YAML::BeginMap;
  for (auto& [k, v] : p.env)
    out << YAML::Key << YAML::DoubleQuoted << k << YAML::Value << YAML::DoubleQuoted << v;
  out << YAML::EndMap;
  put(out, "min_ready", p.min_ready);
  put(out, "request_timeout_ms", p.request_timeout_ms);
  put(out, "health_interval_ms", p.health_interval_ms);
  out << YAML::EndMap;
}

void dump_cluster(YAML::Emitter& out, const cluster_section& c) {
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  put_string(out, "name", c.name);
  out << YAML::Key << "nodes" << YAML::Value;
  if (c.nodes.empty())
    out << YAML::Flow;
  out << YAML::BeginSeq;
  for (auto& n : c.nodes) {
    out << YAML::BeginMap;
    put_string(out, "name", n.name);
    auto host = n.host.find(':') != std::string::npos ? "[" + n.host + "]" : n.host;
    put_string(out, "address", host + ":" + std::to_string(n.port));
    out << YAML::Key << "shards" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (size_t i = 0; i < n.shards.size();) {
      auto j = i;
      while (j + 1 < n.shards.size() && n.shards[j + 1] == n.shards[j] + 1)
        ++j;
      if (j == i)
        out << n.shards[i];
      else
        out << std::to_string(n.shards[i]) + "-" + std::to_string(n.shards[j]);
      i = j + 1;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;
  put(out, "connect_timeout_ms", c.connect_timeout_ms);
  put(out, "reconnect_max_ms", c.reconnect_max_ms);
  out << YAML::EndMap;
}

} // namespace

std::string dump(const node_config& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;

  out << YAML::Key << "node" << YAML::Value << YAML::BeginMap;
  put_string(out, "name", cfg.node.name);
  put_string(out, "data_dir", cfg.node.data_dir);
  put(out, "log_level", name_of(cfg.node.level));
  put(out, "scheduler_threads", cfg.node.scheduler_threads);
  out << YAML::EndMap;

  out << YAML::Key << "shards" << YAML::Value << YAML::BeginMap;
  put(out, "count", cfg.shards.count);
  put(out, "sync", name_of(cfg.shards.sync));
  put(out, "sync_interval_ms", cfg.shards.sync_interval_ms);
  put(out, "recovery", name_of(cfg.shards.recovery));
  put(out, "segment_bytes", cfg.shards.segment_bytes);
  put(out, "snapshot_threshold_bytes", cfg.shards.snapshot_threshold_bytes);
  put(out, "startup_timeout_ms", cfg.shards.startup_timeout_ms);
  put(out, "maxmemory", cfg.shards.maxmemory);
  put(out, "maxmemory_policy", name_of(cfg.shards.maxmemory_policy));
  put(out, "routers", cfg.shards.routers);
  put(out, "hash_tags", cfg.shards.hash_tags);
  out << YAML::EndMap;

  out << YAML::Key << "gateway" << YAML::Value << YAML::BeginMap;
  put(out, "enabled", cfg.gateway.enabled);
  put_string(out, "bind", cfg.gateway.bind);
  put(out, "port", cfg.gateway.port);
  put_string(out, "password", cfg.gateway.password);
  put(out, "max_clients", cfg.gateway.max_clients);
  put(out, "max_bulk_bytes", cfg.gateway.max_bulk_bytes);
  put(out, "max_array_len", cfg.gateway.max_array_len);
  put(out, "idle_timeout_s", cfg.gateway.idle_timeout_s);
  put(out, "output_buffer_limit_bytes", cfg.gateway.output_buffer_limit_bytes);
  out << YAML::EndMap;

  out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
  put(out, "enabled", cfg.http.enabled);
  put_string(out, "bind", cfg.http.bind);
  put(out, "port", cfg.http.port);
  out << YAML::EndMap;

  out << YAML::Key << "pools" << YAML::Value;
  if (cfg.pools.empty())
    out << YAML::Flow;
  out << YAML::BeginSeq;
  for (auto& p : cfg.pools)
    dump_pool(out, p);
  out << YAML::EndSeq;

  dump_cluster(out, cfg.cluster);

  out << YAML::EndMap;
  return std::string{out.c_str()} + '\n';
}

} // namespace keel::config
