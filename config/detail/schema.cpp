#include "config/detail/schema.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keel::config::detail {

namespace {

// -- ranges (the one place they are defined) ----------------------------------

constexpr uint64_t kib = uint64_t{1} << 10;
constexpr uint64_t mib = uint64_t{1} << 20;
constexpr uint64_t gib = uint64_t{1} << 30;
constexpr uint64_t max_ms = 3'600'000; // one hour
constexpr uint64_t max_workers = 1024;

using places = std::map<std::string, place>;

// -- sections -----------------------------------------------------------------

void read_node(const YAML::Node& n, const place& p, reader& r, node_section& out) {
  std::vector<field> fields{
      {"name", [&](auto& v, auto& q) { r.read_string(v, q, true, out.name); }},
      {"data_dir", [&](auto& v, auto& q) { r.read_string(v, q, true, out.data_dir); }},
      {"log_level", [&](auto& v, auto& q) { r.read_enum(v, q, out.level); }},
      {"scheduler_threads",
       [&](auto& v, auto& q) { r.read_uint(v, q, 0, 1024, out.scheduler_threads); }},
  };
  (void)r.read_map(n, p, "node", fields);
}

void read_shards(const YAML::Node& n, const place& p, reader& r, shards_section& out) {
  std::vector<field> fields{
      {"count", [&](auto& v, auto& q) { r.read_uint(v, q, 1, 4096, out.count); }},
      {"sync", [&](auto& v, auto& q) { r.read_enum(v, q, out.sync); }},
      {"sync_interval_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, 60'000, out.sync_interval_ms); }},
      {"recovery", [&](auto& v, auto& q) { r.read_enum(v, q, out.recovery); }},
      {"segment_bytes",
       [&](auto& v, auto& q) { r.read_size(v, q, mib, 4 * gib, out.segment_bytes); }},
      {"snapshot_threshold_bytes",
       [&](auto& v, auto& q) { r.read_size(v, q, mib, 1024 * gib, out.snapshot_threshold_bytes); }},
      {"startup_timeout_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_ms, out.startup_timeout_ms); }},
      {"maxmemory", [&](auto& v, auto& q) { r.read_size(v, q, 0, 1024 * 1024 * gib, out.maxmemory); }},
      {"maxmemory_policy", [&](auto& v, auto& q) { r.read_enum(v, q, out.maxmemory_policy); }},
  };
  (void)r.read_map(n, p, "shards", fields);
}

std::optional<places> read_gateway(const YAML::Node& n, const place& p, reader& r,
                                   gateway_section& out) {
  std::vector<field> fields{
      {"enabled", [&](auto& v, auto& q) { r.read_bool(v, q, out.enabled); }},
      {"bind", [&](auto& v, auto& q) { r.read_string(v, q, true, out.bind); }},
      {"port", [&](auto& v, auto& q) { r.read_uint(v, q, 0, 65535, out.port); }},
      {"password", [&](auto& v, auto& q) { r.read_string(v, q, false, out.password); }},
      {"max_clients", [&](auto& v, auto& q) { r.read_uint(v, q, 1, 1'000'000, out.max_clients); }},
      {"max_bulk_bytes",
       [&](auto& v, auto& q) { r.read_size(v, q, kib, 4 * gib, out.max_bulk_bytes); }},
      {"max_array_len",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, 1u << 24, out.max_array_len); }},
      {"idle_timeout_s",
       [&](auto& v, auto& q) { r.read_uint(v, q, 0, 7 * 86'400, out.idle_timeout_s); }},
      {"output_buffer_limit_bytes",
       [&](auto& v, auto& q) { r.read_size(v, q, kib, 16 * gib, out.output_buffer_limit_bytes); }},
  };
  return r.read_map(n, p, "gateway", fields);
}

std::optional<places> read_http(const YAML::Node& n, const place& p, reader& r, http_section& out) {
  std::vector<field> fields{
      {"enabled", [&](auto& v, auto& q) { r.read_bool(v, q, out.enabled); }},
      {"bind", [&](auto& v, auto& q) { r.read_string(v, q, true, out.bind); }},
      {"port", [&](auto& v, auto& q) { r.read_uint(v, q, 0, 65535, out.port); }},
  };
  return r.read_map(n, p, "http", fields);
}

/// Reads one pool entry; returns the places of its keys, or nullopt if it is not a map.
std::optional<places> read_pool(const YAML::Node& n, const place& p, reader& r, pool_config& out) {
  std::vector<field> fields{
      {"name", [&](auto& v, auto& q) { r.read_string(v, q, true, out.name); }},
      {"kind", [&](auto& v, auto& q) { r.read_enum(v, q, out.kind); }},
      {"size", [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_workers, out.size); }},
      {"max_overflow",
       [&](auto& v, auto& q) { r.read_uint(v, q, 0, max_workers, out.max_overflow); }},
      {"start",
       [&](auto& v, auto& q) {
         if (!v.IsScalar())
           r.wrong_type(v, q, "a string", "one of eager, lazy");
         else if (v.Scalar() == "lazy" || v.Scalar() == "eager")
           out.lazy = v.Scalar() == "lazy";
         else
           r.error(q.at, q.path + " is '" + v.Scalar() + "'; expected one of eager, lazy");
       }},
      {"strategy", [&](auto& v, auto& q) { r.read_enum(v, q, out.strategy); }},
      {"checkout_timeout_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_ms, out.checkout_timeout_ms); }},
      {"max_waiters", [&](auto& v, auto& q) { r.read_uint(v, q, 0, 1'000'000, out.max_waiters); }},
      {"on_worker_death", [&](auto& v, auto& q) { r.read_enum(v, q, out.on_death); }},
      {"command", [&](auto& v, auto& q) { r.read_string_list(v, q, out.command); }},
      {"env", [&](auto& v, auto& q) { r.read_string_map(v, q, out.env); }},
      {"min_ready", [&](auto& v, auto& q) { r.read_uint(v, q, 0, max_workers, out.min_ready); }},
      {"request_timeout_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_ms, out.request_timeout_ms); }},
      {"health_interval_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 0, max_ms, out.health_interval_ms); }},
  };
  if (!n.IsMap()) {
    r.wrong_type(n, p, "a map", "a map with at least name, e.g. {name: render, size: 4}");
    return std::nullopt;
  }
  return r.read_map(n, p, p.path, fields);
}

/// Checks within one pool that read without errors.
void check_pool(const pool_config& x, const place& p, const places& keys, reader& r) {
  auto at = [&](const char* key) {
    auto i = keys.find(key);
    return i != keys.end() ? i->second.at : p.at;
  };
  if (x.kind == pool_kind::process && x.command.empty())
    r.error(at("kind"), p.path + " has kind process but no command; add command: [program, "
                                 "arg, ...]");
  if (x.kind == pool_kind::actor && !x.command.empty())
    r.error(at("command"),
            p.path + ".command is set but kind is actor; remove command or set kind: process");
  if (x.min_ready > x.size)
    r.error(at("min_ready"), p.path + ".min_ready is " + std::to_string(x.min_ready) +
                                 ", more than size " + std::to_string(x.size) +
                                 "; expected at most size");
}

void read_pools(const YAML::Node& n, const place& p, reader& r, std::vector<pool_config>& out) {
  if (n.IsNull())
    return;
  if (!n.IsSequence()) {
    r.wrong_type(n, p, "a list", "a list of pools, each a map with at least name");
    return;
  }
  std::map<std::string, place> names; // first pool of each name
  for (size_t i = 0; i < n.size(); ++i) {
    auto entry = n[i];
    auto ep = r.item(p, i, entry);
    pool_config pool;
    auto before = r.error_count();
    auto keys = read_pool(entry, ep, r, pool);
    if (!keys)
      continue;
    auto name = keys->find("name");
    if (name == keys->end()) {
      r.error(ep.at, ep.path + " has no name; add name: <a unique pool name>");
    } else if (!pool.name.empty()) {
      auto [first, fresh] = names.emplace(pool.name, name->second);
      if (!fresh)
        r.error(name->second.at,
                "duplicate pool name '" + pool.name + "' in " + ep.path + " (first at " +
                    first->second.path.substr(0, first->second.path.rfind('.')) + ", line " +
                    std::to_string(first->second.at.line) + "); give each pool a unique name");
    }
    if (r.error_count() == before)
      check_pool(pool, ep, *keys, r);
    out.push_back(std::move(pool));
  }
}

/// gateway and http cannot listen on the same port.
void check_ports(const node_config& cfg, const places& gateway, const places& http,
                 const place& top, reader& r) {
  if (!cfg.gateway.enabled || !cfg.http.enabled || cfg.gateway.port != cfg.http.port || cfg.gateway.port == 0)
    return;
  const place* at = &top;
  if (auto i = http.find("port"); i != http.end())
    at = &i->second;
  else if (auto j = gateway.find("port"); j != gateway.end())
    at = &j->second;
  r.error(at->at, "http.port is " + std::to_string(cfg.http.port) +
                      ", the same as gateway.port; expected a different port for each");
}

} // namespace

void read_config(const YAML::Node& root, const origin& from, reader& r, node_config& out) {
  place top;
  top.from = &from;
  top.at = from.base;
  top.key_at = from.base;
  std::optional<places> gateway;
  std::optional<places> http;
  size_t gateway_errors = 0;
  size_t http_errors = 0;
  std::vector<field> sections{
      {"node", [&](auto& v, auto& q) { read_node(v, q, r, out.node); }},
      {"shards", [&](auto& v, auto& q) { read_shards(v, q, r, out.shards); }},
      {"gateway",
       [&](auto& v, auto& q) {
         auto before = r.error_count();
         gateway = read_gateway(v, q, r, out.gateway);
         gateway_errors = r.error_count() - before;
       }},
      {"http",
       [&](auto& v, auto& q) {
         auto before = r.error_count();
         http = read_http(v, q, r, out.http);
         http_errors = r.error_count() - before;
       }},
      {"pools", [&](auto& v, auto& q) { read_pools(v, q, r, out.pools); }},
  };
  auto keys = r.read_map(root, top, "root", sections);
  if (!keys)
    return;
  places none;
  if (gateway_errors == 0 && http_errors == 0)
    check_ports(out, gateway ? *gateway : none, http ? *http : none, top, r);
}

} // namespace keel::config::detail
