#include "actors/kv_keyspace.hpp"

#include <cassert>
#include <functional>
#include <utility>

namespace keel::actors::detail {

namespace {

uint64_t hash_of(std::string_view key) noexcept {
  return std::hash<std::string_view>{}(key);
}

/// Buckets for `n` keys at most 3/4 full: a power of two, at least 16.
std::size_t buckets_for(std::size_t n) noexcept {
  std::size_t b = 16;
  while (n * 4 > b * 3)
    b *= 2;
  return b;
}

} // namespace

kv_keyspace::kv_keyspace(kv_keyspace&& other) noexcept {
  *this = std::move(other);
}

kv_keyspace& kv_keyspace::operator=(kv_keyspace&& other) noexcept {
  if (this != &other) {
    clear();
    index_ = std::exchange(other.index_, {});
    shift_ = std::exchange(other.shift_, 64u);
    size_ = std::exchange(other.size_, 0);
    slots_ = std::exchange(other.slots_, {});
    free_ = std::exchange(other.free_, {});
    volatile_ = std::exchange(other.volatile_, {});
    used_ = std::exchange(other.used_, 0);
  }
  return *this;
}

kv_keyspace::~kv_keyspace() {
  release();
}

void kv_keyspace::release() noexcept {
  // Every live node has a scan slot: the slots own the nodes.
  for (auto* n : slots_)
    delete n;
  slots_.clear();
}

std::size_t kv_keyspace::probe(std::string_view key, uint64_t hash) const noexcept {
  auto mask = index_.size() - 1;
  for (auto i = home(hash);; i = (i + 1) & mask) {
    const auto& b = index_[i];
    if (b.n == nullptr || (b.hash == hash && b.n->first == key))
      return i;
  }
}

kv_keyspace::node* kv_keyspace::find(std::string_view key) {
  if (size_ == 0)
    return nullptr;
  return index_[probe(key, hash_of(key))].n;
}

void kv_keyspace::reserve(std::size_t n) {
  if (n * 4 > index_.size() * 3)
    rehash(buckets_for(n));
  slots_.reserve(n);
}

void kv_keyspace::rehash(std::size_t buckets) {
  std::vector<bucket> old = std::move(index_);
  index_.assign(buckets, bucket{});
  shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(index_.size()));
  auto mask = index_.size() - 1;
  for (auto& b : old) {
    if (b.n == nullptr)
      continue;
    auto i = home(b.hash);
    while (index_[i].n != nullptr)
      i = (i + 1) & mask;
    index_[i] = b;
  }
}

kv_keyspace::node& kv_keyspace::upsert(std::string_view key) {
  auto hash = hash_of(key);
  std::size_t i = 0;
  if (!index_.empty()) {
    i = probe(key, hash);
    if (auto* n = index_[i].n)
      return *n;
  }
  // At most 3/4 full after this insert (3/8 just after growing): a lookup of a present key
  // reads 1 to 3 buckets on average, 4 to a cache line.
  if ((size_ + 1) * 4 > index_.size() * 3) {
    rehash(index_.empty() ? 16 : index_.size() * 2);
    i = probe(key, hash);
  }
  auto* n = new node(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple());
  index_[i] = bucket{hash, n};
  ++size_;
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
  slots_[slot] = n;
  n->second.slot = slot;
  return *n;
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
  // Backward-shift deletion: move later members of the probe run into the hole, so that no
  // lookup meets an empty bucket before its key.
  auto mask = index_.size() - 1;
  auto hole = probe(n.first, hash_of(n.first));
  assert(index_[hole].n == &n);
  for (auto j = (hole + 1) & mask; index_[j].n != nullptr; j = (j + 1) & mask) {
    auto want = home(index_[j].hash);
    // index_[j] may fill the hole unless its home lies cyclically in (hole, j].
    if (((j - want) & mask) >= ((j - hole) & mask)) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = bucket{};
  --size_;
  delete &n;
  if (size_ == 0) {
    slots_.clear();
    free_.clear();
  }
}

void kv_keyspace::clear() {
  release();
  index_.clear();
  shift_ = 64;
  size_ = 0;
  free_.clear();
  volatile_.clear();
  used_ = 0;
}

kv_keyspace::node* kv_keyspace::random_key(kv_rng& rng) {
  if (size_ == 0)
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
  return nullptr; // unreachable: the keyspace is not empty
}

kv_keyspace::node* kv_keyspace::random_volatile(kv_rng& rng) {
  if (volatile_.empty())
    return nullptr;
  return volatile_[rng() % volatile_.size()];
}

} // namespace keel::actors::detail
