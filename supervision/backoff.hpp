// keel::supervision backoff: how long a crashed child waits before its next start.
//
// Akka's restartWithBackoff rule: the n-th consecutive restart (n = 0, 1, ...) waits
//   delay(n) = min(max, min * 2^n) * (1 + r * jitter),   r drawn uniformly from [0, 1)
// and n goes back to 0 once the child stayed up for `reset_after`. The random source is
// injected (random_source) so that tests can check exact delays. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace keel::supervision {

/// Restart backoff of one child (child_spec::backoff).
struct backoff_spec {
  /// Delay before the first restart; must be > 0.
  std::chrono::milliseconds min{100};
  /// Upper bound of the exponential part; must be >= min.
  std::chrono::milliseconds max{10000};
  /// Random factor: the delay grows by up to this fraction (0 = no jitter); must be >= 0.
  double jitter = 0.0;
  /// Uptime after which the attempt counter resets to 0; must be >= 0.
  std::chrono::milliseconds reset_after{10000};
};

/// Returns uniformly distributed numbers in [0, 1). Called from the supervisor's thread only.
using random_source = std::function<double()>;

/// A seeded pseudo-random source (std::mt19937_64): the same seed gives the same delays.
[[nodiscard]] random_source make_random_source(uint64_t seed);

/// A random source seeded from std::random_device.
[[nodiscard]] random_source make_random_source();

/// The delay before restart number `attempt` (0-based) given the random draw `r` in [0, 1).
/// @pre spec passed check_child_specs; 0 <= r < 1.
[[nodiscard]] std::chrono::milliseconds backoff_delay(const backoff_spec& spec, uint32_t attempt,
                                                      double r);

} // namespace keel::supervision
