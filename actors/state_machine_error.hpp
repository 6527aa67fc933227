// keel::actors::state_machine_error: why a state machine rejected a log record or an image.
//
// Errors are values: replay and restore return one; `if (err)` is true for a real error. The
// message names what was wrong and where ("kv snapshot: truncated in key 12 of 40 at byte
// 913"), so an operator can tell a damaged file from a version mismatch. Plain C++17, no CAF:
// the shard host converts it to a caf::error at the actor boundary.
#pragma once

#include <cstdint>
#include <string>

namespace keel::actors {

/// The reason a record or an image could not be applied.
enum class state_machine_errc : uint8_t {
  none = 0,            ///< not an error
  unsupported_version, ///< the version byte (or magic) is not one this build reads
  truncated,           ///< the bytes end inside a field
  malformed,           ///< a field holds a value no writer produces (unknown tag, duplicate key)
};

/// Returns the name of `code`, e.g. "truncated"; a static string.
[[nodiscard]] inline const char* to_string(state_machine_errc code) noexcept {
  switch (code) {
    case state_machine_errc::none:
      return "none";
    case state_machine_errc::unsupported_version:
      return "unsupported_version";
    case state_machine_errc::truncated:
      return "truncated";
    case state_machine_errc::malformed:
      return "malformed";
  }
  return "unknown";
}

/// A code plus a human-readable message; the default value is "no error".
struct [[nodiscard]] state_machine_error {
  state_machine_errc code = state_machine_errc::none;
  std::string message;

  /// True when this is an error.
  explicit operator bool() const noexcept { return code != state_machine_errc::none; }
};

} // namespace keel::actors
