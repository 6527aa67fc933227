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

} // namespace keel::config
