#include "config/detail/schema.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
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
      {"routers", [&](auto& v, auto& q) { r.read_uint(v, q, 0, 1024, out.routers); }},
      {"hash_tags", [&](auto& v, auto& q) { r.read_bool(v, q, out.hash_tags); }},
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

// -- cluster ------------------------------------------------------------------

/// Splits "host:port" ("[::1]:7401" for IPv6); false when it is not of that form.
bool split_address(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  uint32_t v = 0;
  for (size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || v > 65535)
      return false;
    v = v * 10 + static_cast<uint32_t>(text[i] - '0');
  }
  if (v == 0 || v > 65535 || host.empty())
    return false;
  port = static_cast<uint16_t>(v);
  return true;
}

/// Parses a decimal shard id; false when `text` is not one or exceeds 4095.
bool parse_id(const std::string& text, uint32_t& out) {
  if (text.empty() || text.size() > 4)
    return false;
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return v < 4096;
}

/// A list of shard ids and ranges ("0-3"), sorted and without duplicates.
void read_shard_ids(const YAML::Node& n, const place& p, reader& r, std::vector<uint32_t>& out) {
  static const std::string expected = "a list of shard ids and ranges, e.g. [0-3, 7]";
  if (!n.IsSequence()) {
    r.wrong_type(n, p, "a list", expected);
    return;
  }
  std::vector<uint32_t> ids;
  for (size_t i = 0; i < n.size(); ++i) {
    auto elem = n[i];
    auto ep = r.item(p, i, elem);
    if (!elem.IsScalar()) {
      r.wrong_type(elem, ep, "a shard id or range", expected);
      continue;
    }
    auto text = elem.Scalar();
    auto dash = text.find('-');
    uint32_t lo = 0;
    uint32_t hi = 0;
    bool ok = dash == std::string::npos
                ? parse_id(text, lo) && (hi = lo, true)
                : parse_id(text.substr(0, dash), lo) && parse_id(text.substr(dash + 1), hi);
    if (!ok || lo > hi) {
      r.error(ep.at, ep.path + " is '" + text + "'; expected a shard id (0..4095) or a range "
                                                 "lo-hi with lo <= hi, e.g. 0-3");
      continue;
    }
    for (auto k = lo; k <= hi; ++k) {
      if (std::find(ids.begin(), ids.end(), k) != ids.end()) {
        r.error(ep.at, ep.path + " lists shard " + std::to_string(k) +
                           " a second time; list each shard once");
        break;
      }
      ids.push_back(k);
    }
  }
  std::sort(ids.begin(), ids.end());
  out = std::move(ids);
}

