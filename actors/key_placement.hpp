// keel::actors key placement: which of a node's N shards a key lives in.
//
// shard_of(key, N) = FNV-1a 64 of the key's hashed part, mod N. The hashed part follows Redis
// Cluster's hash tags: when the key holds a '{' and, after it, a '}' with at least one byte in
// between, only the bytes between the first '{' and the first '}' after it are hashed, so
// `{user:7}:name` and `{user:7}:mail` share a shard and can be used together in MULTI/EXEC.
// Otherwise (no '{', no '}' after it, or `{}`) the whole key is hashed. Data directories
// written before hash tags existed place every key by its whole bytes (key_hash::whole_key);
// the node's shards.hash_tags chooses, and <data_dir>/LAYOUT records which (shard_layout.hpp).
//
// Stable across restarts, processes and machines. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel::actors {

/// What of a key picks its shard.
enum class key_hash : uint8_t {
  hash_tags, ///< the hash tag when the key has one, else the whole key
  whole_key, ///< every byte of the key
};

/// The bytes of `key` that are hashed under `how` (a view into `key`).
[[nodiscard]] std::string_view hashed_part(std::string_view key,
                                           key_hash how = key_hash::hash_tags) noexcept;

/// The shard of `key` among `shard_count`. @pre shard_count > 0
[[nodiscard]] uint32_t shard_of(std::string_view key, uint32_t shard_count,
                                key_hash how = key_hash::hash_tags) noexcept;

/// The name LAYOUT records for `how`: "fnv1a64-tags" or "fnv1a64".
[[nodiscard]] const char* key_hash_name(key_hash how) noexcept;

} // namespace keel::actors
