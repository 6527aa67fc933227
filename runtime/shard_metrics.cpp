#include "runtime/shard_metrics.hpp"

#include <string>

namespace keel::runtime {

std::function<void(actors::shard_options&)> shard_metrics(metrics_registry& reg) {
  return [&reg](actors::shard_options& so) {
    metric_labels shard{{"shard", std::to_string(so.host.shard)}};
    auto& ops = reg.counter("keel_shard_ops_total",
                            "Requests executed by the shard's state machine.", shard);
    auto& syncs = reg.counter("keel_wal_syncs_total",
                              "WAL fdatasync calls that made records durable.", shard);
    auto& records = reg.counter("keel_wal_synced_records_total",
                                "WAL records made durable.", shard);
    auto& latency = reg.histogram("keel_wal_sync_seconds", "WAL fdatasync latency.",
                                  latency_buckets_seconds(), shard);
    auto& group = reg.histogram("keel_wal_group_commit_records",
                                "Records made durable by one fdatasync (group commit size).",
                                exponential_buckets(1, 2, 16), shard);
    so.host.on_executed = [&ops](uint64_t n) { ops.inc(n); };
    so.wal.on_sync = [&syncs, &records, &latency, &group](std::chrono::nanoseconds took,
                                                         uint64_t n) {
      syncs.inc();
      records.inc(n);
      latency.observe(std::chrono::duration<double>(took).count());
      group.observe(static_cast<double>(n));
    };
  };
}

} // namespace keel::runtime
