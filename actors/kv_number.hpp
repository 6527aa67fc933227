// keel::actors::detail: Redis' strict integer parsing and formatting (util.c string2ll).
//
// "12", "-3", "0" parse; "+1", " 1", "01", "-0", "1.0", "" and anything outside int64 do not.
// Internal. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::actors::detail {

/// Parses `s` as Redis' string2ll does; false when it is not exactly a decimal int64.
[[nodiscard]] bool kv_parse_int(std::string_view s, int64_t& out) noexcept;

/// Parses a SCAN cursor as Redis' string2ull does: a non-negative decimal up to UINT64_MAX.
[[nodiscard]] bool kv_parse_cursor(std::string_view s, uint64_t& out) noexcept;

} // namespace keel::actors::detail
