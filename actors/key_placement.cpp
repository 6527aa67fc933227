#include "actors/key_placement.hpp"

namespace keel::actors {

std::string_view hashed_part(std::string_view key, key_hash how) noexcept {
  if (how == key_hash::whole_key)
    return key;
  auto open = key.find('{');
  if (open == std::string_view::npos)
    return key;
  auto close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1)
    return key;
  return key.substr(open + 1, close - open - 1);
}

uint32_t shard_of(std::string_view key, uint32_t shard_count, key_hash how) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : hashed_part(key, how)) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return static_cast<uint32_t>(h % shard_count);
}

const char* key_hash_name(key_hash how) noexcept {
  return how == key_hash::hash_tags ? "fnv1a64-tags" : "fnv1a64";
}

} // namespace keel::actors
