#include "config/detail/scalars.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace keel::config::detail {

namespace {

constexpr uint64_t kib = uint64_t{1} << 10;
constexpr uint64_t mib = uint64_t{1} << 20;
constexpr uint64_t gib = uint64_t{1} << 30;

/// Parses `digits` (non-empty, only 0-9) into `out`, saturating on overflow.
bool parse_digits(std::string_view digits, parsed_integer& out) {
  if (digits.empty())
    return false;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return false;
    auto d = static_cast<uint64_t>(c - '0');
    if (out.value > (UINT64_MAX - d) / 10)
      out.in_range = false;
    else
      out.value = out.value * 10 + d;
  }
  return true;
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

} // namespace

std::optional<parsed_integer> parse_integer(std::string_view str) {
  parsed_integer out;
  bool minus = false;
  if (!str.empty() && (str.front() == '+' || str.front() == '-')) {
    minus = str.front() == '-';
    str.remove_prefix(1);
  }
  if (!parse_digits(str, out))
    return std::nullopt;
  out.negative = minus && (out.value != 0 || !out.in_range);
  return out;
}

std::optional<parsed_integer> parse_size(std::string_view str) {
  uint64_t unit = 1;
  auto ends_with = [&](std::string_view suffix) {
    return str.size() > suffix.size() && str.substr(str.size() - suffix.size()) == suffix;
  };
  if (ends_with("KiB"))
    unit = kib;
  else if (ends_with("MiB"))
    unit = mib;
  else if (ends_with("GiB"))
    unit = gib;
  if (unit != 1) {
    str.remove_suffix(3);
    while (!str.empty() && str.back() == ' ')
      str.remove_suffix(1);
  }
  auto n = parse_integer(str);
  if (!n)
    return std::nullopt;
  if (n->in_range && n->value > UINT64_MAX / unit)
    n->in_range = false;
  else
    n->value *= unit;
  return n;
}

std::optional<bool> parse_bool(std::string_view str) {
  static constexpr const char* yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                        "YES",  "on",   "On",   "ON"};
  static constexpr const char* no[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};
  for (auto* s : yes)
    if (str == s)
      return true;
  for (auto* s : no)
    if (str == s)
      return false;
  return std::nullopt;
}

std::string format_size(uint64_t n) {
  if (n != 0 && n % gib == 0)
    return std::to_string(n / gib) + "GiB";
  if (n != 0 && n % mib == 0)
    return std::to_string(n / mib) + "MiB";
  if (n != 0 && n % kib == 0)
    return std::to_string(n / kib) + "KiB";
  return std::to_string(n);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

} // namespace keel::config::detail
