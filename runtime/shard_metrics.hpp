// keel::runtime shard metrics: per-shard series for /metrics, fed by the shards' observers.
//
//   keel_shard_ops_total{shard}            requests executed by the shard's state machine
//   keel_wal_syncs_total{shard}            fdatasync calls that made records durable
//   keel_wal_synced_records_total{shard}   records made durable
//   keel_wal_sync_seconds{shard}           fdatasync latency (histogram)
//   keel_wal_group_commit_records{shard}   records per fdatasync: the group commit's batch size
//
// and, from what the KV state machines publish (actors/kv_stats.hpp), read at each scrape:
//
//   keel_kv_keys{shard}                    keys (expired ones not yet deleted included)
//   keel_kv_expires{shard}                 keys with a time to live
//   keel_kv_used_memory_bytes{shard}       accounted bytes (what maxmemory limits)
//   keel_kv_evicted_keys_total{shard}      keys deleted over maxmemory
//   keel_kv_expired_keys_total{shard}      keys deleted because their time to live ran out
//   keel_kv_writes_total{shard}            commands that changed data
//
// Series are registered once per shard when the node starts; the observers only touch atomics.
// Thread-safety: the observers run on the shard host's and the writer's threads.
#pragma once

#include "actors/kv_stats.hpp"
#include "actors/shard.hpp"
#include "runtime/metrics.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace keel::runtime {

/// Sets shard k's observers to update its series in `reg` (registered on first use).
/// @pre `reg` outlives every shard.
[[nodiscard]] std::function<void(actors::shard_options&)> shard_metrics(metrics_registry& reg);

/// Registers the keel_kv_* series of `shards` (ids) in `reg`, copied from `numbers` at each
/// scrape. @pre `reg` outlives nothing it renders from: the collector keeps `numbers` alive.
void kv_metrics(metrics_registry& reg, std::shared_ptr<const actors::kv_stats> numbers,
                const std::vector<uint32_t>& shards);

} // namespace keel::runtime
