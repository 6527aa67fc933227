#include "gateway/detail/local_commands.hpp"

#include "gateway/detail/client_command.hpp"
#include "gateway/detail/command_table.hpp"
#include "gateway/detail/info.hpp"
#include "gateway/detail/pubsub.hpp"
#include "gateway/standard_replies.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace keel::gateway::detail {

namespace {

local_result answer(reply r) {
  return {disposition::answered, std::move(r)};
}

/// Redis' stringmatchlen for the patterns CONFIG GET needs: '*', '?' and literal characters.
bool glob_match(const char* p, const char* s) {
  for (; *p; ++p, ++s) {
    if (*p == '*') {
      for (const char* t = s;; ++t) {
        if (glob_match(p + 1, t))
          return true;
        if (!*t)
          return false;
      }
    }
    if (!*s || (*p != '?' && *p != *s))
      return false;
  }
  return !*s;
}

// True when `v` is an int64 in Redis' strict form (string2ll): no sign but '-', no leading
// zero, no spaces.
bool is_strict_int(const std::string& v) {
  std::string_view digits = v;
  if (!digits.empty() && digits.front() == '-')
    digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 19 || (digits.front() == '0' && v != "0"))
    return false;
  for (char c : digits)
    if (c < '0' || c > '9')
      return false;
  if (digits.size() < 19)
    return true;
  return digits <= (v.front() == '-' ? "9223372036854775808" : "9223372036854775807");
}

local_result auth(const command& cmd, client_state& client, const server_view& srv) {
  if (cmd.size() < 2 || cmd.size() > 3)
    return answer(wrong_arity(cmd[0]));
  // As Redis' default user: without requirepass it takes any password (AUTH default x), but
  // the one-argument form is refused as a likely configuration mistake.
  bool nopass = srv.opts.password.empty();
  if (nopass && cmd.size() == 2)
    return answer(reply::error(
      "ERR AUTH <password> called without any password configured for the default user. "
      "Are you sure your configuration is correct?"));
  bool user_ok = cmd.size() == 2 || cmd[1] == "default";
  if (!user_ok || (!nopass && cmd.back() != srv.opts.password))
    return answer(
      reply::error("WRONGPASS invalid username-password pair or user is disabled."));
  client.authenticated = true;
  return answer(reply::ok());
}

local_result hello(const command& cmd, client_state& client, const server_view& srv) {
  size_t i = 1;
  if (cmd.size() > 1) {
    const auto& v = cmd[1];
    if (!is_strict_int(v))
      return answer(reply::error("ERR Protocol version is not an integer or out of range"));
    if (v != "2") // RESP3 included: this server speaks RESP2 only
      return answer(reply::error("NOPROTO unsupported protocol version"));
    i = 2;
  }
  std::string new_name;
  bool set_name = false;
  for (; i < cmd.size(); ++i) {
    bool more = i + 1 < cmd.size();
    if (iequals(cmd[i], "auth") && i + 2 < cmd.size()) {
      auto r = auth(command{"auth", cmd[i + 1], cmd[i + 2]}, client, srv);
      if (r.answer.is_error())
        return r;
      i += 2;
    } else if (iequals(cmd[i], "setname") && more) {
      new_name = cmd[++i];
      set_name = true;
      if (!valid_client_attr(new_name))
        return answer(reply::error(
          "ERR Client names cannot contain spaces, newlines or special characters."));
    } else {
      return answer(reply::error("ERR Syntax error in HELLO option '" + cmd[i] + "'"));
    }
  }
  if (!client.authenticated)
    return answer(reply::error(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
      "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
      "select the RESP protocol version at the same time"));
  if (set_name)
    client.name = new_name;
  return answer(reply::array({reply::bulk("server"), reply::bulk("redis"),
                              reply::bulk("version"), reply::bulk("7.0.0"), reply::bulk("proto"),
                              reply::integer(2), reply::bulk("id"),
                              reply::integer(static_cast<int64_t>(client.id)),
                              reply::bulk("mode"), reply::bulk("standalone"),
                              reply::bulk("role"), reply::bulk("master"),
                              reply::bulk("modules"), reply::array({})}));
}

