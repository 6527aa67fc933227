#include "actors/kv_glob.hpp"

#include <cctype>
#include <cstddef>

namespace keel::actors {

namespace {

// A cursor over a byte string that reads '\0' past its end, as the C original reads the
// terminating NUL of its sds strings.
struct cursor {
  const char* p;
  std::ptrdiff_t len;

  [[nodiscard]] int at(std::ptrdiff_t i) const noexcept {
    return i < len ? static_cast<signed char>(p[i]) : 0;
  }
  void advance(std::ptrdiff_t n = 1) noexcept {
    p += n;
    len -= n;
  }
};

int fold(int c) noexcept {
  return std::tolower(static_cast<unsigned char>(c));
}

// A line-by-line port of stringmatchlen_impl (Redis 7.2, util.c).
bool match(cursor pat, cursor str, bool nocase, bool& skip_longer, int nesting) noexcept {
  if (nesting > 1000)
    return false;
  while (pat.len > 0 && str.len > 0) {
    switch (pat.at(0)) {
      case '*':
        while (pat.len > 0 && pat.at(1) == '*')
          pat.advance();
        if (pat.len == 1)
          return true;
        while (str.len > 0) {
          if (match(cursor{pat.p + 1, pat.len - 1}, str, nocase, skip_longer, nesting + 1))
            return true;
          if (skip_longer)
            return false;
          str.advance();
        }
        skip_longer = true;
        return false;
      case '?':
        str.advance();
        break;
      case '[': {
        pat.advance();
        bool negate = pat.at(0) == '^';
        if (negate)
          pat.advance();
        bool matched = false;
        for (;;) {
          if (pat.at(0) == '\\' && pat.len >= 2) {
            pat.advance();
            if (pat.at(0) == str.at(0))
              matched = true;
          } else if (pat.at(0) == ']') {
            break;
          } else if (pat.len == 0) {
            pat.p -= 1;
            pat.len += 1;
            break;
          } else if (pat.len >= 3 && pat.at(1) == '-') {
            int start = pat.at(0);
            int end = pat.at(2);
            int c = str.at(0);
            if (start > end) {
              int t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = fold(start);
              end = fold(end);
              c = fold(c);
            }
            pat.advance(2);
            if (c >= start && c <= end)
              matched = true;
          } else if (!nocase) {
            if (pat.at(0) == str.at(0))
              matched = true;
          } else if (fold(pat.at(0)) == fold(str.at(0))) {
            matched = true;
          }
          pat.advance();
        }
        if (negate)
          matched = !matched;
        if (!matched)
          return false;
        str.advance();
        break;
      }
      case '\\':
        if (pat.len >= 2)
          pat.advance();
        [[fallthrough]];
      default:
        if (!nocase) {
          if (pat.at(0) != str.at(0))
            return false;
        } else if (fold(pat.at(0)) != fold(str.at(0))) {
          return false;
        }
        str.advance();
        break;
    }
    pat.advance();
    if (str.len == 0) {
      while (pat.len > 0 && pat.at(0) == '*')
        pat.advance();
      break;
    }
  }
  return pat.len == 0 && str.len == 0;
}

} // namespace

bool kv_glob_match(std::string_view pattern, std::string_view text, bool nocase) noexcept {
  bool skip_longer = false;
  return match(cursor{pattern.data(), static_cast<std::ptrdiff_t>(pattern.size())},
               cursor{text.data(), static_cast<std::ptrdiff_t>(text.size())}, nocase,
               skip_longer, 0);
}

} // namespace keel::actors
