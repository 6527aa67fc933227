// keel::actors pool atoms: the "callable" protocol shared by pools, breakers, ports and workers.
//
// Anything callable in keel::actors (a pool worker, a pool, a circuit breaker, a port) answers
//   (call_atom, caf::message request) -> (reply_atom, caf::message reply)   or a caf::error.
// Wrapping the payload in a caf::message keeps every hop generic (CAF 0.17 has no catch-all
// response handler), so a breaker can sit in front of a pool, a port or a single worker alike.
// Atoms are at most 10 characters (CAF 0.17).
#pragma once

#include <caf/atom.hpp>

namespace keel::actors {

/// `(call_atom, caf::message)`: a request for a worker (through a pool, breaker or port).
using call_atom = caf::atom_constant<caf::atom("call")>;
/// `(reply_atom, caf::message)`: the answer to a call_atom request.
using reply_atom = caf::atom_constant<caf::atom("reply")>;
/// `(checkout_atom)` -> `(caf::actor worker, uint64_t lease)`: exclusive use of one worker.
using checkout_atom = caf::atom_constant<caf::atom("checkout")>;
/// `(checkin_atom, uint64_t lease)`: gives a checked-out worker back (no reply).
using checkin_atom = caf::atom_constant<caf::atom("checkin")>;
/// `(stats_atom)` -> pool_stats / breaker_stats.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

namespace detail {

using wait_timeout_atom = caf::atom_constant<caf::atom("pwaittout")>;
using idle_check_atom = caf::atom_constant<caf::atom("pidlechk")>;
using open_done_atom = caf::atom_constant<caf::atom("bopendone")>;

} // namespace detail

} // namespace keel::actors
