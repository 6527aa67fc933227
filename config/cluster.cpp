// this_node / local_shards: which shards a node hosts.
#include "config/node_config.hpp"

namespace keel::config {

const cluster_node* this_node(const node_config& cfg) {
  for (auto& n : cfg.cluster.nodes)
    if (n.name == cfg.cluster.name)
      return &n;
  return nullptr;
}

std::vector<uint32_t> local_shards(const node_config& cfg) {
  if (auto* self = this_node(cfg))
    return self->shards;
  std::vector<uint32_t> all(cfg.shards.count);
  for (uint32_t k = 0; k < cfg.shards.count; ++k)
    all[k] = k;
  return all;
}

uint64_t placement_fingerprint(const node_config& cfg) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](const std::string& bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff; // separator
    h *= 0x100000001b3ull;
  };
  mix(std::to_string(cfg.shards.count));
  mix(cfg.shards.hash_tags ? "hash_tags" : "whole_key");
  for (auto& n : cfg.cluster.nodes) {
    mix(n.name);
    mix(n.host + ":" + std::to_string(n.port));
    for (auto k : n.shards)
      mix(std::to_string(k));
  }
  return h;
}

} // namespace keel::config
