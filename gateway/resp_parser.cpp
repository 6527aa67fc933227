#include "gateway/resp_parser.hpp"

#include "gateway/detail/inline_args.hpp"

#include <algorithm>
#include <climits>

namespace keel::gateway {

namespace {

/// Redis' string2ll: optional '-', then "0" or a digit 1-9 followed by digits; no overflow.
bool parse_ll(std::string_view s, long long& value) {
  if (s.empty() || s.size() >= 21)
    return false;
  if (s.size() == 1 && s[0] == '0') {
    value = 0;
    return true;
  }
  size_t p = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++p == s.size())
      return false;
  }
  if (s[p] < '1' || s[p] > '9')
    return false;
  unsigned long long v = 0;
  for (; p < s.size(); ++p) {
    if (s[p] < '0' || s[p] > '9')
      return false;
    unsigned long long d = static_cast<unsigned long long>(s[p] - '0');
    if (v > (ULLONG_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<unsigned long long>(LLONG_MAX) + 1)
      return false;
    value = v == static_cast<unsigned long long>(LLONG_MAX) + 1 ? LLONG_MIN
                                                                : -static_cast<long long>(v);
  } else {
    if (v > static_cast<unsigned long long>(LLONG_MAX))
      return false;
    value = static_cast<long long>(v);
  }
  return true;
}

enum class line_status { complete, incomplete, malformed };

/// Finds the header line starting at `pos` (after its type byte): the digits up to "\r\n".
line_status header_line(std::string_view in, size_t pos, std::string_view& digits,
                        size_t& next) {
  auto cr = in.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= in.size())
    return line_status::incomplete;
  if (in[cr + 1] != '\n')
    return line_status::malformed;
  digits = in.substr(pos + 1, cr - pos - 1);
  next = cr + 2;
  return line_status::complete;
}

/// The number of the header line at `pos` (after its type byte), as header_line + parse_ll
/// would read it; `next` is the offset after its "\r\n". The common case (1 to 18 digits, no
/// sign, no leading zero, CRLF present) is read in one pass; everything else takes the general
/// path, so both accept and reject exactly the same lines.
line_status header_number(std::string_view in, size_t pos, long long& n, size_t& next) {
  auto p = pos + 1;
  if (p < in.size() && in[p] >= '1' && in[p] <= '9') {
    unsigned long long v = 0;
    auto q = p;
    while (q < in.size() && q - p < 18 && in[q] >= '0' && in[q] <= '9') {
      v = v * 10 + static_cast<unsigned long long>(in[q] - '0');
      ++q;
    }
    if (q + 1 < in.size() && in[q] == '\r' && in[q + 1] == '\n') {
      n = static_cast<long long>(v);
      next = q + 2;
      return line_status::complete;
    }
  }
  std::string_view digits;
  auto st = header_line(in, pos, digits, next);
  if (st == line_status::complete && !parse_ll(digits, n))
    return line_status::malformed;
  return st;
}

} // namespace

resp_parser::resp_parser(parser_limits limits) : limits_(limits) {
  // Redis' own ceiling for array lengths.
  limits_.max_array_len = std::min<uint32_t>(limits_.max_array_len, INT_MAX);
}

parse_result resp_parser::fail(parse_result r, protocol_errc code, char got) {
  state_ = state::failed;
  cur_.clear();
  r.error.code = code;
  r.error.got = got;
  return r;
}

bool resp_parser::end_of_argument(std::vector<command>& out, size_t& produced) {
  if (--args_left_ > 0)
    return false;
  out.push_back(std::move(cur_));
  cur_ = command{};
  ++produced;
  return true;
}

