// keel::actors shard errors: why a shard, the router or the client could not answer a request.
//
// Every error of this area is a caf::error of category `keel_shard` whose context is one string
// naming the shard and saying what to do next ("shard 3: the WAL failed to store LSN 17..20
// (keel_wal: disk_full ...); the writes were not applied, retry"). Register the category with
// add_error_category(cfg) so that actor_system::render prints it. Thread-safe: plain values.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
} // namespace caf

namespace keel::actors {

/// Error codes of the shard hosts, the router and the client. 0 is "no error".
enum class shard_errc : uint8_t {
  none = 0,         ///< not an error
  not_durable,      ///< the WAL failed to store the records a reply depends on; not applied
  wal_down,         ///< the shard's WAL writer went down; the shard restarts and recovers
  recovery_failed,  ///< a snapshot or record from the WAL could not be applied at start
  unavailable,      ///< the shard is restarting and did not come back within the deadline
  shutting_down,    ///< the shard stops; requests in flight were not answered by it
  bad_request,      ///< a request the receiver does not understand (wrong message shape)
  bad_layout,       ///< the data directory was written with another shard count
};

/// The category atom of every shard error.
inline constexpr caf::atom_value shard_error_category = caf::atom("keel_shard");

/// The name of a code ("not_durable", ...).
[[nodiscard]] const char* to_string(shard_errc x);

/// An error of code `x` whose context is `what`.
[[nodiscard]] caf::error make_error(shard_errc x, std::string what);

/// True when `err` is a shard error of code `x`.
[[nodiscard]] bool is(const caf::error& err, shard_errc x);

/// One line for any error: `keel_shard: unavailable: shard 2 ...` or CAF's own rendering
/// (keel_wal and keel_sup errors render their context too).
[[nodiscard]] std::string describe_error(const caf::error& err);

/// Registers `keel_shard` (and the WAL's and supervision's categories) with `cfg`.
void add_error_category(caf::actor_system_config& cfg);

} // namespace keel::actors
