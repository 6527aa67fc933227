// keel::supervision::child_spec: what a supervisor knows about one child, as plain data.
//
// As in OTP's supervisor.erl, a child spec is data with defaults as data: fill in id and start,
// leave the rest at their defaults unless needed. Specs are validated once (check_child_specs,
// spec_check.hpp) when a supervisor starts or start_child is called; invalid ones are errors
// that name the child and the field. Copyable values; the start factory is called on the
// supervisor's thread and must not block.
#pragma once

#include "supervision/backoff.hpp"
#include "supervision/start_context.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace keel::supervision {

/// When a child is restarted.
enum class restart_type : uint8_t {
  permanent, ///< always
  transient, ///< only after an abnormal exit (see is_shutdown_reason)
  temporary, ///< never; the spec is removed when the child exits
};

/// What a child is; supervisors default to shutdown infinity.
enum class child_type : uint8_t { worker, supervisor };

/// How a child is stopped.
struct shutdown_policy {
  enum class kind : uint8_t {
    brutal_kill, ///< exit_reason::kill at once
    timeout,     ///< exit_reason::user_shutdown, then kill after `after`
    infinity,    ///< exit_reason::user_shutdown, wait as long as it takes
  };

  kind how = kind::timeout;
  std::chrono::milliseconds after{5000};

  /// Kill at once.
  [[nodiscard]] static shutdown_policy brutal_kill() { return {kind::brutal_kill, {}}; }
  /// Ask, then kill after `ms`. @pre ms > 0 (checked by check_child_specs).
  [[nodiscard]] static shutdown_policy timeout(std::chrono::milliseconds ms) {
    return {kind::timeout, ms};
  }
  /// Ask and wait for good (the default for supervisors).
  [[nodiscard]] static shutdown_policy infinity() { return {kind::infinity, {}}; }
};

/// Starts one incarnation of a child: spawn it and return its handle (or an error). The child
/// must eventually call ctx.ready() or ctx.fail(err), unless the factory did (ready_on_spawn).
/// Called on the supervisor's thread; must not block.
using start_fn = std::function<caf::expected<caf::actor>(const start_context& ctx)>;

/// One child of a supervisor.
struct child_spec {
  /// Unique within the supervisor; required.
  std::string id;
  /// Factory of incarnations; required.
  start_fn start;
  restart_type restart = restart_type::permanent;
  /// Default: timeout(5000 ms) for workers, infinity for supervisors.
  std::optional<shutdown_policy> shutdown;
  child_type type = child_type::worker;
  /// Exits of significant children may stop the supervisor (supervisor_flags::auto_shutdown).
  /// @pre restart is transient or temporary.
  bool significant = false;
  /// Delay restarts (none: restart at once).
  std::optional<backoff_spec> backoff;
  /// How long the child may take to report ready (default: supervisor_options::start_timeout).
  std::optional<std::chrono::milliseconds> start_timeout;
};

/// A start factory for children that do not handshake: `spawn(sys, args)` returns the actor,
/// which is treated as ready as soon as it is spawned.
[[nodiscard]] start_fn
ready_on_spawn(std::function<caf::actor(caf::actor_system&, const caf::message& args)> spawn);

/// A start factory for children that do not handshake (no start arguments).
[[nodiscard]] start_fn ready_on_spawn(std::function<caf::actor(caf::actor_system&)> spawn);

} // namespace keel::supervision

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::supervision::child_spec)
