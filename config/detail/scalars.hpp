// keel::config::detail scalars: the text of YAML scalars -> integers, byte sizes, booleans.
//
// Pure functions on strings (no YAML, no diagnostics), so each rule is testable on its own.
// Internal to config/. Thread-safety: no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::config::detail {

/// A decimal integer as written; `value` is meaningful only when `in_range`.
struct parsed_integer {
  bool negative = false; ///< had a leading '-' and a non-zero magnitude
  bool in_range = true;  ///< false when the magnitude does not fit in 64 bits
  uint64_t value = 0;
};

/// Parses an optionally signed decimal integer ("16", "+3", "-1"); nullopt when `str` is not
/// one (empty, other characters, "1.5", "0x10").
[[nodiscard]] std::optional<parsed_integer> parse_integer(std::string_view str);

/// Parses a byte size: an integer, optionally followed (after optional spaces) by KiB, MiB or
/// GiB ("4096", "64MiB", "1 GiB"). nullopt when `str` is not one; `in_range` false when the
/// byte count does not fit in 64 bits.
[[nodiscard]] std::optional<parsed_integer> parse_size(std::string_view str);

/// Parses a YAML boolean (true/false, yes/no, on/off, in lower, Capitalized or UPPER case).
[[nodiscard]] std::optional<bool> parse_bool(std::string_view str);

/// `n` in the largest unit of GiB, MiB, KiB that divides it ("64MiB"), else plain digits.
[[nodiscard]] std::string format_size(uint64_t n);

/// Edit distance (insertions, deletions, substitutions), ASCII case-insensitive.
[[nodiscard]] size_t edit_distance(std::string_view a, std::string_view b);

} // namespace keel::config::detail
