// keel::actors::kv_stats: what the KV shards of a node tell the rest of it about their data, for
// INFO and /metrics: per shard, the keys, the keys with a time to live and the accounted bytes
// (gauges), and the keys evicted and expired and the commands that changed data (counters since
// the node started: a restarted shard adds to them; replaying the log at its start does not
// count again).
//
// Each kv_state_machine given a slot (kv_options::stats) publishes after every command, tick
// and recovery. Thread-safety: a slot has one writer, its shard's current machine (plain
// relaxed stores, no locked adds), and is read from any thread: each number is exact, a sum
// over shards is a moment's view.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace keel::actors {

/// One shard's numbers (its own cache line: shards on different threads do not contend).
struct alignas(64) kv_shard_stats {
  std::atomic<uint64_t> keys{0};
  std::atomic<uint64_t> expires{0};
  std::atomic<uint64_t> used_memory{0};
  std::atomic<uint64_t> evicted_keys{0};
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> writes{0}; ///< commands that changed data (Redis' "changes")
};

/// The numbers of all shards of a node, by shard id.
class kv_stats {
public:
  /// A node's numbers, summed over its shards.
  struct totals {
    uint64_t keys = 0;
    uint64_t expires = 0;
    uint64_t used_memory = 0;
    uint64_t evicted_keys = 0;
    uint64_t expired_keys = 0;
    uint64_t writes = 0;
  };

  explicit kv_stats(size_t shards);

  [[nodiscard]] size_t size() const noexcept { return n_; }

  /// Shard k's slot. @pre k < size()
  [[nodiscard]] kv_shard_stats& shard(size_t k) noexcept { return cells_[k]; }
  [[nodiscard]] const kv_shard_stats& shard(size_t k) const noexcept { return cells_[k]; }

  [[nodiscard]] totals sum() const noexcept;

private:
  size_t n_;
  std::unique_ptr<kv_shard_stats[]> cells_;
};

} // namespace keel::actors
