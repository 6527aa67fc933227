// keel::runtime::tune_scheduler: the CAF scheduler settings keel-node runs with. Header-only, so
// that the benchmarks below runtime/ (wal_bench, kv_bench) run their actor systems the same way
// and measure what the node runs.
#pragma once

#include <caf/actor_system_config.hpp>

#include <cstddef>

namespace keel::runtime {

/// An idle scheduler thread spins briefly, then waits on its condition variable. CAF's default
/// middle phase instead naps 50 us at a time for up to 25 ms: each nap is a context switch, and
/// on small machines those switches cost more than the work (redis-benchmark GET -P 1 at 50
/// clients: 26k/s with the naps, 44k/s without).
inline void tune_scheduler(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
}

} // namespace keel::runtime
