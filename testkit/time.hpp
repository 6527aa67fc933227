// keel::testkit time: every timeout a test uses goes through `scaled`.
//
// KEEL_TEST_TIME_FACTOR (a positive number, default 1) multiplies every timeout of the kit, as
// Akka's akka.test.timefactor does: slow CI machines and sanitizer builds set it to 3 or 5
// instead of editing tests. Thread-safe: the factor is read once.
#pragma once

#include <chrono>

namespace keel::testkit {

/// The factor from KEEL_TEST_TIME_FACTOR (1 when unset or not a positive number).
[[nodiscard]] double time_factor();

/// `base` multiplied by time_factor().
[[nodiscard]] std::chrono::milliseconds scaled(std::chrono::milliseconds base);

/// The kit's default deadline for one expected event (5 s, scaled).
[[nodiscard]] inline std::chrono::milliseconds default_timeout() {
  return scaled(std::chrono::milliseconds{5000});
}

} // namespace keel::testkit
