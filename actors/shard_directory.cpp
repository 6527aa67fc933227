#include "actors/shard_directory.hpp"

#include <caf/actor_cast.hpp>

namespace keel::actors {

shard_directory::shard_directory(uint32_t shard_count, key_hash hash)
  : count_(shard_count), hash_(hash), entries_(std::make_unique<entry[]>(shard_count)) {
}

void shard_directory::update(uint32_t k, const caf::actor& host, bool serving) {
  if (k >= count_ || !host)
    return;
  auto& e = entries_[k];
  std::lock_guard<std::mutex> guard{e.mtx};
  if (serving) {
    if (!e.host)
      serving_.fetch_add(1, std::memory_order_acq_rel);
    e.host = host.address();
  } else if (e.host == host.address()) {
    e.host = caf::actor_addr{};
    serving_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

caf::actor shard_directory::get(uint32_t k) const {
  if (k >= count_)
    return {};
  auto& e = entries_[k];
  std::lock_guard<std::mutex> guard{e.mtx};
  return caf::actor_cast<caf::actor>(e.host);
}

std::function<void(const caf::actor&, bool)>
shard_directory::publisher(std::shared_ptr<shard_directory> dir, uint32_t k) {
  return [dir = std::move(dir), k](const caf::actor& host, bool serving) {
    dir->update(k, host, serving);
  };
}

} // namespace keel::actors
