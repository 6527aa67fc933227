#include "gateway/standard_replies.hpp"

#include <algorithm>
#include <cstring>

namespace keel::gateway {

namespace {

/// What printf's "%.*s" shows of a byte string: up to its first '\0', at most `max` bytes.
std::string c_prefix(const std::string& s, size_t max) {
  auto n = std::min(std::strlen(s.c_str()), max);
  return s.substr(0, n);
}

} // namespace

reply unknown_command(const command& cmd) {
  std::string args;
  for (size_t i = 1; i < cmd.size() && args.size() < 128; ++i)
    args += "'" + c_prefix(cmd[i], 128 - args.size()) + "' ";
  return reply::error("ERR unknown command '" + c_prefix(cmd[0], 128)
                      + "', with args beginning with: " + args);
}

reply wrong_arity(const std::string& name) {
  return reply::error("ERR wrong number of arguments for '" + lower_name(name) + "' command");
}

reply syntax_error() {
  return reply::error("ERR syntax error");
}

reply not_an_integer() {
  return reply::error("ERR value is not an integer or out of range");
}

reply noauth() {
  return reply::error("NOAUTH Authentication required.");
}

} // namespace keel::gateway
