// keel::runtime::tune_scheduler and scheduler_threads: the CAF scheduler settings keel-node runs
// with. Header-only, so that the benchmarks below runtime/ (wal_bench, kv_bench) run their actor
// systems the same way and measure what the node runs.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace keel::runtime {

/// CAF's work-stealing policy with one change, to how a thread outside the scheduler (the
/// gateway's I/O thread, a WAL writer's thread, the timer) hands a job to a sleeping worker: CAF
/// signals the worker while holding the worker's lock, so the worker wakes only to block on that
/// lock and is woken again when it is released: two context switches per hand-off (the second
/// wake-up alone was 5% of the gateway I/O thread's time under redis-benchmark SET -P 1 with
/// sync group, on 2 cores). Here the lock only reads whether the worker sleeps, and the signal
/// follows its release. That is safe: a worker goes to sleep only after it saw the queue empty
/// under that lock, so a job appended before the lock is taken is either seen by the worker or
/// finds it sleeping.
class stealing_policy : public caf::policy::work_stealing {
public:
  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    d(self).queue.append(job);
    auto& wait = d(self).waitdata;
    bool sleeping = false;
    {
      std::lock_guard<std::mutex> guard{wait.lock};
      sleeping = wait.sleeping;
    }
    if (sleeping)
      wait.cv.notify_one();
  }
};

/// The scheduler runs stealing_policy. An idle scheduler thread spins briefly, then waits on its
/// condition variable. CAF's default middle phase instead naps 50 us at a time for up to 25 ms:
/// each nap is a context switch, and on small machines those switches cost more than the work
/// (redis-benchmark GET -P 1 at 50 clients: 26k/s with the naps, 44k/s without).
inline void tune_scheduler(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  cfg.load<caf::scheduler::coordinator<stealing_policy>>();
}

/// How many scheduler threads a node runs: `configured` when it is not 0
/// (`node.scheduler_threads`); otherwise one per core, less one for the gateway's I/O thread
/// when the gateway is enabled (at least one). CAF's own default is max(cores, 4): on a 2-core
/// machine that is 4 workers, which steal from and wake each other, and beside the gateway's
/// busy I/O thread each hop between them costs a context switch (redis-benchmark GET -P 16 at
/// 50 clients on 2 cores, median of 5 runs each: 556k/s with 4 workers, 562k/s with 2, 713k/s
/// with 1).
inline std::size_t scheduler_threads(std::uint32_t configured, bool gateway,
                                     unsigned cores = std::thread::hardware_concurrency()) {
  if (configured > 0)
    return configured;
  std::size_t n = cores > 0 ? cores : 1;
  if (gateway && n > 1)
    --n;
  return n;
}

/// How many router lanes a node runs (shards.routers): `configured` when it is not 0;
/// otherwise one per scheduler thread, so that routing runs on every core the shards do; one in
/// a cluster (each lane keeps its own connections to the peers).
inline std::uint32_t router_lanes(std::uint32_t configured, bool cluster,
                                  std::size_t scheduler_threads) {
  if (configured > 0)
    return configured;
  if (cluster || scheduler_threads == 0)
    return 1;
  return static_cast<std::uint32_t>(scheduler_threads);
}

} // namespace keel::runtime
