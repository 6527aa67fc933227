// keel::gateway error codes, a CAF 0.17 error category `keel_gw`.
//
// server::start() returns these as caf::error values whose context is one string naming the
// field or address and what to do next. Thread-safety: pure functions.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace keel::gateway {

/// Error codes of the gateway. 0 is "no error".
enum class errc : uint8_t {
  none = 0,         ///< no error
  invalid_options,  ///< an options field out of range (the context names it and its value)
  bind_failed,      ///< the address could not be bound (in use, not local, no permission)
  already_started,  ///< start() on a running server
};

/// The CAF error category of errc values.
inline constexpr caf::atom_value error_category = caf::atom("keel_gw");

/// The name of a code ("bind_failed", ...).
[[nodiscard]] std::string to_string(errc x);

/// A caf::error of category keel_gw whose context is `what`.
[[nodiscard]] caf::error make_error(errc x, std::string what);

/// True when `err` is of category keel_gw with code `x`.
[[nodiscard]] bool is(const caf::error& err, errc x);

/// "keel_gw: bind_failed: ..." for a keel_gw error, CAF's rendering otherwise.
[[nodiscard]] std::string describe(const caf::error& err);

} // namespace keel::gateway
