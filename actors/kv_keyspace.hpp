// keel::actors::detail::kv_keyspace: the KV store's keys, values, TTLs and memory account.
//
// An open-addressing index (linear probing, each slot the key's full hash and a pointer to its
// node) over individually allocated nodes, plus three side structures, all O(1) per change. A
// lookup reads one index slot, usually in the same cache line as its neighbours, and then the
// one node whose hash matches, where a node-based hash map reads the bucket, the node before and
// the node itself.
//  - `slots_`: a stable position per key for SCAN. A key keeps its slot while it lives; a freed
//    slot is reused by a later insert. A cursor is a slot index, so a scan visits every key
//    that exists for the whole scan exactly once (keys inserted meanwhile may or may not be
//    seen), whatever else changes.
//  - `volatile_`: a dense array of the keys that have a TTL, for uniform random sampling by the
//    active expire cycle.
//  - `used_`: the accounted memory, sum over keys of key size + value size + kv_entry_overhead.
// Uniform random key sampling (for LRU eviction) picks random slots, skipping free ones.
//
// Knows nothing of time, commands or logging: kv_state_machine decides what to change.
// Internal. Thread-safety: none. Lifetime: an entry pointer is valid until that key is erased
// or the keyspace cleared.
#pragma once

#include <cstdint>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::actors::detail {

/// Bytes accounted per key on top of its key and value bytes (hash node, entry, slot).
constexpr uint64_t kv_entry_overhead = 96;

/// `expire_at` of a key without TTL.
constexpr int64_t kv_no_expiry = 0;

/// The pseudo-random generator of sampling; seeded per state machine, hence reproducible.
using kv_rng = std::mt19937_64;

struct kv_entry {
  std::string value;
  int64_t expire_at = kv_no_expiry; ///< absolute Unix ms; expired when now > expire_at
  uint64_t lsn = 0;                 ///< LSN of the last record that wrote the key
  uint64_t lru = 0;                 ///< logical time of the last access
  uint32_t slot = 0;                ///< position in slots_
  uint32_t volatile_pos = npos;     ///< position in volatile_, npos without TTL

  static constexpr uint32_t npos = std::numeric_limits<uint32_t>::max();
};

class kv_keyspace {
public:
  using node = std::pair<const std::string, kv_entry>;

  kv_keyspace() = default;
  kv_keyspace(const kv_keyspace&) = delete;
  kv_keyspace& operator=(const kv_keyspace&) = delete;
  kv_keyspace(kv_keyspace&& other) noexcept;
  kv_keyspace& operator=(kv_keyspace&& other) noexcept;
  ~kv_keyspace();

  // -- lookup -----------------------------------------------------------------

  /// The node of `key`, or nullptr.
  [[nodiscard]] node* find(std::string_view key);

  /// Number of keys (expired ones not yet deleted included).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Number of keys with a TTL.
  [[nodiscard]] std::size_t volatile_size() const noexcept { return volatile_.size(); }

  /// Accounted memory in bytes.
  [[nodiscard]] uint64_t used_memory() const noexcept { return used_; }

  // -- changes ----------------------------------------------------------------

  /// The node of `key`, inserted with an empty value and no TTL when missing.
  node& upsert(std::string_view key);

  /// Makes room for `n` keys in all, so that inserting up to that many allocates only nodes
  /// (a restore from a snapshot knows its key count).
  void reserve(std::size_t n);

  /// Replaces the value of `n`.
  void assign(node& n, std::string value);

  /// Appends `suffix` to the value of `n`.
  void append(node& n, std::string_view suffix);

  /// Sets (kv_no_expiry: removes) the TTL of `n`.
  void set_expire(node& n, int64_t expire_at);

  /// Removes `n`. @pre `n` belongs to this keyspace.
  void erase(node& n);

  /// Removes every key.
  void clear();

  // -- sampling and iteration ---------------------------------------------------

  /// A uniformly random key, or nullptr when empty.
  [[nodiscard]] node* random_key(kv_rng& rng);

  /// A uniformly random key with a TTL, or nullptr when there is none.
  [[nodiscard]] node* random_volatile(kv_rng& rng);

  /// Visits live slots from `cursor` on, calling f(node&) for each key, until `count` keys were
  /// visited or 10 * count slots looked at. Returns the next cursor, 0 when the scan is done.
  /// @pre f does not change the keyspace.
  template <class F>
  uint64_t scan(uint64_t cursor, std::size_t count, F&& f) {
    std::size_t seen = 0;
    std::size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    auto i = cursor;
    for (; i < slots_.size() && seen < count && budget > 0; ++i, --budget) {
      if (auto* n = slots_[i]) {
        f(*n);
        ++seen;
      }
    }
    return i >= slots_.size() ? 0 : i;
  }

  /// Calls f(node&) for every key in unspecified order. @pre f does not change the keyspace.
  template <class F>
  void for_each(F&& f) {
    for (auto* n : slots_)
      if (n != nullptr)
        f(*n);
  }

  /// Calls f(const node&) for every key in unspecified order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto* n : slots_)
      if (n != nullptr)
        f(*n);
  }

private:
  /// One place of the index: empty when `n` is null.
  struct bucket {
    uint64_t hash = 0;
    node* n = nullptr;
  };

  [[nodiscard]] std::size_t home(uint64_t hash) const noexcept {
    return static_cast<std::size_t>((hash * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  /// The index of `key`'s bucket, or of the empty bucket where it would go.
  [[nodiscard]] std::size_t probe(std::string_view key, uint64_t hash) const noexcept;
  /// Rebuilds the index with `buckets` buckets (a power of two above the key count).
  void rehash(std::size_t buckets);
  void unlink_volatile(kv_entry& e);
  void release() noexcept;

  std::vector<bucket> index_; // empty, or a power of two of buckets
  unsigned shift_ = 64;       // 64 - log2(index_.size())
  std::size_t size_ = 0;
  std::vector<node*> slots_;
  std::vector<uint32_t> free_; // candidate free slots, possibly stale (checked on reuse)
  std::vector<node*> volatile_;
  uint64_t used_ = 0;
};

} // namespace keel::actors::detail