/// "0-3, 7, 9-10": ids as ranges.
std::string id_ranges(const std::vector<uint32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    auto j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
      ++j;
    if (!out.empty())
      out += ", ";
    out += std::to_string(ids[i]);
    if (j > i)
      out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

struct node_places {
  place at;    // the list item
  places keys; // its keys
};

std::optional<places> read_cluster_node(const YAML::Node& n, const place& p, reader& r,
                                        cluster_node& out) {
  std::vector<field> fields{
      {"name", [&](auto& v, auto& q) { r.read_string(v, q, true, out.name); }},
      {"address",
       [&](auto& v, auto& q) {
         std::string text;
         r.read_string(v, q, true, text);
         if (!text.empty() && !split_address(text, out.host, out.port))
           r.error(q.at, q.path + " is '" + text + "'; expected host:port with a port in "
                                                   "1..65535, e.g. 127.0.0.1:7401");
       }},
      {"shards", [&](auto& v, auto& q) { read_shard_ids(v, q, r, out.shards); }},
  };
  if (!n.IsMap()) {
    r.wrong_type(n, p, "a map", "a map with name, address and shards, e.g. {name: a, address: "
                                "127.0.0.1:7401, shards: [0-3]}");
    return std::nullopt;
  }
  return r.read_map(n, p, p.path, fields);
}

void read_cluster_nodes(const YAML::Node& n, const place& p, reader& r,
                        std::vector<cluster_node>& out, std::vector<node_places>& where) {
  if (n.IsNull())
    return;
  if (!n.IsSequence()) {
    r.wrong_type(n, p, "a list", "a list of nodes, each {name, address, shards}");
    return;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    auto entry = n[i];
    auto ep = r.item(p, i, entry);
    cluster_node node;
    auto keys = read_cluster_node(entry, ep, r, node);
    if (!keys)
      continue;
    for (auto key : {"name", "address", "shards"})
      if (keys->count(key) == 0)
        r.error(ep.at, ep.path + " has no " + key + "; each node needs name, address and "
                                                    "shards");
    out.push_back(std::move(node));
    where.push_back({ep, std::move(*keys)});
  }
}

/// Names unique, addresses unique, `name` among them, every shard on exactly one node.
void check_cluster(const node_config& cfg, const place& section, const places& keys,
                   const std::vector<node_places>& where, reader& r) {
  auto& c = cfg.cluster;
  auto key_at = [&](const places& ks, const char* key, const place& fallback) {
    auto i = ks.find(key);
    return i != ks.end() ? i->second : fallback;
  };
  if (c.nodes.empty()) {
    if (!c.name.empty())
      r.error(key_at(keys, "name", section).at,
              "cluster.name is set but cluster.nodes is empty; list the nodes with their "
              "addresses and shards, or remove the cluster section");
    return;
  }
  std::map<std::string, size_t> names;
  std::map<std::pair<std::string, uint16_t>, size_t> addresses;
  std::map<uint32_t, size_t> owner;
  std::string all_names;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    auto& x = c.nodes[i];
    auto& w = where[i];
    all_names += (all_names.empty() ? "" : ", ") + x.name;
    if (auto [first, fresh] = names.emplace(x.name, i); !fresh)
      r.error(key_at(w.keys, "name", w.at).at,
              "duplicate node name '" + x.name + "' in " + w.at.path + " (first in " +
                  where[first->second].at.path + "); give each node a unique name");
    if (auto [first, fresh] = addresses.emplace(std::make_pair(x.host, x.port), i); !fresh)
      r.error(key_at(w.keys, "address", w.at).at,
              w.at.path + " has the address of " + where[first->second].at.path +
                  "; give each node its own host:port");
    std::vector<uint32_t> outside;
    for (auto k : x.shards) {
      if (k >= cfg.shards.count) {
        outside.push_back(k);
        continue;
      }
      if (auto [first, fresh] = owner.emplace(k, i); !fresh)
        r.error(key_at(w.keys, "shards", w.at).at,
                "shard " + std::to_string(k) + " is placed on node '" +
                    c.nodes[first->second].name + "' (" + where[first->second].at.path +
                    ") and on node '" + x.name + "' (" + w.at.path +
                    "); each shard id belongs to exactly one node");
    }
    if (!outside.empty())
      r.error(key_at(w.keys, "shards", w.at).at,
              w.at.path + ".shards has " + id_ranges(outside) + ", but shards.count is " +
                  std::to_string(cfg.shards.count) + "; expected ids 0.." +
                  std::to_string(cfg.shards.count - 1));
  }
  std::vector<uint32_t> missing;
  for (uint32_t k = 0; k < cfg.shards.count; ++k)
    if (owner.count(k) == 0)
      missing.push_back(k);
  if (!missing.empty())
    r.error(key_at(keys, "nodes", section).at,
            "shard" + std::string(missing.size() == 1 ? " " : "s ") + id_ranges(missing) +
                " of shards.count " + std::to_string(cfg.shards.count) +
                " are placed on no node; add them to one node's shards");
  if (c.name.empty())
    r.error(section.at, "cluster has nodes but no name; set cluster.name to this node's name "
                        "(one of " + all_names + "), e.g. --set cluster.name=" +
                            c.nodes.front().name);
  else if (names.count(c.name) == 0)
    r.error(key_at(keys, "name", section).at,
            "cluster.name is '" + c.name + "'; expected one of " + all_names +
                " (the names in cluster.nodes)");
}

void read_cluster(const YAML::Node& n, const place& p, reader& r, node_config& cfg,
                  std::optional<places>& keys, std::vector<node_places>& where) {
  auto& out = cfg.cluster;
  std::vector<field> fields{
      {"name", [&](auto& v, auto& q) { r.read_string(v, q, false, out.name); }},
      {"nodes", [&](auto& v, auto& q) { read_cluster_nodes(v, q, r, out.nodes, where); }},
      {"connect_timeout_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_ms, out.connect_timeout_ms); }},
      {"reconnect_max_ms",
       [&](auto& v, auto& q) { r.read_uint(v, q, 1, max_ms, out.reconnect_max_ms); }},
  };
  keys = r.read_map(n, p, "cluster", fields);
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
  std::optional<places> cluster;
  std::optional<place> cluster_at;
  std::vector<node_places> cluster_nodes;
  size_t cluster_errors = 0;
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
      {"cluster",
       [&](auto& v, auto& q) {
         auto before = r.error_count();
         cluster_at = q;
         read_cluster(v, q, r, out, cluster, cluster_nodes);
         cluster_errors = r.error_count() - before;
       }},
  };
  auto keys = r.read_map(root, top, "root", sections);
  if (!keys)
    return;
  places none;
  if (gateway_errors == 0 && http_errors == 0)
    check_ports(out, gateway ? *gateway : none, http ? *http : none, top, r);
  if (cluster && cluster_errors == 0)
    check_cluster(out, *cluster_at, *cluster, cluster_nodes, r);
}

} // namespace keel::config::detail
