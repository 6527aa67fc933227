// keel::gateway::detail::counter_cells: the atomics behind gateway::counters (internal).
#pragma once

#include "gateway/counters.hpp"

#include <atomic>

namespace keel::gateway::detail {

struct counter_cells {
  std::atomic<uint64_t> connected_clients{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> total_commands{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> batched_commands{0};
  std::atomic<uint64_t> output_limit_closes{0};
  std::atomic<uint64_t> idle_closes{0};

  /// Each field read with relaxed ordering.
  [[nodiscard]] counters snapshot() const {
    auto r = [](const std::atomic<uint64_t>& x) { return x.load(std::memory_order_relaxed); };
    return counters{r(connected_clients), r(total_connections), r(rejected_connections),
                    r(total_commands),    r(protocol_errors),   r(batches),
                    r(batched_commands),  r(output_limit_closes), r(idle_closes)};
  }
};

} // namespace keel::gateway::detail
