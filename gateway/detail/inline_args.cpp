#include "gateway/detail/inline_args.hpp"

namespace keel::gateway::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::optional<command> split_inline(std::string_view line) {
  if (auto nul = line.find('\0'); nul != std::string_view::npos)
    line = line.substr(0, nul);
  command out;
  size_t p = 0;
  const size_t n = line.size();
  auto at = [&](size_t i) { return i < n ? line[i] : '\0'; };
  for (;;) {
    while (p < n && is_space(line[p]))
      ++p;
    if (p >= n)
      return out;
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    std::string cur;
    while (!done) {
      char c = at(p);
      if (in_dq) {
        if (p >= n)
          return std::nullopt;
        if (c == '\\' && at(p + 1) == 'x' && hex_value(at(p + 2)) >= 0
            && hex_value(at(p + 3)) >= 0) {
          cur += static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
          p += 3;
        } else if (c == '\\' && p + 1 < n) {
          ++p;
          switch (line[p]) {
            case 'n': cur += '\n'; break;
            case 'r': cur += '\r'; break;
            case 't': cur += '\t'; break;
            case 'b': cur += '\b'; break;
            case 'a': cur += '\a'; break;
            default: cur += line[p]; break;
          }
        } else if (c == '"') {
          if (p + 1 < n && !is_space(line[p + 1]))
            return std::nullopt;
          done = true;
        } else {
          cur += c;
        }
      } else if (in_sq) {
        if (p >= n)
          return std::nullopt;
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          cur += '\'';
        } else if (c == '\'') {
          if (p + 1 < n && !is_space(line[p + 1]))
            return std::nullopt;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (p >= n)
          break;
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            cur += c;
            break;
        }
      }
      if (p < n)
        ++p;
    }
    out.push_back(std::move(cur));
  }
}

} // namespace keel::gateway::detail
