#include "gateway/command.hpp"

#include <cstring>

namespace keel::gateway {

namespace {

char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::string lower_name(const std::string& name) {
  std::string out = name;
  for (auto& c : out)
    c = to_lower(c);
  return out;
}

bool iequals(const std::string& a, const char* b) {
  auto n = std::strlen(b);
  if (a.size() != n)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (to_lower(a[i]) != b[i])
      return false;
  return true;
}

} // namespace keel::gateway
