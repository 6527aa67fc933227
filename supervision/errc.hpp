// keel::supervision errors: one documented code per failure, as a CAF 0.17 error category.
//
// Every error this folder returns or uses as an exit reason is a `caf::error` with category
// `keel_sup` and, as context, one std::string that says what happened and what to do next.
// Call add_error_category() on the actor_system_config so that `sys.render(err)` prints it;
// describe() prints it without a system. Thread-safe: these are plain values.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
} // namespace caf

namespace keel::supervision {

/// The category atom of every supervision error.
constexpr caf::atom_value errc_category = caf::atom("keel_sup");

/// Error codes of keel::supervision.
enum class errc : uint8_t {
  /// Not an error.
  none = 0,
  /// A message sent through a child_ref found no running incarnation (child terminated,
  /// deleted, or its restart queue was full).
  child_unavailable,
  /// A child's start factory or init failed; the context names the child and the cause.
  start_failed,
  /// A child did not report ready within its start timeout.
  start_timeout,
  /// A child spec or the supervisor flags failed validation; the context names the field.
  invalid_child_spec,
  /// More restarts than `intensity` within `period`: the supervisor gave up (its exit reason).
  intensity_exceeded,
  /// No child with the given id.
  child_not_found,
  /// A child with this id exists already (start_child).
  already_present,
  /// The operation needs the child stopped first (restart_child / delete_child).
  child_running,
  /// The operation is not valid for this strategy (e.g. restart_child on simple_one_for_one).
  wrong_strategy,
  /// The supervisor shut down because a significant child exited (auto_shutdown).
  auto_shutdown,
  /// The supervisor is shutting down and accepts no new work.
  shutting_down,
};

/// The name of a code (`"child_unavailable"`).
[[nodiscard]] const char* to_string(errc x);

/// An error of code `x` with `context` (what happened, what to do).
[[nodiscard]] caf::error make_error(errc x, std::string context);

/// An error of code `x` without context (lets `caf::error err = errc::x;` compile).
[[nodiscard]] caf::error make_error(errc x);

/// True when `err` is a supervision error with code `x`.
[[nodiscard]] bool is(const caf::error& err, errc x);

/// A one-line human readable description of any error (keel_sup, CAF's sec/exit_reason).
[[nodiscard]] std::string describe(const caf::error& err);

/// True for exit reasons that mean "stopped on purpose" (OTP's normal / shutdown):
/// exit_reason::normal, exit_reason::user_shutdown, errc::intensity_exceeded,
/// errc::auto_shutdown. A transient child that exits with one of them is not restarted.
[[nodiscard]] bool is_shutdown_reason(const caf::error& reason);

/// Registers the `keel_sup` category with `cfg` so that `actor_system::render` prints it.
void add_error_category(caf::actor_system_config& cfg);

} // namespace keel::supervision
