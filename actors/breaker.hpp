// keel::actors::breaker: a circuit breaker in front of any callable actor (pool, port, worker).
//
// The breaker speaks the callable protocol of pool_atoms.hpp on both sides:
//
//   (call_atom, caf::message req) -> (reply_atom, caf::message reply) | caf::error
//   (stats_atom)                  -> breaker_stats
//
// States (Nygard's Release It!, as resilience4j names them):
// - closed: calls go through to the target; each outcome is recorded in a sliding time window.
//   The circuit opens when `failure_threshold` failures fall in the window, or (failure_ratio >
//   0) when at least `min_calls` calls fall in it and failures / calls >= failure_ratio.
// - open: no call reaches the target. A call gets the fallback (an actor that is called
//   instead, or a fixed reply) or fails at once with pool_errc::circuit_open. After
//   `open_duration` the circuit goes half-open.
// - half_open: `half_open_probes` calls are let through; all of them succeeding closes the
//   circuit (with an empty window), one failing opens it again. Calls beyond the probes are
//   treated as in open.
// A failure is an error reply (a timeout after `call_timeout` included). Outcomes of calls
// started before the latest state change are not counted (they describe an older state).
//
// Every state change is sent to `events` as a breaker_event; breaker_stats holds counters for
// metrics. Time comes from the actor clock (clock().now(), delayed_send), so the deterministic
// test fixture drives a breaker with a virtual clock.
//
// Thread-safety: an actor; talk to it by message only. The breaker holds a strong handle to
// its target and fallback: stop them after the breaker (or independently, both are fine).
#pragma once

#include "actors/pool_atoms.hpp"
#include "actors/pool_errc.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::actors {

/// The three states of a circuit.
enum class breaker_state : uint8_t { closed, open, half_open };

/// `"closed"`, `"open"`, `"half_open"`.
[[nodiscard]] const char* to_string(breaker_state x);

/// Everything a breaker is started with.
struct breaker_options {
  /// Name in events and errors.
  std::string name = "breaker";
  /// Failures within `window` that open the circuit (0 = only the ratio counts).
  size_t failure_threshold = 5;
  /// Failure ratio within `window` that opens the circuit (0 = only the count counts).
  double failure_ratio = 0.0;
  /// Calls within `window` before the ratio is judged.
  size_t min_calls = 10;
  /// Sliding time window of recorded outcomes.
  std::chrono::milliseconds window{10000};
  /// How long the circuit stays open before it lets probes through.
  std::chrono::milliseconds open_duration{5000};
  /// Trial calls in half-open; all must succeed to close. @pre >= 1.
  size_t half_open_probes = 1;
  /// How long the target may take to answer one call.
  std::chrono::milliseconds call_timeout{5000};
  /// Answer given while open (and for failed calls) when set: `(reply_atom, *fallback_value)`.
  std::optional<caf::message> fallback_value;
  /// Callable actor asked while open (and for failed calls) when valid; wins over the value.
  caf::actor fallback_actor;
  /// Receives a breaker_event per state change (may be invalid).
  caf::actor events;
};

/// One state change, sent to breaker_options::events.
struct breaker_event {
  std::string breaker;
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  /// Failures in the window when the circuit opened (0 otherwise).
  size_t failures = 0;
};

/// Counters for metrics (`(stats_atom)`).
struct breaker_stats {
  breaker_state state = breaker_state::closed;
  uint64_t calls = 0;     ///< calls that reached the target
  uint64_t successes = 0; ///< of those, answered with a reply
  uint64_t failures = 0;  ///< of those, answered with an error
  uint64_t rejected = 0;  ///< calls not let through (open, or half-open without a probe slot)
  uint64_t fallbacks = 0; ///< calls answered by the fallback
  uint64_t opened = 0;    ///< transitions to open
  uint64_t half_opened = 0;
  uint64_t closed = 0;    ///< transitions back to closed
};

/// Spawns a breaker in front of `target` (a callable actor). Returns at once.
/// @pre target is valid; opts.half_open_probes >= 1.
[[nodiscard]] caf::actor spawn_breaker(caf::actor_system& sys, breaker_options opts,
                                       caf::actor target);

} // namespace keel::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::actors::breaker_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::actors::breaker_stats)
