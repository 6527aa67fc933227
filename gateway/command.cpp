#include "gateway/command.hpp"

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

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < b.size(); ++i)
    if (to_lower(a[i]) != b[i])
      return false;
  return true;
}

} // namespace keel::gateway