local_result command_cmd(const command& cmd) {
  auto& table = command_table();
  if (cmd.size() == 1) {
    std::vector<reply> all;
    for (auto& e : table)
      all.push_back(command_info(e));
    return answer(reply::array(std::move(all)));
  }
  const auto& sub = cmd[1];
  if (iequals(sub, "count")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("command|count"));
    return answer(reply::integer(static_cast<int64_t>(table.size())));
  }
  if (iequals(sub, "docs")) {
    std::vector<reply> out;
    if (cmd.size() == 2) {
      for (auto& e : table)
        command_docs(e, out);
    } else {
      for (size_t i = 2; i < cmd.size(); ++i)
        if (auto e = find_command(cmd[i]))
          command_docs(*e, out);
    }
    return answer(reply::array(std::move(out)));
  }
  if (iequals(sub, "info")) {
    std::vector<reply> out;
    for (size_t i = 2; i < cmd.size(); ++i) {
      auto e = find_command(cmd[i]);
      out.push_back(e ? command_info(*e) : reply::null_array());
    }
    return answer(reply::array(std::move(out)));
  }
  if (iequals(sub, "help")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("command|help"));
    return answer(help_lines({
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "INFO [<command-name> ...]",
      "    Return details about multiple commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "HELP",
      "    Print this help.",
    }));
  }
  return answer(reply::error("ERR unknown subcommand '" + sub + "'. Try COMMAND HELP."));
}

local_result config_cmd(const command& cmd, const server_view& srv) {
  if (cmd.size() < 2)
    return answer(wrong_arity(cmd[0]));
  if (iequals(cmd[1], "help")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("config|help"));
    return answer(help_lines({
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "    The parameters are those that redis-benchmark and redis-cli ask for;",
      "    keel's own settings live in its YAML configuration.",
      "HELP",
      "    Print this help.",
    }));
  }
  if (!iequals(cmd[1], "get"))
    return answer(
      reply::error("ERR unknown subcommand '" + cmd[1] + "'. Try CONFIG HELP."));
  if (cmd.size() < 3)
    return answer(wrong_arity("config|get"));
  auto st = srv.store.stats();
  const auto& o = srv.opts;
  const std::pair<const char*, std::string> params[] = {
    {"save", ""}, // no RDB snapshots: durability is the WAL's (appendonly)
    {"appendonly", st.durable ? "yes" : "no"},
    {"appendfsync", st.durable ? "always" : "no"},
    {"bind", o.bind},
    {"port", std::to_string(srv.port)},
    {"databases", "1"},
    {"maxclients", std::to_string(o.max_clients)},
    {"timeout", std::to_string(o.idle_timeout.count() / 1000)},
    {"proto-max-bulk-len", std::to_string(o.max_bulk_bytes)},
    {"maxmemory", std::to_string(st.maxmemory)},
    {"maxmemory-policy", st.maxmemory_policy},
  };
  std::vector<reply> out;
  for (auto& [name, value] : params) {
    for (size_t i = 2; i < cmd.size(); ++i) {
      if (glob_match(lower_name(cmd[i]).c_str(), name)) {
        out.push_back(reply::bulk(name));
        out.push_back(reply::bulk(value));
        break;
      }
    }
  }
  return answer(reply::array(std::move(out)));
}

// MEMORY's subcommands but USAGE with a key, which goes to the key's shard.
local_result memory_cmd(const command& cmd) {
  if (cmd.size() == 1)
    return answer(wrong_arity("memory"));
  auto sub = lower_name(cmd[1]);
  if (sub == "usage") {
    if (cmd.size() < 3)
      return answer(wrong_arity("memory|usage"));
    return {disposition::to_backend, reply::null()};
  }
  if (sub == "help") {
    if (cmd.size() != 2)
      return answer(wrong_arity("memory|help"));
    return answer(help_lines({
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value, as maxmemory counts them",
      "    (the key, the value and a fixed overhead per key).",
      "PURGE",
      "    Nothing to purge: answers OK.",
      "HELP",
      "    Print this help.",
    }));
  }
  if (sub == "purge")
    return answer(cmd.size() == 2 ? reply::ok() : wrong_arity("memory|purge"));
  if (sub == "doctor" || sub == "stats" || sub == "malloc-stats")
    return answer(reply::error("ERR MEMORY " + cmd[1]
                               + " is not supported; INFO memory and /metrics "
                                 "(keel_kv_used_memory_bytes per shard) show the memory"));
  return answer(
    reply::error("ERR unknown subcommand '" + cmd[1] + "'. Try MEMORY HELP."));
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7 parses it. Every form stops the node
// the same way: its shards checkpoint on a clean stop, and nothing acknowledged is lost without
// one, so NOSAVE and SAVE differ only in how long the next start replays. Nothing waits for
// replicas, so NOW and FORCE change nothing, and the stop begins at once: ABORT finds none.
local_result shutdown(const command& cmd, const client_state& client, const server_view& srv) {
  bool nosave = false;
  bool save = false;
  bool abort = false;
  bool other = false;
  for (size_t i = 1; i < cmd.size(); ++i) {
    if (iequals(cmd[i], "nosave"))
      nosave = true;
    else if (iequals(cmd[i], "save"))
      save = true;
    else if (iequals(cmd[i], "now") || iequals(cmd[i], "force"))
      other = true;
    else if (iequals(cmd[i], "abort"))
      abort = true;
    else
      return answer(syntax_error());
  }
  if ((nosave && save) || (abort && (nosave || save || other)))
    return answer(syntax_error());
  if (abort)
    return answer(reply::error("ERR No shutdown in progress."));
  if (!srv.opts.on_shutdown)
    return answer(reply::error(
      "ERR SHUTDOWN is not available in this server; stop the process that runs it"));
  auto who = "client id=" + std::to_string(client.id);
  if (!client.name.empty())
    who += " name=" + client.name;
  srv.opts.on_shutdown(who);
  return {disposition::close_silently, reply::null()};
}

} // namespace

