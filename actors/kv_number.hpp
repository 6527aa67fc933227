// keel::actors::detail: Redis' strict number parsing and formatting (util.c string2ll,
// string2ld, ld2string).
//
// Integers: "12", "-3", "0" parse; "+1", " 1", "01", "-0", "1.0", "" and anything outside int64
// do not. Floats (INCRBYFLOAT) are long doubles as in Redis: strtold's syntax without leading
// space, NaN or overflow; printed with 17 decimals, trailing zeros cut ("3.5", "10", "0").
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

/// Parses `s` as Redis' string2ld does; false when it is not a float Redis accepts.
[[nodiscard]] bool kv_parse_float(std::string_view s, long double& out) noexcept;

/// Formats `x` (finite) as Redis' ld2string in human mode does.
[[nodiscard]] std::string kv_format_float(long double x);

} // namespace keel::actors::detail
