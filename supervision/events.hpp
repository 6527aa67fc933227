// keel::supervision events: the lifecycle of children, as messages anyone can subscribe to.
//
// A supervisor sends one `event` message per lifecycle step to its event sink
// (supervisor_options::events): usually an event bus (spawn_event_bus), which fans each event
// out to its subscribers in the order the bus received them. Per supervisor, events are sent
// in the order things happened. Subscribe before triggering what you wait for:
// `anon_send(bus, subscribe_atom::value, probe)` is enqueued before anything the supervisor
// sends afterwards, so no event can be missed.
//
// Lifetime: the bus holds its subscribers (strong handles) until they unsubscribe or go down;
// stop the bus like any other actor.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::supervision {

/// What happened.
enum class event_type : uint8_t {
  child_started,      ///< a child reported ready; `child_addr` is the new incarnation
  child_exited,       ///< a child went down with `reason` (crash or deliberate stop)
  child_restarting,   ///< a child will be started again in `delay`
  child_start_failed, ///< a start attempt failed with `reason`
  gave_up,            ///< intensity exceeded: the supervisor gives up (`reason`)
  shutting_down,      ///< the supervisor stops its children and exits with `reason`
  supervisor_ready,   ///< every initial child is ready
};

/// One lifecycle event.
struct event {
  event_type type = event_type::child_started;
  /// Name of the publishing supervisor (supervisor_options::name).
  std::string supervisor;
  /// Child id (empty for supervisor-level events).
  std::string child;
  /// The incarnation concerned (invalid when none).
  caf::actor_addr child_addr;
  /// Exit reason / failure cause.
  caf::error reason;
  /// Backoff before the restart (child_restarting).
  std::chrono::milliseconds delay{0};
};

/// `"child_started"`, ...
[[nodiscard]] const char* to_string(event_type x);

/// One line: `sup/child child_exited (reason ...)`.
[[nodiscard]] std::string to_string(const event& ev);

/// Spawns an event bus: `(subscribe_atom, actor)` / `(unsubscribe_atom, actor)` manage
/// subscribers (both reply `caf::unit` to requests); every `event` it receives is sent to
/// each subscriber. Subscribers that go down are dropped. `subscribers` are subscribed before
/// the bus handles its first message.
[[nodiscard]] caf::actor spawn_event_bus(caf::actor_system& sys,
                                         std::vector<caf::actor> subscribers = {});

} // namespace keel::supervision

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::supervision::event)
