// keel::runtime event log: writes supervision lifecycle events to the `keel.supervision` log.
//
// A supervised service: it subscribes to the node's event bus when it starts and logs each
// event (child started, exited with reason, restarting in N ms, gave up, shutting down), so a
// node's start and its reverse-order shutdown can be read in its log.
#pragma once

#include "supervision/spec.hpp"

#include <caf/actor.hpp>

namespace keel::runtime {

/// A child spec (id `event_log`) for the event log of `bus`.
[[nodiscard]] supervision::child_spec event_log_child(caf::actor bus);

} // namespace keel::runtime
