// keel::config: the typed configuration of a keel node.
//
// A node_config is plain data: every field has its default right here (the one place defaults
// live), `load_file` fills it from YAML and validates it, `dump` writes it back as YAML that
// loads again to an equal config. Code outside config/ only ever sees a validated node_config.
// Thread-safety: plain values, copy freely.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keel::config {

/// How a shard's WAL writer acknowledges appends (wal.md, "Writing").
enum class sync_policy : uint8_t {
  group,    ///< ack after the fdatasync that covers the record (default)
  interval, ///< fdatasync every `sync_interval_ms`, ack before the sync
  none,     ///< never sync (tests and caches)
};

/// What WAL recovery does with a bad record (wal.md, "Recovery").
enum class recovery_mode : uint8_t {
  tolerate_torn_tail, ///< a bad record at the very end is the end of the log (default)
  absolute,           ///< any bad record refuses to start
  point_in_time,      ///< stop at the first bad record, move the rest aside
  skip,               ///< skip bad records (salvage only)
};

/// What a write does when the node's KV data exceed `shards.maxmemory` (Redis' policies).
enum class eviction_policy : uint8_t {
  noeviction,  ///< refuse writes that may grow memory with Redis' OOM error (default)
  allkeys_lru, ///< evict approximately least recently used keys (YAML `allkeys-lru`)
};

/// spdlog levels, by their spdlog names.
enum class log_level : uint8_t { trace, debug, info, warn, error, critical, off };

/// How a pool runs its workers.
enum class pool_kind : uint8_t { actor, process };

/// How a pool picks a worker for a checkout.
enum class pool_strategy : uint8_t { round_robin, least_busy };

/// What a pool does with a request whose worker died mid-request.
enum class on_worker_death : uint8_t { retry, fail };

/// `node:` section.
struct node_section {
  std::string name = "keel";
  std::string data_dir = "./data";
  log_level level = log_level::info; ///< YAML key `log_level`
  uint32_t scheduler_threads = 0;    ///< 0 = one per core (less one with the gateway on)
};

/// `shards:` section.
struct shards_section {
  uint32_t count = 8;                                    ///< 1..4096
  sync_policy sync = sync_policy::group;                 ///< YAML key `sync`
  uint32_t sync_interval_ms = 10;                        ///< used by sync: interval
  recovery_mode recovery = recovery_mode::tolerate_torn_tail;
  uint64_t segment_bytes = 64ull << 20;                  ///< 1 MiB..4 GiB
  uint64_t snapshot_threshold_bytes = 256ull << 20;      ///< log size that triggers a checkpoint
  uint32_t startup_timeout_ms = 30000;                   ///< per shard, recovery included
  uint64_t maxmemory = 0;                                ///< KV bytes per node; 0 = no limit
  eviction_policy maxmemory_policy = eviction_policy::noeviction;
  uint32_t routers = 0; ///< router lanes, 0..1024; 0 = one per scheduler thread (1 in a cluster)
  /// Keys with a hash tag ({...}) are placed by the tag (Redis Cluster's rule); false: by the
  /// whole key, as data directories written before hash tags were.
  bool hash_tags = true;
};

/// `gateway:` section (RESP2 server).
struct gateway_section {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  uint16_t port = 6380;
  std::string password;                           ///< `requirepass`; empty = no AUTH needed
  uint32_t max_clients = 10000;
  uint64_t max_bulk_bytes = 512ull << 20;         ///< largest bulk string accepted
  uint32_t max_array_len = 1u << 20;              ///< most elements in one multi-bulk
  uint32_t idle_timeout_s = 0;                    ///< 0 = never close idle clients
  uint64_t output_buffer_limit_bytes = 64ull << 20; ///< a client that doesn't read is closed
};

/// `http:` section (/metrics, /healthz).
struct http_section {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  uint16_t port = 9121;
};

/// One entry of the `pools:` list.
struct pool_config {
  std::string name;                      ///< required, unique
  pool_kind kind = pool_kind::actor;
  uint32_t size = 4;                     ///< 1..1024
  uint32_t max_overflow = 0;
  bool lazy = false;                     ///< YAML `start: lazy | eager`
  pool_strategy strategy = pool_strategy::round_robin;
  uint32_t checkout_timeout_ms = 5000;
  uint32_t max_waiters = 1024;
  on_worker_death on_death = on_worker_death::retry; ///< YAML key `on_worker_death`
  std::vector<std::string> command;      ///< kind: process: program and arguments (required)
  std::map<std::string, std::string> env;
  uint32_t min_ready = 0;                ///< 0 = all of `size`
  uint32_t request_timeout_ms = 5000;
  uint32_t health_interval_ms = 1000;    ///< 0 = no health pings
};

/// One entry of `cluster.nodes`: a keel-node and the shard ids it owns.
struct cluster_node {
  std::string name;            ///< required, unique
  std::string host;            ///< YAML `address: host:port`; where peers reach its shards
  uint16_t port = 0;           ///< 1..65535
  std::vector<uint32_t> shards; ///< YAML ids and ranges (`[0-3, 7]`); sorted, no duplicates
};

/// `cluster:` section. Empty `nodes` (the default): a single node owning every shard. Every
/// node of a cluster loads the same section but for `name`, e.g. `--set cluster.name=b`.
/// Traffic between nodes is not encrypted: keep cluster addresses on loopback or a private
/// network (examples/cluster/README.md).
struct cluster_section {
  std::string name;                     ///< this node, one of `nodes` (required with nodes)
  std::vector<cluster_node> nodes;      ///< placement: together they own each shard once
  uint32_t connect_timeout_ms = 2000;   ///< one connection attempt to a peer
  uint32_t reconnect_max_ms = 2000;     ///< backoff between attempts doubles up to this
};

/// The whole node.
struct node_config {
  node_section node;
  shards_section shards;
  gateway_section gateway;
  http_section http;
  std::vector<pool_config> pools;
  cluster_section cluster;
};

/// The cluster entry of this node, or nullptr when `cfg` is not a cluster (no cluster.nodes).
[[nodiscard]] const cluster_node* this_node(const node_config& cfg);

/// The shard ids this node hosts: those of its cluster entry, or 0..shards.count-1.
[[nodiscard]] std::vector<uint32_t> local_shards(const node_config& cfg);

/// A fingerprint of shards.count, shards.hash_tags and cluster.nodes (names, addresses,
/// shards): nodes refuse peers whose placement differs.
[[nodiscard]] uint64_t placement_fingerprint(const node_config& cfg);

} // namespace keel::config
