// Test helpers for keel::supervision's own tests (not installed, not for users).
//
// A scriptable worker child (tw::worker) and event waits on top of the test kit's probes.
// What the test kit does not offer yet (await_event on a probe) lives here for now.
#pragma once

#include "supervision/atoms.hpp"
#include "supervision/events.hpp"
#include "supervision/spec.hpp"
#include "supervision/supervisor.hpp"

#include "testkit/fixture.hpp"
#include "testkit/probe.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace keel::supervision::test {

/// `(quit_atom, caf::error)`: the test worker quits with that reason.
using quit_atom = caf::atom_constant<caf::atom("testquit")>;
/// `(hello_atom, std::string id, caf::actor)`: a test worker began its init.
using hello_atom = caf::atom_constant<caf::atom("testhello")>;
/// `(gone_atom, std::string id, caf::error)`: a test worker terminated.
using gone_atom = caf::atom_constant<caf::atom("testgone")>;
/// `(go_atom)`: a worker that waits (wait_for_go) reports ready now.
using go_atom = caf::atom_constant<caf::atom("testgo")>;

/// How a test worker behaves.
struct worker_options {
  /// Receives hello and gone messages (may be invalid).
  caf::actor observer;
  /// Ignore exit messages other than kill (for shutdown timeout / brutal_kill tests).
  bool ignore_exit = false;
  /// Call ctx.fail(init_error) instead of ctx.ready().
  bool fail_init = false;
  caf::error init_error;
  /// Wait for `(go_atom)` before reporting ready.
  bool wait_for_go = false;
  /// Never report ready.
  bool never_ready = false;
};

/// A start factory for a scriptable worker. The worker answers `(caf::get_atom)` with its own
/// address and `(quit_atom, err)` by quitting with err.
[[nodiscard]] start_fn worker(worker_options opts = {});

/// A child spec with `id` and a test worker.
[[nodiscard]] child_spec worker_spec(std::string id, worker_options opts = {});

/// Skips messages on `p` until an event of `type` (for `child`, if not empty; from
/// `supervisor`, if not empty) arrives; FAILs at the deadline.
event await_event(testkit::probe& p, event_type type, const std::string& child = {},
                  const std::string& supervisor = {},
                  std::chrono::milliseconds timeout = testkit::default_timeout());

/// Takes the next message on `p`; it must be an event. FAILs otherwise.
event next_event(testkit::probe& p, std::chrono::milliseconds timeout = testkit::default_timeout());

/// Skips to the next `(gone_atom, id, reason)` and returns the id.
std::string await_gone(testkit::probe& p,
                       std::chrono::milliseconds timeout = testkit::default_timeout());

/// Spawns a supervisor (any mode) and waits until it is ready, through a probe of its own
/// (`p` is left alone, so no event on it is skipped); FAILs if it reports init_fail.
caf::actor spawn_ready(testkit::fixture& fx, testkit::probe& p, supervisor_options opts);

using testkit::await_running;

/// The actor behind an event's child_addr (invalid if it is gone).
[[nodiscard]] caf::actor actor_of(const event& ev);

/// The current incarnation of child `id` of supervisor `sup` (which_children); FAILs if it has
/// no such child.
[[nodiscard]] caf::actor child_handle(caf::actor_system& sys, const caf::actor& sup,
                                      const std::string& id);

/// Sends `(quit_atom, reason)` to the test worker `whom`.
void crash(const caf::actor& whom, caf::error reason = caf::sec::runtime_error);

} // namespace keel::supervision::test