std::optional<client_info> client_registry::find(uint64_t id) const {
  for (auto& c : clients())
    if (c.id == id)
      return c;
  return std::nullopt;
}

reply help_lines(std::initializer_list<const char*> lines) {
  std::vector<reply> out;
  for (auto* line : lines)
    out.push_back(reply::simple(line));
  return reply::array(std::move(out));
}

bool is_local(const command& cmd) {
  using namespace std::string_view_literals;
  if (iequals(cmd[0], "memory")) // USAGE reads a key in its shard; the rest is answered here
    return !(cmd.size() >= 3 && iequals(cmd[1], "usage"));
  static constexpr std::string_view names[] = {"ping"sv,  "echo"sv,   "quit"sv,    "select"sv,
                                               "auth"sv,  "hello"sv,  "client"sv,  "command"sv,
                                               "config"sv, "info"sv, "unwatch"sv,
                                               "time"sv, "shutdown"sv, "role"sv,
                                               "publish"sv, "pubsub"sv};
  for (auto name : names)
    if (iequals(cmd[0], name))
      return true;
  return false;
}

local_result handle_local(const command& cmd, client_state& client, const server_view& srv) {
  const auto& name = cmd[0];
  if (iequals(name, "auth"))
    return auth(cmd, client, srv);
  if (iequals(name, "hello"))
    return hello(cmd, client, srv);
  if (iequals(name, "quit"))
    return {disposition::answered_close, reply::ok()};
  if (!client.authenticated)
    return answer(noauth());
  if (iequals(name, "ping")) {
    if (cmd.size() > 2)
      return answer(wrong_arity(name));
    return answer(cmd.size() == 2 ? reply::bulk(cmd[1]) : reply::simple("PONG"));
  }
  if (iequals(name, "publish") || iequals(name, "pubsub"))
    return answer(srv.hub ? pubsub_command(cmd, *srv.hub) : unknown_command(cmd));
  if (iequals(name, "echo")) {
    if (cmd.size() != 2)
      return answer(wrong_arity(name));
    return answer(reply::bulk(cmd[1]));
  }
  if (iequals(name, "select")) {
    if (cmd.size() != 2)
      return answer(wrong_arity(name));
    if (cmd[1] == "0")
      return answer(reply::ok());
    bool numeric = !cmd[1].empty()
                   && std::all_of(cmd[1].begin() + (cmd[1][0] == '-' ? 1 : 0), cmd[1].end(),
                                  [](char c) { return c >= '0' && c <= '9'; })
                   && cmd[1].size() < 20 && cmd[1] != "-";
    return answer(numeric ? reply::error("ERR DB index is out of range") : not_an_integer());
  }
  if (iequals(name, "unwatch"))
    return answer(cmd.size() == 1 ? reply::ok() : wrong_arity(name));
  if (iequals(name, "shutdown"))
    return shutdown(cmd, client, srv);
  if (iequals(name, "memory"))
    return memory_cmd(cmd);
  if (iequals(name, "role")) // a master without replicas
    return answer(cmd.size() == 1 ? reply::array({reply::bulk("master"), reply::integer(0),
                                                  reply::array({})})
                                  : wrong_arity(name));
  if (iequals(name, "time")) {
    if (cmd.size() != 1)
      return answer(wrong_arity(name));
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
    return answer(reply::array({reply::bulk(std::to_string(us / 1000000)),
                                reply::bulk(std::to_string(us % 1000000))}));
  }
  if (iequals(name, "client"))
    return client_command(cmd, client, srv);
  if (iequals(name, "command"))
    return command_cmd(cmd);
  if (iequals(name, "config"))
    return config_cmd(cmd, srv);
  if (iequals(name, "info")) {
    if (cmd.size() > 2)
      return answer(syntax_error());
    return answer(reply::bulk(info_text(cmd.size() == 2 ? cmd[1] : std::string{}, srv)));
  }
  return {disposition::to_backend, reply::null()};
}

} // namespace keel::gateway::detail
