// keel::actors pool errors: one documented code per failure of pools, breakers and ports.
//
// Every error is a `caf::error` with category `keel_pool` and, as context, one std::string
// that says what happened and what to do next (describe_pool_error prints it). Plain values;
// thread-safe.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace keel::actors {

/// The category atom of every pool, breaker and port error.
constexpr caf::atom_value pool_errc_category = caf::atom("keel_pool");

/// Error codes of pools, circuit breakers and ports.
enum class pool_errc : uint8_t {
  /// Not an error.
  none = 0,
  /// No worker became free within the checkout timeout.
  checkout_timeout,
  /// The wait queue is full (max_waiters): the request was refused at once.
  pool_full,
  /// The worker died while it held the request and the pool does not retry it (on_worker_death
  /// fail, or the retry also failed).
  worker_died,
  /// The worker did not answer within the request timeout.
  request_timeout,
  /// The pool, breaker or port is shutting down and takes no new work.
  shutting_down,
  /// The circuit breaker is open (and has no fallback).
  circuit_open,
  /// An external worker could not be started or broke its protocol.
  port_failed,
  /// A checkin named a lease the pool does not know.
  unknown_lease,
};

/// The name of a code (`"checkout_timeout"`).
[[nodiscard]] const char* to_string(pool_errc x);

/// An error of code `x` with `context` (what happened, what to do).
[[nodiscard]] caf::error make_error(pool_errc x, std::string context);

/// True when `err` is a pool error with code `x`.
[[nodiscard]] bool is(const caf::error& err, pool_errc x);

/// `keel_pool: checkout_timeout: <context>` for pool errors; supervision::describe otherwise.
[[nodiscard]] std::string describe_pool_error(const caf::error& err);

} // namespace keel::actors
