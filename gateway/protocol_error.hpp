// keel::gateway::protocol_error: why a request stream was rejected, with Redis' own wording.
//
// RESP2 has no frame markers to resynchronise on: after a malformed header the parser cannot
// tell where the next request starts. So keel does what Redis does: the session answers
// `-ERR <message()>` after the replies of the commands that preceded the error, then closes the
// connection. Every code therefore closes the connection (closes_connection() is true for all
// codes but none); the predicate exists so that callers do not hard-code that policy.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>

namespace keel::gateway {

/// Codes of malformed input. 0 is "no error".
enum class protocol_errc : uint8_t {
  none = 0,                         ///< no error
  invalid_multibulk_length,         ///< `*` not followed by an integer in range
  invalid_bulk_length,              ///< `$` not followed by 0..max_bulk_bytes (`$-1` included)
  expected_dollar,                  ///< an array element that is not a bulk string
  too_big_mbulk_count,              ///< a `*` line longer than the inline limit without CRLF
  too_big_bulk_count,               ///< a `$` line longer than the inline limit without CRLF
  too_big_inline_request,           ///< an inline request longer than the inline limit
  unbalanced_quotes,                ///< an inline request with an unterminated quote
  unauthenticated_multibulk_length, ///< more than 10 elements before AUTH (as Redis 7)
  unauthenticated_bulk_length,      ///< a bulk over 16384 bytes before AUTH (as Redis 7)
  bulk_not_terminated,              ///< bulk payload not followed by CRLF (keel is stricter)
};

/// A protocol error: its code and, for expected_dollar, the byte found instead of '$'.
struct protocol_error {
  protocol_errc code = protocol_errc::none;
  char got = 0; ///< the offending byte (expected_dollar only)

  /// True when there is an error.
  explicit operator bool() const { return code != protocol_errc::none; }

  /// The text Redis sends after `-ERR `, e.g. "Protocol error: invalid multibulk length".
  /// The result never contains CR or LF (a CR or LF byte in `got` shows as a space, as Redis
  /// maps them).
  [[nodiscard]] std::string message() const;

  /// Whether the session must close the connection after answering: always, for any error
  /// (see the header comment).
  [[nodiscard]] bool closes_connection() const { return code != protocol_errc::none; }
};

/// The name of a code ("invalid_bulk_length", ...), for logs.
[[nodiscard]] const char* to_string(protocol_errc x);

} // namespace keel::gateway