parse_result resp_parser::feed(std::string_view in, std::vector<command>& out,
                               size_t max_commands) {
  parse_result r;
  if (state_ == state::failed)
    return fail(r, protocol_errc::invalid_multibulk_length);
  size_t produced = 0;
  size_t& pos = r.consumed;
  while (pos < in.size()) {
    switch (state_) {
      case state::failed:
        return r;
      case state::start: {
        if (produced >= max_commands)
          return r;
        if (in[pos] != '*') {
          // Inline command: one line ending in '\n' (an optional '\r' before it is dropped).
          auto nl = in.find('\n', pos);
          if (nl == std::string_view::npos) {
            if (in.size() - pos > limits_.max_inline_bytes)
              return fail(r, protocol_errc::too_big_inline_request);
            return r;
          }
          if (nl - pos > limits_.max_inline_bytes)
            return fail(r, protocol_errc::too_big_inline_request);
          auto line = in.substr(pos, nl - pos);
          if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
          auto args = detail::split_inline(line);
          if (!args)
            return fail(r, protocol_errc::unbalanced_quotes);
          pos = nl + 1;
          if (!args->empty()) {
            out.push_back(std::move(*args));
            ++produced;
          }
          break;
        }
        long long n = 0;
        size_t next = 0;
        auto st = header_number(in, pos, n, next);
        if (st == line_status::incomplete) {
          if (in.size() - pos > limits_.max_inline_bytes)
            return fail(r, protocol_errc::too_big_mbulk_count);
          return r;
        }
        if (st == line_status::malformed || n > static_cast<long long>(limits_.max_array_len))
          return fail(r, protocol_errc::invalid_multibulk_length);
        if (n > 10 && unauthenticated_)
          return fail(r, protocol_errc::unauthenticated_multibulk_length);
        pos = next;
        if (n <= 0)
          break; // empty and null arrays are skipped, as Redis does
        cur_.clear();
        cur_.reserve(static_cast<size_t>(std::min<long long>(n, 1024)));
        args_left_ = static_cast<uint64_t>(n);
        state_ = state::bulk_header;
        break;
      }
      case state::bulk_header: {
        if (in[pos] != '$')
          return fail(r, protocol_errc::expected_dollar, in[pos]);
        long long n = 0;
        size_t next = 0;
        auto st = header_number(in, pos, n, next);
        if (st == line_status::incomplete) {
          if (in.size() - pos > limits_.max_inline_bytes)
            return fail(r, protocol_errc::too_big_bulk_count);
          return r;
        }
        if (st == line_status::malformed || n < 0
            || static_cast<unsigned long long>(n) > limits_.max_bulk_bytes)
          return fail(r, protocol_errc::invalid_bulk_length);
        if (n > 16384 && unauthenticated_)
          return fail(r, protocol_errc::unauthenticated_bulk_length);
        pos = next;
        bulk_left_ = static_cast<uint64_t>(n);
        if (in.size() - pos >= bulk_left_ + 2) {
          // The whole payload and its CRLF are here: one string, built in place.
          auto len = static_cast<size_t>(n);
          if (in[pos + len] != '\r' || in[pos + len + 1] != '\n')
            return fail(r, protocol_errc::bulk_not_terminated);
          cur_.emplace_back(in.data() + pos, len);
          pos += len + 2;
          if (end_of_argument(out, produced))
            state_ = state::start;
          break;
        }
        cur_.emplace_back();
        // Reserve what is plausible now; a client announcing a huge bulk and sending nothing
        // must not make the server allocate it.
        cur_.back().reserve(
          static_cast<size_t>(std::min<uint64_t>(bulk_left_, in.size() - pos + 4096)));
        state_ = state::bulk_payload;
        break;
      }
      case state::bulk_payload: {
        auto take = static_cast<size_t>(std::min<uint64_t>(bulk_left_, in.size() - pos));
        cur_.back().append(in.data() + pos, take);
        pos += take;
        bulk_left_ -= take;
        if (bulk_left_ > 0)
          return r;
        if (in.size() - pos < 2) {
          if (pos < in.size() && in[pos] != '\r')
            return fail(r, protocol_errc::bulk_not_terminated);
          return r; // wait for the CRLF
        }
        if (in[pos] != '\r' || in[pos + 1] != '\n')
          return fail(r, protocol_errc::bulk_not_terminated);
        pos += 2;
        state_ = end_of_argument(out, produced) ? state::start : state::bulk_header;
        break;
      }
    }
  }
  return r;
}

} // namespace keel::gateway
