// keel::supervision spec checks: OTP's supervisor:check_childspecs, in C++.
//
// One small check per field, errors naming the child and the field with its value, e.g.
//   keel_sup: invalid_child_spec: child 'db': invalid_shutdown timeout(0 ms): ...
// plus cross-field (bad_combination) and duplicate-id checks. The supervisor runs the same
// checks at start and in start_child. Pure functions; thread-safe.
#pragma once

#include "supervision/flags.hpp"
#include "supervision/spec.hpp"

#include <caf/error.hpp>

#include <vector>

namespace keel::supervision {

/// Checks one spec; returns an errc::invalid_child_spec error naming the field, or none.
[[nodiscard]] caf::error check_child_spec(const child_spec& spec,
                                          auto_shutdown_policy auto_shutdown
                                          = auto_shutdown_policy::never);

/// Checks every spec and that ids are unique; returns the first problem found, or none.
[[nodiscard]] caf::error check_child_specs(const std::vector<child_spec>& specs,
                                           auto_shutdown_policy auto_shutdown
                                           = auto_shutdown_policy::never);

/// Checks supervisor flags (period > 0; simple_one_for_one has exactly one spec).
[[nodiscard]] caf::error check_flags(const supervisor_flags& flags, size_t num_specs);

/// `spec` with every default filled in (shutdown by type).
/// @pre check_child_spec(spec) returned none.
[[nodiscard]] child_spec with_defaults(child_spec spec);

} // namespace keel::supervision
