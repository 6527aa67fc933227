#include "actors/kv_keyspace.hpp"

#include <cassert>

namespace keel::actors::detail {

kv_keyspace::node* kv_keyspace::find(const std::string& key) {
  auto i = map_.find(key);
  return i == map_.end() ? nullptr : &*i;
}

kv_keyspace::node& kv_keyspace::upsert(const std::string& key) {
  auto [i, added] = map_.try_emplace(key);
  auto& n = *i;
  if (!added)
    return n;
  used_ += key.size() + kv_entry_overhead;
  uint32_t slot = kv_entry::npos;
  while (!free_.empty()) {
    auto s = free_.back();
    free_.pop_back();
    if (s < slots_.size() && slots_[s] == nullptr) {
      slot = s;
      break;
    }
  }
  if (slot == kv_entry::npos) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(nullptr);
  }
  slots_[slot] = &n;
  n.second.slot = slot;
  return n;
}

void kv_keyspace::assign(node& n, std::string value) {
  used_ -= n.second.value.size();
  used_ += value.size();
  n.second.value = std::move(value);
}

void kv_keyspace::append(node& n, std::string_view suffix) {
  used_ += suffix.size();
  n.second.value.append(suffix.data(), suffix.size());
}

void kv_keyspace::set_expire(node& n, int64_t expire_at) {
  auto& e = n.second;
  if (expire_at == kv_no_expiry) {
    unlink_volatile(e);
  } else if (e.volatile_pos == kv_entry::npos) {
    e.volatile_pos = static_cast<uint32_t>(volatile_.size());
    volatile_.push_back(&n);
  }
  e.expire_at = expire_at;
}

void kv_keyspace::unlink_volatile(kv_entry& e) {
  if (e.volatile_pos == kv_entry::npos)
    return;
  auto* last = volatile_.back();
  volatile_[e.volatile_pos] = last;
  last->second.volatile_pos = e.volatile_pos;
  volatile_.pop_back();
  e.volatile_pos = kv_entry::npos;
}

void kv_keyspace::erase(node& n) {
  auto& e = n.second;
  unlink_volatile(e);
  used_ -= n.first.size() + e.value.size() + kv_entry_overhead;
  auto slot = e.slot;
  assert(slot < slots_.size() && slots_[slot] == &n);
  slots_[slot] = nullptr;
  if (slot + 1 == slots_.size()) {
    while (!slots_.empty() && slots_.back() == nullptr)
      slots_.pop_back();
  } else {
    free_.push_back(slot);
  }
  map_.erase(map_.find(n.first)); // not erase(n.first): that key dies with the node
  if (map_.empty()) {
    slots_.clear();
    free_.clear();
  }
}

void kv_keyspace::clear() {
  map_.clear();
  slots_.clear();
  free_.clear();
  volatile_.clear();
  used_ = 0;
}

kv_keyspace::node* kv_keyspace::random_key(kv_rng& rng) {
  if (map_.empty())
    return nullptr;
  auto n = slots_.size();
  for (int attempt = 0; attempt < 64; ++attempt)
    if (auto* x = slots_[rng() % n])
      return x;
  // Mostly free slots: walk from a random start (still picks every key with some chance).
  auto start = rng() % n;
  for (std::size_t k = 0; k < n; ++k)
    if (auto* x = slots_[(start + k) % n])
      return x;
  return nullptr; // unreachable: map_ is not empty
}

kv_keyspace::node* kv_keyspace::random_volatile(kv_rng& rng) {
  if (volatile_.empty())
    return nullptr;
  return volatile_[rng() % volatile_.size()];
}

} // namespace keel::actors::detail
