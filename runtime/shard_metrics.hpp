// keel::runtime shard metrics: per-shard series for /metrics, fed by the shards' observers.
//
//   keel_shard_ops_total{shard}            requests executed by the shard's state machine
//   keel_wal_syncs_total{shard}            fdatasync calls that made records durable
//   keel_wal_synced_records_total{shard}   records made durable
//   keel_wal_sync_seconds{shard}           fdatasync latency (histogram)
//   keel_wal_group_commit_records{shard}   records per fdatasync: the group commit's batch size
//
// Series are registered once per shard when the node starts; the observers only touch atomics.
// Thread-safety: the observers run on the shard host's and the writer's threads.
#pragma once

#include "actors/shard.hpp"
#include "runtime/metrics.hpp"

#include <functional>

namespace keel::runtime {

/// Sets shard k's observers to update its series in `reg` (registered on first use).
/// @pre `reg` outlives every shard.
[[nodiscard]] std::function<void(actors::shard_options&)> shard_metrics(metrics_registry& reg);

} // namespace keel::runtime
