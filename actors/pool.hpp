// keel::actors::pool: a supervised pool of worker actors with checkout, overflow and retries.
//
// A pool is an actor that owns a simple_one_for_one supervisor (its workers' supervisor) and
// hands requests to the workers:
//
//   (call_atom, caf::message req)  -> (reply_atom, caf::message reply) | caf::error
//   (checkout_atom)                -> (caf::actor worker, uint64_t lease) | caf::error
//   (checkin_atom, uint64_t lease)   (no reply; an unknown lease is ignored)
//   (stats_atom)                   -> pool_stats
//
// Send these as requests: CAF 0.17 drops error replies to asynchronous messages, so only a
// requester learns why a call failed. Workers speak the callable protocol of pool_atoms.hpp. They are started by the worker
// factory (a supervision::start_fn: spawn, then ctx.ready() once initialised) all in parallel
// (start_child on a simple_one_for_one supervisor); the pool reports ready to its own
// start_context when `min_ready` of them are. A worker that dies is restarted by the
// supervisor with the pool's backoff; the pool learns it from the supervisor's lifecycle
// events (also forwarded to `events`). A request a worker held when it died is retried once on
// another worker (on_worker_death retry) or failed back with pool_errc::worker_died (fail). A
// worker that answers pool_errc::worker_died (a port whose process died) counts as dead too.
//
// Capacity: each worker takes `worker_capacity` requests at a time (a checkout takes all of
// it). When every worker is busy, the pool grows by up to `max_overflow` extra workers; the
// extras are stopped again once idle for `overflow_idle`. Requests beyond that wait in a queue
// of at most `max_waiters` for `checkout_timeout`, then fail with checkout_timeout; a full
// queue refuses at once with pool_full. Time comes from the actor clock (delayed_send), so the
// deterministic test fixture drives it.
//
// Shutdown: an exit message makes the pool fail every waiting and in-flight request with
// shutting_down, stop its supervisor (which stops the workers in reverse order) and exit only
// once the supervisor is down: when the pool is gone, its workers are gone.
//
// Thread-safety: an actor; talk to it by message only. Leases of clients that die are not
// reclaimed: check in what you check out.
#pragma once

#include "actors/pool_atoms.hpp"
#include "actors/pool_errc.hpp"
#include "config/node_config.hpp"
#include "supervision/backoff.hpp"
#include "supervision/spec.hpp"
#include "supervision/start_context.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::actors {

/// Everything a pool is started with; defaults as data (pool_options_from).
struct pool_options {
  /// Name in events, errors and worker ids (`<name>-worker#<n>`).
  std::string name = "pool";
  /// Workers kept running (eager) or started on demand up to this many (lazy). @pre >= 1.
  size_t size = 4;
  /// Extra workers started while all are busy, stopped again when idle.
  size_t max_overflow = 0;
  /// Start workers on first demand instead of at once (the pool is then ready at once).
  bool lazy = false;
  config::pool_strategy strategy = config::pool_strategy::round_robin;
  config::on_worker_death on_death = config::on_worker_death::retry;
  /// How long a request waits for a free worker.
  std::chrono::milliseconds checkout_timeout{5000};
  /// Most requests waiting for a worker; more are refused with pool_full.
  size_t max_waiters = 1024;
  /// Ready when this many workers are (0 = all of `size`; ignored when lazy).
  size_t min_ready = 0;
  /// How long a worker may take to answer one request.
  std::chrono::milliseconds request_timeout{5000};
  /// Concurrent requests per worker. @pre >= 1.
  size_t worker_capacity = 1;
  /// An overflow worker idle this long is stopped.
  std::chrono::milliseconds overflow_idle{1000};
  /// Restart backoff of dead workers.
  supervision::backoff_spec backoff{std::chrono::milliseconds{10}, std::chrono::milliseconds{2000},
                                    0.2, std::chrono::milliseconds{10000}};
  /// Restarts the workers' supervisor tolerates per `restart_period` (0 = 2 * size + 2).
  size_t restart_intensity = 0;
  std::chrono::milliseconds restart_period{5000};
  /// How long one worker may take to report ready.
  std::chrono::milliseconds start_timeout{30000};
  /// Receives every lifecycle event of the workers' supervisor (may be invalid).
  caf::actor events;
};

/// What a pool reports for `(stats_atom)`.
struct pool_stats {
  size_t workers = 0;     ///< running and ready
  size_t starting = 0;    ///< start requested, not ready yet
  size_t busy = 0;        ///< workers with at least one request or a lease
  size_t waiting = 0;     ///< requests in the wait queue
  size_t in_flight = 0;   ///< requests at workers
  uint64_t calls = 0;     ///< requests answered with a reply
  uint64_t failed = 0;    ///< requests failed back (any error)
  uint64_t retried = 0;   ///< requests retried after their worker died
  uint64_t timeouts = 0;  ///< checkout timeouts
  uint64_t grown = 0;     ///< overflow workers started
  uint64_t shrunk = 0;    ///< overflow workers stopped when idle
};

/// The pool options of one `pools:` entry of the YAML (name, size, max_overflow, start,
/// strategy, checkout_timeout_ms, max_waiters, on_worker_death, min_ready, request_timeout_ms).
[[nodiscard]] pool_options pool_options_from(const config::pool_config& cfg);

/// Spawns a pool; it starts its workers and reports `ctx.ready()` when min_ready are ready, or
/// `ctx.fail(err)` (then exits) when a worker cannot start. Returns at once.
/// @pre opts.size >= 1, opts.worker_capacity >= 1, `worker` is callable.
[[nodiscard]] caf::actor spawn_pool(caf::actor_system& sys, pool_options opts,
                                    supervision::start_fn worker,
                                    const supervision::start_context& ctx);

/// A child spec (id = opts.name, type supervisor, shutdown infinity) that starts a pool.
[[nodiscard]] supervision::child_spec pool_child(pool_options opts, supervision::start_fn worker);

/// pool_child(pool_options_from(cfg), worker): what runtime puts under its pools supervisor.
[[nodiscard]] supervision::child_spec pool_child(const config::pool_config& cfg,
                                                 supervision::start_fn worker);

} // namespace keel::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::actors::pool_stats)
