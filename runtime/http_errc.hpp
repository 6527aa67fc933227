// keel::runtime HTTP endpoint errors: one documented code per failure, as a CAF 0.17 error
// category (`keel_http`) whose context is one std::string saying what happened and what to do.
// Call add_http_error_category() on the actor_system_config so that `sys.render(err)` prints it.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
} // namespace caf

namespace keel::runtime {

/// The category atom of every HTTP endpoint error.
constexpr caf::atom_value http_errc_category = caf::atom("keel_http");

/// Error codes of the HTTP endpoint (http_server).
enum class http_errc : uint8_t {
  /// Not an error.
  none = 0,
  /// The bind address is not an IP address; the context names it.
  invalid_address,
  /// Opening, binding or listening on the socket failed (port in use, no permission); the
  /// context names address, port and the system's reason.
  bind_failed,
  /// start() on a server that is running already.
  already_running,
};

/// The name of a code (`"bind_failed"`).
[[nodiscard]] const char* to_string(http_errc x);

/// An error of code `x` with `context` (what happened, what to do).
[[nodiscard]] caf::error make_error(http_errc x, std::string context);

/// Registers the `keel_http` category with `cfg` so that `actor_system::render` prints it.
void add_http_error_category(caf::actor_system_config& cfg);

} // namespace keel::runtime
