// keel::supervision::supervisor_client: OTP's supervisor API as blocking C++ calls.
//
// Each call sends one request to the supervisor (see supervisor.hpp for the messages) and
// waits for the reply up to the client's timeout, through a short-lived scoped_actor.
// Use it from threads that may block (main, tests in threaded mode, tools); from inside an
// actor, send the messages with request(...).then(...) instead.
// Thread-safety: const methods, safe from several threads. Lifetime: the actor_system must
// outlive the client.
#pragma once

#include "supervision/child_ref.hpp"
#include "supervision/introspection.hpp"
#include "supervision/spec.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace caf {
class actor_system;
} // namespace caf

namespace keel::supervision {

/// A child that start_child started.
struct started_child {
  std::string id;
  caf::actor hdl;
};

class supervisor_client {
public:
  /// @pre `supervisor` is a keel supervisor; `sys` outlives the client.
  supervisor_client(caf::actor_system& sys, caf::actor supervisor,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});

  [[nodiscard]] const caf::actor& supervisor() const { return sup_; }

  /// id, current handle (or none while restarting/stopped), status and type, in start order.
  [[nodiscard]] caf::expected<std::vector<child_info>> which_children() const;

  /// specs, active, supervisors, workers.
  [[nodiscard]] caf::expected<child_counts> count_children() const;

  /// The spec of child `id` (defaults filled in); errc::child_not_found.
  [[nodiscard]] caf::expected<child_spec> get_child_spec(const std::string& id) const;

  /// Adds and starts a child (after the existing ones); returns when it is ready. Errors:
  /// invalid_child_spec, already_present, start_failed, start_timeout, wrong_strategy.
  [[nodiscard]] caf::expected<started_child> start_child(child_spec spec) const;

  /// simple_one_for_one: starts a child from the template with `args` (ctx.args()).
  [[nodiscard]] caf::expected<started_child> start_child(caf::message args) const;

  /// Stops child `id` by its shutdown policy; the spec stays (except temporary/dynamic).
  [[nodiscard]] caf::error terminate_child(const std::string& id) const;

  /// Starts a stopped child again; errc::child_running if it runs.
  [[nodiscard]] caf::expected<caf::actor> restart_child(const std::string& id) const;

  /// Removes a stopped child's spec; errc::child_running if it runs.
  [[nodiscard]] caf::error delete_child(const std::string& id) const;

  /// A stable handle to child `id` (not checked: a missing child fails back messages).
  [[nodiscard]] child_ref child(std::string id) const { return child_ref{sup_, std::move(id)}; }

private:
  caf::actor_system* sys_;
  caf::actor sup_;
  std::chrono::milliseconds timeout_;
};

} // namespace keel::supervision
