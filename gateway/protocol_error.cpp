#include "gateway/protocol_error.hpp"

namespace keel::gateway {

std::string protocol_error::message() const {
  switch (code) {
    case protocol_errc::none:
      return {};
    case protocol_errc::invalid_multibulk_length:
      return "Protocol error: invalid multibulk length";
    case protocol_errc::invalid_bulk_length:
      return "Protocol error: invalid bulk length";
    case protocol_errc::expected_dollar: {
      char c = (got == '\r' || got == '\n') ? ' ' : got;
      return std::string{"Protocol error: expected '$', got '"} + c + "'";
    }
    case protocol_errc::too_big_mbulk_count:
      return "Protocol error: too big mbulk count string";
    case protocol_errc::too_big_bulk_count:
      return "Protocol error: too big bulk count string";
    case protocol_errc::too_big_inline_request:
      return "Protocol error: too big inline request";
    case protocol_errc::unbalanced_quotes:
      return "Protocol error: unbalanced quotes in request";
    case protocol_errc::unauthenticated_multibulk_length:
      return "Protocol error: unauthenticated multibulk length";
    case protocol_errc::unauthenticated_bulk_length:
      return "Protocol error: unauthenticated bulk length";
    case protocol_errc::bulk_not_terminated:
      return "Protocol error: expected CRLF after bulk string";
  }
  return "Protocol error: unknown";
}

const char* to_string(protocol_errc x) {
  switch (x) {
    case protocol_errc::none:
      return "none";
    case protocol_errc::invalid_multibulk_length:
      return "invalid_multibulk_length";
    case protocol_errc::invalid_bulk_length:
      return "invalid_bulk_length";
    case protocol_errc::expected_dollar:
      return "expected_dollar";
    case protocol_errc::too_big_mbulk_count:
      return "too_big_mbulk_count";
    case protocol_errc::too_big_bulk_count:
      return "too_big_bulk_count";
    case protocol_errc::too_big_inline_request:
      return "too_big_inline_request";
    case protocol_errc::unbalanced_quotes:
      return "unbalanced_quotes";
    case protocol_errc::unauthenticated_multibulk_length:
      return "unauthenticated_multibulk_length";
    case protocol_errc::unauthenticated_bulk_length:
      return "unauthenticated_bulk_length";
    case protocol_errc::bulk_not_terminated:
      return "bulk_not_terminated";
  }
  return "protocol_errc(?)";
}

} // namespace keel::gateway
