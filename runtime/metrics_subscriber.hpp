// keel::runtime metrics subscriber: turns supervision events into metrics.
//
// An actor that subscribes to a supervision event bus (supervision/events.hpp) and counts,
// per supervisor and child:
//
//   keel_supervisor_child_starts_total{supervisor,child}      child_started
//   keel_supervisor_child_exits_total{supervisor,child}       child_exited
//   keel_supervisor_restarts_total{supervisor,child}          child_restarting
//   keel_supervisor_start_failures_total{supervisor,child}    child_start_failed
//   keel_supervisor_gave_up_total{supervisor}                 gave_up
//
// Thread-safety: the actor updates the registry through its thread-safe handles.
// Lifetime: `reg` must outlive the actor. The actor quits when the bus goes down, or when its
// owner sends it an exit message; keep its handle (CAF stops actors nobody references, and the
// bus's reference lasts only as long as the bus).
// Barrier: a request `(caf::get_atom)` is answered (caf::unit) once every event the actor
// received before it has been counted.
#pragma once

#include "runtime/metrics.hpp"

#include <caf/actor.hpp>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::supervision {
struct event;
} // namespace keel::supervision

namespace keel::runtime {

/// Counts one supervision event into `reg` (the subscriber's behavior; public for callers that
/// receive events some other way).
void record_event(metrics_registry& reg, const supervision::event& ev);

/// Spawns the subscriber and subscribes it to `bus` (when `bus` is valid; otherwise pass the
/// returned handle to spawn_event_bus as an initial subscriber). Events the bus fans out after
/// this call returns are counted.
/// @pre `reg` outlives the returned actor.
[[nodiscard]] caf::actor spawn_metrics_subscriber(caf::actor_system& sys, metrics_registry& reg,
                                                  const caf::actor& bus);

} // namespace keel::runtime
