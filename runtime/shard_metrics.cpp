#include "runtime/shard_metrics.hpp"

#include <mutex>
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

void kv_metrics(metrics_registry& reg, std::shared_ptr<const actors::kv_stats> numbers,
                const std::vector<uint32_t>& shards) {
  struct series {
    const actors::kv_shard_stats* from;
    gauge* keys;
    gauge* expires;
    gauge* used_memory;
    counter* evicted;
    counter* expired;
    counter* writes;
  };
  std::vector<series> all;
  for (auto k : shards) {
    if (k >= numbers->size())
      continue;
    metric_labels shard{{"shard", std::to_string(k)}};
    all.push_back(series{
      &numbers->shard(k),
      &reg.gauge("keel_kv_keys", "Keys in the shard (expired ones not yet deleted included).",
                 shard),
      &reg.gauge("keel_kv_expires", "Keys in the shard with a time to live.", shard),
      &reg.gauge("keel_kv_used_memory_bytes",
                 "Bytes the shard's data takes, as maxmemory counts them.", shard),
      &reg.counter("keel_kv_evicted_keys_total", "Keys deleted over maxmemory.", shard),
      &reg.counter("keel_kv_expired_keys_total",
                   "Keys deleted because their time to live ran out.", shard),
      &reg.counter("keel_kv_writes_total", "Commands that changed the shard's data.", shard)});
  }
  // Two scrapes at once must not both add a counter's catch-up.
  auto one_at_a_time = std::make_shared<std::mutex>();
  reg.add_collector([numbers, all, one_at_a_time] {
    std::lock_guard<std::mutex> guard{*one_at_a_time};
    auto catch_up = [](counter& c, uint64_t total) {
      if (total > c.value())
        c.inc(total - c.value());
    };
    auto as_gauge = [](const std::atomic<uint64_t>& x) {
      return static_cast<int64_t>(x.load(std::memory_order_relaxed));
    };
    for (auto& s : all) {
      s.keys->set(as_gauge(s.from->keys));
      s.expires->set(as_gauge(s.from->expires));
      s.used_memory->set(as_gauge(s.from->used_memory));
      catch_up(*s.evicted, s.from->evicted_keys.load(std::memory_order_relaxed));
      catch_up(*s.expired, s.from->expired_keys.load(std::memory_order_relaxed));
      catch_up(*s.writes, s.from->writes.load(std::memory_order_relaxed));
    }
  });
}

} // namespace keel::runtime
