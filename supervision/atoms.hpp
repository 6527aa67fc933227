// keel::supervision atoms: the message tags of the supervision protocol, declared once.
//
// CAF 0.17 atoms are at most 10 characters. The public tags are what users send to a
// supervisor (see supervisor.hpp for each message's shape and reply); the ones in `detail`
// are the supervisor's own timers and handshakes and are not part of the API.
#pragma once

#include <caf/atom.hpp>

namespace keel::supervision {

/// `(ready_atom, uint64_t token)`: a child tells its supervisor that it finished init.
using ready_atom = caf::atom_constant<caf::atom("ready")>;
/// `(init_fail_atom, uint64_t token, caf::error)`: a child's init failed.
using init_fail_atom = caf::atom_constant<caf::atom("initfail")>;
/// `(which_atom)` -> `std::vector<child_info>`.
using which_atom = caf::atom_constant<caf::atom("which")>;
/// `(count_atom)` -> `child_counts`.
using count_atom = caf::atom_constant<caf::atom("count")>;
/// `(get_spec_atom, std::string id)` -> `child_spec`.
using get_spec_atom = caf::atom_constant<caf::atom("getspec")>;
/// `(start_child_atom, child_spec)` or `(start_child_atom, caf::message args)` for
/// simple_one_for_one -> `(caf::actor, std::string id)`.
using start_child_atom = caf::atom_constant<caf::atom("startchild")>;
/// `(terminate_child_atom, std::string id)` -> `caf::unit`.
using terminate_child_atom = caf::atom_constant<caf::atom("termchild")>;
/// `(restart_child_atom, std::string id)` -> `caf::actor`.
using restart_child_atom = caf::atom_constant<caf::atom("restchild")>;
/// `(delete_child_atom, std::string id)` -> `caf::unit`.
using delete_child_atom = caf::atom_constant<caf::atom("delchild")>;
/// `(forward_atom, std::string id, caf::message)`: deliver through a child_ref.
using forward_atom = caf::atom_constant<caf::atom("fwd")>;
/// `(unavailable_atom, std::string id, caf::error, caf::message original)`: sent back to the
/// sender of an asynchronous child_ref message that could not be delivered.
using unavailable_atom = caf::atom_constant<caf::atom("unavail")>;
/// `(subscribe_atom, caf::actor)` / `(unsubscribe_atom, caf::actor)`: event subscriptions.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsub")>;

namespace detail {

using stop_timeout_atom = caf::atom_constant<caf::atom("stoptout")>;
using start_timeout_atom = caf::atom_constant<caf::atom("starttout")>;
using backoff_due_atom = caf::atom_constant<caf::atom("backoffdue")>;

} // namespace detail

} // namespace keel::supervision
