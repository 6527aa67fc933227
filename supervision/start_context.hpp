// keel::supervision::start_context: what a child factory gets, and how a child says "ready".
//
// CAF's spawn returns before the new actor ran its first line, so a supervisor cannot tell
// from spawn alone that a child is initialised. It hands every start factory a start_context;
// the child keeps a copy and calls ready() once its init is done, or fail(err) when it cannot
// start. The supervisor starts the next child only after that (or after the child's start
// timeout). Children that have nothing to initialise can use ready_on_spawn (spec.hpp).
//
// Thread-safety: a start_context is a small copyable value; ready()/fail() may be called from
// any thread, but only the first call of one context counts (later ones are ignored by the
// supervisor). Lifetime: the referenced actor_system must outlive the context.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <string>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::supervision {

class start_context {
public:
  /// A context that reports to `notify` (a supervisor, or any actor that waits for a
  /// top-level supervisor: it receives `(ready_atom, token)` or
  /// `(init_fail_atom, token, caf::error)`).
  start_context(caf::actor_system& sys, caf::actor notify, std::string child_id,
                uint64_t token = 0, caf::message args = {});

  // -- properties -----------------------------------------------------------

  /// The actor system to spawn the child in.
  [[nodiscard]] caf::actor_system& system() const { return *sys_; }

  /// The id of the child being started.
  [[nodiscard]] const std::string& child_id() const { return id_; }

  /// Extra start arguments (simple_one_for_one's start_child arguments; empty otherwise).
  [[nodiscard]] const caf::message& args() const { return args_; }

  /// The actor that is told about readiness (usually the supervisor); invalid once it is gone.
  /// The context holds it weakly: a child that keeps its context must not keep its
  /// supervisor alive (the supervisor holds the child, and a cycle would leak both).
  [[nodiscard]] caf::actor notify() const;

  /// Identifies this start attempt.
  [[nodiscard]] uint64_t token() const { return token_; }

  // -- reporting --------------------------------------------------------------

  /// Tells the supervisor that the child finished its init.
  void ready() const;

  /// Tells the supervisor that the child could not start, and why. The child should then
  /// quit (with `err` as reason, preferably).
  void fail(caf::error err) const;

private:
  caf::actor_system* sys_;
  caf::actor_addr notify_;
  std::string id_;
  uint64_t token_;
  caf::message args_;
};

} // namespace keel::supervision
