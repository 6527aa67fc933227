// keel::actors::shard_directory: the shard hosts of this node that take requests now, by shard
// index, readable from any thread.
//
// Each host publishes itself through shard_host_options::on_serving (shard_directory::
// publisher makes the callback): set once it has recovered, cleared when it stops serving. In
// between restarts a shard has no entry, and callers take the path that waits for it (the
// router). Entries are weak: the directory keeps no host alive.
//
// Thread-safety: every member may be called from any thread (one mutex per shard).
#pragma once

#include "actors/key_placement.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace keel::actors {

class shard_directory {
public:
  /// A directory of `shard_count` shards placed by `hash` (key_placement.hpp), none serving.
  explicit shard_directory(uint32_t shard_count, key_hash hash = key_hash::hash_tags);

  [[nodiscard]] uint32_t shard_count() const noexcept { return count_; }
  [[nodiscard]] key_hash hash() const noexcept { return hash_; }

  /// Records `host` as shard k's (serving) or removes it if it is still the entry (not serving).
  void update(uint32_t k, const caf::actor& host, bool serving);

  /// Shard k's host, or invalid when it has none right now.
  [[nodiscard]] caf::actor get(uint32_t k) const;

  /// True when every shard has a host.
  [[nodiscard]] bool all_serving() const noexcept {
    return serving_.load(std::memory_order_acquire) == count_;
  }

  /// The on_serving callback of shard k's host options.
  [[nodiscard]] static std::function<void(const caf::actor&, bool)>
  publisher(std::shared_ptr<shard_directory> dir, uint32_t k);

private:
  struct entry {
    mutable std::mutex mtx;
    caf::actor_addr host;
  };
  uint32_t count_;
  key_hash hash_;
  std::unique_ptr<entry[]> entries_;
  std::atomic<uint32_t> serving_{0};
};

} // namespace keel::actors
