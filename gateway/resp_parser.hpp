// keel::gateway::resp_parser: incremental RESP2 request parser (multi-bulk and inline).
//
// The parser is fed the bytes a connection has received and appends every complete command to
// a caller's vector. It is incremental: feed() reports how many input bytes it has taken; the
// caller keeps the rest (at most one partial header or inline line, bounded by
// max_inline_bytes) and presents it again, followed by newly received bytes. Bulk payloads are
// taken as they arrive and copied once, straight from the caller's buffer into the argument, so
// a large value never sits in the caller's buffer whole. Truncated frames are not errors: the
// parser waits for more bytes.
//
// Behaviour follows Redis 7's processMultibulkBuffer / processInlineBuffer: `*0` and negative
// array lengths (`*-1`, the null array) are skipped; `$-1` in a request is an invalid bulk
// length; numbers follow Redis' string2ll (no '+', no leading zeros, at most 20 characters);
// blank inline lines are skipped. Errors carry Redis' exact text (protocol_error) and leave the
// parser failed: the connection cannot be resynchronised and must be closed after the answer.
// keel is stricter than Redis in one place: a bulk payload must be followed by CRLF.
//
// Thread-safety: none; one parser per connection.
#pragma once

#include "gateway/command.hpp"
#include "gateway/protocol_error.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace keel::gateway {

/// Limits on what a client may send.
struct parser_limits {
  uint64_t max_bulk_bytes = 512ull << 20; ///< largest bulk string (Redis' proto-max-bulk-len)
  uint32_t max_array_len = 1u << 20;      ///< most elements of one multi-bulk request
  size_t max_inline_bytes = 64 * 1024;    ///< longest inline request or header line
};

/// What one feed() did.
struct parse_result {
  size_t consumed = 0;  ///< bytes of the input taken; the caller drops exactly these
  protocol_error error; ///< set when the input is malformed; the parser is then failed
};

class resp_parser {
public:
  /// A parser with `limits`.
  explicit resp_parser(parser_limits limits = {});

  /// Parses `input` (the bytes not consumed before, then new ones) and appends complete commands
  /// to `out`, at most `max_commands` of them (the caller may want to act on one command before
  /// parsing the next, e.g. AUTH). Commands complete before an error are still appended.
  /// @pre !failed(): after an error the parser accepts nothing.
  [[nodiscard]] parse_result feed(std::string_view input, std::vector<command>& out,
                                  size_t max_commands = std::numeric_limits<size_t>::max());

  /// Switches Redis 7's stricter limits for clients that have not authenticated yet (at most
  /// 10 array elements, bulks of at most 16384 bytes). Off by default.
  void require_auth(bool on) { unauthenticated_ = on; }

  /// True once feed() has reported an error.
  [[nodiscard]] bool failed() const { return state_ == state::failed; }

  /// True when part of a multi-bulk command has been taken and its rest is awaited.
  [[nodiscard]] bool mid_command() const { return state_ != state::start && !failed(); }

private:
  enum class state : uint8_t { start, bulk_header, bulk_payload, failed };

  parse_result fail(parse_result r, protocol_errc code, char got = 0);

  /// One argument of the current command is complete: true (and the command moved to `out`)
  /// when it was the last.
  bool end_of_argument(std::vector<command>& out, size_t& produced);

  parser_limits limits_;
  state state_ = state::start;
  bool unauthenticated_ = false;
  uint64_t args_left_ = 0; ///< bulk strings still to come for cur_
  uint64_t bulk_left_ = 0; ///< payload bytes still to come for the last argument of cur_
  command cur_;            ///< the multi-bulk command being assembled
};

} // namespace keel::gateway
