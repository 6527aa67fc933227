#include "actors/kv_number.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

namespace {

// Redis' MAX_LONG_DOUBLE_CHARS: room for any long double printed with %.17Lf.
constexpr std::size_t max_float_chars = 5 * 1024;

} // namespace

bool kv_parse_float(std::string_view s, long double& out) noexcept {
  if (s.empty() || s.size() >= max_float_chars)
    return false;
  char buf[max_float_chars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) != 0
      || end != buf + s.size() // a NUL inside ends strtold early
      || (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0.0L)) || std::isnan(v))
    return false;
  out = v;
  return true;
}

std::string kv_format_float(long double x) {
  if (std::isinf(x))
    return x > 0 ? "inf" : "-inf";
  char buf[max_float_chars];
  int n = std::snprintf(buf, sizeof buf, "%.17Lf", x);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf)
    return "0";
  std::string out(buf, static_cast<std::size_t>(n));
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0')
      out.pop_back();
    if (out.back() == '.')
      out.pop_back();
  }
  if (out == "-0")
    out = "0";
  return out;
}

} // namespace keel::actors::detail
