// keel::supervision introspection replies: what which_children and count_children return.
//
// Plain values, sent as CAF messages between local actors only (not serializable).
#pragma once

#include "supervision/spec.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace keel::supervision {

/// Where a child is in its lifecycle.
enum class child_status : uint8_t {
  running,    ///< started and ready
  starting,   ///< spawned, waiting for its ready handshake
  restarting, ///< down, a restart is scheduled (backoff) or under way
  stopping,   ///< asked to stop, waiting for its down message
  stopped,    ///< not running and not coming back by itself (OTP's `undefined`)
};

/// `"running"`, ...
[[nodiscard]] const char* to_string(child_status x);

/// One row of which_children.
struct child_info {
  std::string id;
  /// The current incarnation; invalid unless running or starting.
  caf::actor hdl;
  child_status status = child_status::stopped;
  child_type type = child_type::worker;
};

/// The reply to count_children (OTP's count_children).
struct child_counts {
  /// Children, dead or alive.
  size_t specs = 0;
  /// Children running (ready).
  size_t active = 0;
  /// Children of type supervisor, dead or alive.
  size_t supervisors = 0;
  /// Children of type worker, dead or alive.
  size_t workers = 0;
};

} // namespace keel::supervision

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::supervision::child_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<keel::supervision::child_info>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::supervision::child_counts)
