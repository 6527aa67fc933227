#include "actors/kv_command.hpp"

#include <array>

namespace keel::actors {

namespace {

using id = kv_command_id;

//                               name         id             arity  wr     oom    all    f   l  s
constexpr std::array<kv_command_spec, 48> table{{
  {"get", id::get, 2, false, false, false, 1, 1, 1},
  {"set", id::set, -3, true, true, false, 1, 1, 1},
  {"del", id::del, -2, true, false, false, 1, -1, 1},
  {"exists", id::exists, -2, false, false, false, 1, -1, 1},
  {"mget", id::mget, -2, false, false, false, 1, -1, 1},
  {"mset", id::mset, -3, true, true, false, 1, -1, 2},
  {"incr", id::incr, 2, true, true, false, 1, 1, 1},
  {"incrby", id::incrby, 3, true, true, false, 1, 1, 1},
  {"decr", id::decr, 2, true, true, false, 1, 1, 1},
  {"decrby", id::decrby, 3, true, true, false, 1, 1, 1},
  {"append", id::append, 3, true, true, false, 1, 1, 1},
  {"strlen", id::strlen, 2, false, false, false, 1, 1, 1},
  {"expire", id::expire, -3, true, false, false, 1, 1, 1},
  {"pexpire", id::pexpire, -3, true, false, false, 1, 1, 1},
  {"expireat", id::expireat, -3, true, false, false, 1, 1, 1},
  {"pexpireat", id::pexpireat, -3, true, false, false, 1, 1, 1},
  {"ttl", id::ttl, 2, false, false, false, 1, 1, 1},
  {"pttl", id::pttl, 2, false, false, false, 1, 1, 1},
  {"persist", id::persist, 2, true, false, false, 1, 1, 1},
  {"dbsize", id::dbsize, 1, false, false, true, 0, 0, 0},
  {"flushall", id::flushall, -1, true, false, true, 0, 0, 0},
  {"keys", id::keys, 2, false, false, true, 0, 0, 0},
  {"scan", id::scan, -2, false, false, true, 0, 0, 0},
  {"setnx", id::setnx, 3, true, true, false, 1, 1, 1},
  {"setex", id::setex, 4, true, true, false, 1, 1, 1},
  {"psetex", id::psetex, 4, true, true, false, 1, 1, 1},
  {"getset", id::getset, 3, true, true, false, 1, 1, 1},
  {"getdel", id::getdel, 2, true, false, false, 1, 1, 1},
  {"unlink", id::unlink, -2, true, false, false, 1, -1, 1},
  {"type", id::type, 2, false, false, false, 1, 1, 1},
  {"getex", id::getex, -2, true, false, false, 1, 1, 1},
  {"getrange", id::getrange, 4, false, false, false, 1, 1, 1},
  {"substr", id::substr, 4, false, false, false, 1, 1, 1},
  {"setrange", id::setrange, 4, true, true, false, 1, 1, 1},
  {"incrbyfloat", id::incrbyfloat, 3, true, true, false, 1, 1, 1},
  {"touch", id::touch, -2, false, false, false, 1, -1, 1},
  {"expiretime", id::expiretime, 2, false, false, false, 1, 1, 1},
  {"pexpiretime", id::pexpiretime, 2, false, false, false, 1, 1, 1},
  {"flushdb", id::flushdb, -1, true, false, true, 0, 0, 0},
  {"exec", id::exec, -1, false, false, false, 0, 0, 0}, // each command of it is checked
  {"rename", id::rename, 3, true, false, false, 1, 2, 1},
  {"renamenx", id::renamenx, 3, true, false, false, 1, 2, 1},
  {"msetnx", id::msetnx, -3, true, true, false, 1, -1, 2},
  {"copy", id::copy, -3, true, true, false, 1, 2, 1},
  {"watch", id::watch, -2, false, false, false, 1, -1, 1},
  {"watched", id::watched, -3, false, false, false, 1, -1, 2}, // only first in a transaction
  {"randomkey", id::randomkey, 1, false, false, true, 0, 0, 0},
  {"memory", id::memory, -3, false, false, false, 2, 2, 1}, // MEMORY USAGE key [SAMPLES n]
}};

// ASCII only, as Redis matches command names: no locale lookup per character.
bool iequals(std::string_view lower, std::string_view x) noexcept {
  if (lower.size() != x.size())
    return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i])
      return false;
  }
  return true;
}

} // namespace

const kv_command_spec* kv_find_command(std::string_view name) noexcept {
  for (auto& spec : table)
    if (iequals(spec.name, name))
      return &spec;
  return nullptr;
}

bool kv_arity_ok(const kv_command_spec& spec, std::size_t argc) noexcept {
  auto n = static_cast<std::size_t>(spec.arity < 0 ? -spec.arity : spec.arity);
  return spec.arity < 0 ? argc >= n : argc == n;
}

kv_access kv_classify(const kv_command& cmd) {
  kv_access result;
  if (cmd.empty())
    return result;
  result.spec = kv_find_command(cmd[0]);
  if (result.spec == nullptr)
    return result;
  auto& spec = *result.spec;
  result.writes = spec.writes;
  result.keyspace = spec.keyspace;
  result.arity_ok = kv_arity_ok(spec, cmd.size());
  if (!result.arity_ok || spec.first_key == 0)
    return result;
  if (spec.key_step == 2 && cmd.size() % 2 == 0) // MSET, MSETNX: a key without its value
    return result;
  auto last = spec.last_key < 0 ? cmd.size() - 1 : static_cast<std::size_t>(spec.last_key);
  for (auto i = static_cast<std::size_t>(spec.first_key); i <= last;
       i += static_cast<std::size_t>(spec.key_step))
    result.keys.emplace_back(cmd[i]);
  return result;
}

kv_command kv_transaction(const std::vector<kv_command>& cmds) {
  kv_command out{"EXEC"};
  for (auto& c : cmds) {
    out.push_back(std::to_string(c.size()));
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

std::optional<std::vector<kv_command>> kv_transaction_commands(const kv_command& exec) {
  std::vector<kv_command> out;
  for (std::size_t i = 1; i < exec.size();) {
    auto& count = exec[i++];
    std::size_t n = 0;
    for (char c : count) {
      if (c < '0' || c > '9' || n > exec.size())
        return std::nullopt;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (count.empty() || n == 0 || n > exec.size() - i)
      return std::nullopt;
    out.emplace_back(exec.begin() + static_cast<std::ptrdiff_t>(i),
                     exec.begin() + static_cast<std::ptrdiff_t>(i + n));
    i += n;
  }
  return out;
}

std::string kv_arity_error(std::string_view name) {
  std::string out = "ERR wrong number of arguments for '";
  out += name;
  out += "' command";
  return out;
}

std::string kv_unknown_command_error(const kv_command& cmd) {
  // Redis: "unknown command '%.128s', with args beginning with: " then "'%.*s' " per argument
  // while the list is shorter than 128 bytes, each cut to the room left.
  std::string out = "ERR unknown command '";
  out += cmd.empty() ? std::string_view{} : std::string_view{cmd[0]}.substr(0, 128);
  out += "', with args beginning with: ";
  std::string args;
  for (std::size_t i = 1; i < cmd.size() && args.size() < 128; ++i) {
    args += '\'';
    args += std::string_view{cmd[i]}.substr(0, 128 - args.size() + 1);
    args += "' ";
  }
  out += args;
  return out;
}

} // namespace keel::actors
