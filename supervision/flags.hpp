// keel::supervision::supervisor_flags: how a supervisor reacts to child exits.
//
// Plain data with OTP's defaults (one_for_one, at most 1 restart in 5 s, auto_shutdown never);
// validated by check_flags (spec_check.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace keel::supervision {

/// Which children restart when one exits and must be restarted.
enum class restart_strategy : uint8_t {
  one_for_one,        ///< only that child
  one_for_all,        ///< all children (the others are stopped in reverse order first)
  rest_for_one,       ///< that child and the ones started after it
  simple_one_for_one, ///< one template spec, dynamic children started in parallel
};

/// When exits of significant children stop the supervisor itself.
enum class auto_shutdown_policy : uint8_t {
  never,           ///< never (significant children are not allowed)
  any_significant, ///< when any significant child exits and is not restarted
  all_significant, ///< when the last running significant child exits and is not restarted
};

struct supervisor_flags {
  restart_strategy strategy = restart_strategy::one_for_one;
  /// More than `intensity` restarts within `period` make the supervisor give up.
  size_t intensity = 1;
  /// @pre period > 0.
  std::chrono::milliseconds period{5000};
  auto_shutdown_policy auto_shutdown = auto_shutdown_policy::never;
};

} // namespace keel::supervision
