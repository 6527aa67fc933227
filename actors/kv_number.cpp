#include "actors/kv_number.hpp"

#include <limits>

namespace keel::actors::detail {

bool kv_parse_int(std::string_view s, int64_t& out) noexcept {
  constexpr std::size_t long_str_size = 21;
  if (s.empty() || s.size() >= long_str_size)
    return false;
  if (s.size() == 1 && s[0] == '0') {
    out = 0;
    return true;
  }
  std::size_t i = 0;
  bool negative = s[0] == '-';
  if (negative && ++i == s.size())
    return false;
  if (s[i] < '1' || s[i] > '9')
    return false;
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  constexpr auto max = std::numeric_limits<uint64_t>::max();
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    auto d = static_cast<uint64_t>(s[i] - '0');
    if (v > max / 10 || v * 10 > max - d)
      return false;
    v = v * 10 + d;
  }
  constexpr auto int_max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > int_max + 1)
      return false;
    out = v == int_max + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  } else {
    if (v > int_max)
      return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

bool kv_parse_cursor(std::string_view s, uint64_t& out) noexcept {
  if (s.empty() || s.size() > 20)
    return false;
  uint64_t v = 0;
  constexpr auto max = std::numeric_limits<uint64_t>::max();
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    auto d = static_cast<uint64_t>(c - '0');
    if (v > max / 10 || v * 10 > max - d)
      return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

} // namespace keel::actors::detail
