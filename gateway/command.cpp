#include "gateway/command.hpp"

#include <charconv>

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

std::optional<int64_t> parse_int64(const std::string& arg) noexcept {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v);
  if (arg.empty() || ec != std::errc{} || end != arg.data() + arg.size())
    return std::nullopt;
  return v;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < b.size(); ++i)
    if (to_lower(a[i]) != b[i])
      return false;
  return true;
}

command transaction_command(const std::vector<command>& queued) {
  command out{"EXEC"};
  for (auto& c : queued) {
    out.push_back(std::to_string(c.size()));
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

std::optional<std::vector<command>> transaction_commands(const command& exec) {
  std::vector<command> out;
  size_t i = 1;
  while (i < exec.size()) {
    const auto& count = exec[i++];
    size_t n = 0;
    bool digits = !count.empty() && count.size() < 10
                  && count.find_first_not_of("0123456789") == std::string::npos;
    if (digits)
      n = std::stoul(count);
    if (n == 0 || n > exec.size() - i)
      return std::nullopt;
    out.emplace_back(exec.begin() + static_cast<ptrdiff_t>(i),
                     exec.begin() + static_cast<ptrdiff_t>(i + n));
    i += n;
  }
  return out;
}

} // namespace keel::gateway
