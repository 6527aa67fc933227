// Internal to keel::supervision: what a supervisor remembers about one child.
// Not for users: its layout changes without notice.
#pragma once

#include "supervision/spec.hpp"

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace keel::supervision::detail {

/// Lifecycle of one child record (mirrors child_status).
enum class child_state : uint8_t { stopped, starting, running, stopping, restarting };

/// A child_ref message that waits for the next incarnation.
struct parked_message {
  caf::response_promise promise;
  caf::message content;
};

struct child_record {
  /// Stable identity of the record (ids can be reused after delete_child).
  uint64_t uid = 0;
  /// Validated, defaults filled in.
  child_spec spec;
  /// A simple_one_for_one child (started by start_child with `args`).
  bool dynamic = false;
  caf::message args;

  caf::actor hdl;
  child_state state = child_state::stopped;
  /// Incremented on every start attempt; stale timers and exits carry an older value.
  uint64_t gen = 0;
  /// The start attempt the supervisor waits for (matched against ready / init_fail).
  uint64_t token = 0;
  caf::actor_clock::time_point started_at;
  /// Consecutive backoff restarts (reset after spec.backoff->reset_after uptime).
  uint32_t backoff_attempt = 0;
  /// Restart attempts in a row whose start failed (reset once it reports ready).
  uint32_t failed_starts = 0;
  /// Set while a group restart is stopping this child: it comes back afterwards.
  bool will_restart = false;

  /// Called once the current start attempt is ready (none) or failed (error).
  std::function<void(caf::error)> on_started;
  /// Called once the current incarnation is down after a stop.
  std::function<void()> on_stopped;

  /// Members of the group restart that waits for this child's backoff timer.
  std::vector<uint64_t> pending_group;

  /// child_ref messages waiting for the next incarnation.
  std::deque<parked_message> parked;
};

} // namespace keel::supervision::detail
