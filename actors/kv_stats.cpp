#include "actors/kv_stats.hpp"

namespace keel::actors {

kv_stats::kv_stats(size_t shards) : n_(shards), cells_(new kv_shard_stats[shards]) {
}

kv_stats::totals kv_stats::sum() const noexcept {
  totals t;
  for (size_t k = 0; k < n_; ++k) {
    auto& c = cells_[k];
    t.keys += c.keys.load(std::memory_order_relaxed);
    t.expires += c.expires.load(std::memory_order_relaxed);
    t.used_memory += c.used_memory.load(std::memory_order_relaxed);
    t.evicted_keys += c.evicted_keys.load(std::memory_order_relaxed);
    t.expired_keys += c.expired_keys.load(std::memory_order_relaxed);
    t.writes += c.writes.load(std::memory_order_relaxed);
  }
  return t;
}

} // namespace keel::actors
