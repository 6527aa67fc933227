// keel::actors::kv_options: the settings of one KV state machine (one shard).
//
// Defaults are Redis' defaults. Thread-safety: a value type (`stats` is shared, see kv_stats.hpp).
#pragma once

#include <cstdint>
#include <memory>

namespace keel::actors {

class kv_stats;

/// What a write does when the accounted memory exceeds maxmemory.
enum class kv_eviction_policy : uint8_t {
  noeviction,  ///< refuse writes that may grow memory with "OOM command not allowed ..."
  allkeys_lru, ///< evict approximately least recently used keys, as Redis' allkeys-lru
};

struct kv_options {
  /// Memory limit in accounted bytes (key + value + kv_entry_overhead per key); 0: none.
  uint64_t maxmemory = 0;

  /// What happens over maxmemory.
  kv_eviction_policy policy = kv_eviction_policy::noeviction;

  /// Keys sampled per eviction (Redis' maxmemory-samples).
  uint32_t maxmemory_samples = 5;

  /// Keys the expire cycle run by tick() may sample at most.
  uint32_t expire_cycle_budget = 200;

  /// Seed of the sampling RNG (eviction and active expiry): equal seeds, equal choices.
  uint64_t seed = 0x6b65656c; // "keel"

  /// Where the machine publishes its numbers (kv_stats.hpp), in slot `stats_slot` (its shard
  /// id); null: nowhere.
  std::shared_ptr<kv_stats> stats;
  uint32_t stats_slot = 0;
};

} // namespace keel::actors
