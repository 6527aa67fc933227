// keel::supervision supervisor: an OTP supervisor as a CAF actor.
//
// A supervisor owns child specs and applies OTP's rules (supervision.md): it starts children
// one at a time in list order, each after the previous one reported ready (start_context);
// restarts them by strategy, restart type, intensity/period and backoff; stops them in reverse
// order honouring each shutdown policy (a simple_one_for_one supervisor stops all its children
// at once, as OTP does); and publishes lifecycle events (events.hpp).
//
// Building a tree:
//
//   supervisor_options opts;
//   opts.name = "root";
//   opts.events = bus;                                   // optional event sink
//   opts.children.push_back({"db", start_db});           // start_fn, see spec.hpp
//   opts.children.push_back(supervisor_child("shards", shard_opts));
//   auto sup = start_supervisor(sys, opts);              // blocks until ready (or error)
//
// Stopping: send an exit message (`anon_send_exit(sup, exit_reason::user_shutdown)`); the
// supervisor stops its children in reverse order and exits with that reason. When it gives up
// (intensity exceeded) it exits with errc::intensity_exceeded, which its own supervisor sees
// as a child exit. Children are monitored, not linked (a kill of one child never takes its
// supervisor down); if the supervisor ends, however it ends, its children end with it.
//
// Messages it understands (atoms.hpp): which_children, count_children, get_child_spec,
// start_child, terminate_child, restart_child, delete_child, forward (child_ref);
// supervisor_client (client.hpp) wraps them in blocking calls.
//
// Thread-safety: a supervisor is an actor; talk to it by message only.
#pragma once

#include "supervision/backoff.hpp"
#include "supervision/flags.hpp"
#include "supervision/spec.hpp"
#include "supervision/start_context.hpp"

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::supervision {

/// Everything a supervisor is started with.
struct supervisor_options {
  /// Name in events and logs.
  std::string name = "supervisor";
  supervisor_flags flags;
  /// Started in this order, stopped in reverse. simple_one_for_one: exactly one template.
  std::vector<child_spec> children;
  /// Receives every lifecycle `event` (an event bus, a probe, ...); may be invalid.
  caf::actor events;
  /// Draws backoff jitter; default: make_random_source() per supervisor.
  random_source random;
  /// Start timeout of children whose spec sets none.
  std::chrono::milliseconds start_timeout{5000};
  /// How many child_ref messages are kept per child while it is down; more are failed back.
  size_t child_ref_queue = 64;
};

/// Spawns a supervisor; it validates `opts`, starts its children and then reports to
/// `ctx.notify()`: `(ready_atom, ctx.token())` or `(init_fail_atom, ctx.token(), error)`
/// (after which it exits with that error). Returns at once (the actor runs asynchronously).
[[nodiscard]] caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_options opts,
                                          const start_context& ctx);

/// Spawns a supervisor and waits (blocking the calling thread) until it is ready.
/// Returns the error that failed its start (invalid spec, a child's start failure, timeout).
/// @pre not called from inside an actor; the system uses a threaded scheduler.
[[nodiscard]] caf::expected<caf::actor>
start_supervisor(caf::actor_system& sys, supervisor_options opts,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds{30000});

/// A child spec that starts a nested supervisor with `opts` (type supervisor, shutdown
/// infinity, permanent; change the returned spec as needed). `opts.name` defaults to `id`.
[[nodiscard]] child_spec supervisor_child(std::string id, supervisor_options opts);

} // namespace keel::supervision
