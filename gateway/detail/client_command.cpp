#include "gateway/detail/client_command.hpp"

#include "gateway/standard_replies.hpp"

#include <algorithm>
#include <optional>

namespace keel::gateway::detail {

namespace {

local_result answer(reply r) {
  return {disposition::answered, std::move(r)};
}

// The caller's own entry: the registry's when there is one (live buffer sizes), else what its
// state holds. `cmd` is the subcommand that asks.
client_info self_info(const client_state& client, const server_view& srv, const char* cmd) {
  client_info me;
  auto found = srv.clients ? srv.clients->find(client.id) : std::nullopt;
  if (found) {
    me = std::move(*found);
  } else {
    me.id = client.id;
    me.name = client.name;
    me.lib_name = client.lib_name;
    me.lib_ver = client.lib_ver;
  }
  me.cmd = cmd;
  return me;
}

std::vector<client_info> all_clients(const client_state& client, const server_view& srv,
                                     const char* cmd) {
  std::vector<client_info> out;
  if (srv.clients)
    out = srv.clients->clients();
  auto me =
      std::find_if(out.begin(), out.end(), [&](const client_info& c) { return c.id == client.id; });
  if (me == out.end())
    out.push_back(self_info(client, srv, cmd));
  else
    me->cmd = cmd;
  std::sort(out.begin(), out.end(),
            [](const client_info& a, const client_info& b) { return a.id < b.id; });
  return out;
}

// A client TYPE filter: normal selects the connections that subscribe to nothing, pubsub those
// that do, master/replica/slave none (there are no replicas).
enum class type_filter : uint8_t { normal, pubsub, none };

std::optional<type_filter> parse_type(const std::string& type) {
  if (iequals(type, "normal"))
    return type_filter::normal;
  if (iequals(type, "pubsub"))
    return type_filter::pubsub;
  if (iequals(type, "master") || iequals(type, "replica") || iequals(type, "slave"))
    return type_filter::none;
  return std::nullopt;
}

bool selects(type_filter f, const client_info& c) {
  bool subscribed = c.sub + c.psub > 0;
  return f == type_filter::normal ? !subscribed : f == type_filter::pubsub && subscribed;
}

reply unknown_type(const std::string& type) {
  return reply::error("ERR Unknown client type '" + type + "'");
}

local_result setinfo(const command& cmd, client_state& client) {
  if (cmd.size() != 4)
    return answer(wrong_arity("client|setinfo"));
  const auto& attr = cmd[2];
  std::string* dest = iequals(attr, "lib-name")  ? &client.lib_name
                      : iequals(attr, "lib-ver") ? &client.lib_ver
                                                 : nullptr;
  if (dest == nullptr)
    return answer(reply::error("ERR Unrecognized option '" + attr + "'"));
  if (!valid_client_attr(cmd[3]))
    return answer(
        reply::error("ERR " + attr + " cannot contain spaces, newlines or special characters."));
  *dest = cmd[3];
  return answer(reply::ok());
}

local_result list(const command& cmd, const client_state& client, const server_view& srv) {
  std::optional<type_filter> type;
  std::vector<int64_t> ids; // any integer, as Redis: those below 1 match no connection
  if (cmd.size() == 4 && iequals(cmd[2], "type")) {
    type = parse_type(cmd[3]);
    if (!type)
      return answer(unknown_type(cmd[3]));
  } else if (cmd.size() > 3 && iequals(cmd[2], "id")) {
    for (size_t i = 3; i < cmd.size(); ++i) {
      auto id = parse_int64(cmd[i]);
      if (!id)
        return answer(reply::error("ERR Invalid client ID"));
      ids.push_back(*id);
    }
  } else if (cmd.size() != 2) {
    return answer(syntax_error());
  }
  std::string text;
  for (auto& c : all_clients(client, srv, "client|list")) {
    if (type && !selects(*type, c))
      continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), static_cast<int64_t>(c.id)) == ids.end())
      continue;
    text += client_line(c);
    text += '\n';
  }
  return answer(reply::bulk(std::move(text)));
}

// What CLIENT KILL's filter form selects.
struct kill_filter {
  std::optional<uint64_t> id;
  std::optional<std::string> addr;
  std::optional<std::string> laddr;
  std::optional<type_filter> type;
  bool skip_me = true;

  [[nodiscard]] bool matches(const client_info& c) const {
    return (!type || selects(*type, c)) && (!id || c.id == *id) && (!addr || c.addr == *addr)
           && (!laddr || c.laddr == *laddr);
  }
};

local_result kill(const command& cmd, const client_state& client, const server_view& srv) {
  if (cmd.size() < 3)
    return answer(wrong_arity("client|kill"));
  bool old_form = cmd.size() == 3;
  kill_filter f;
  if (old_form) {
    f.addr = cmd[2];
    f.skip_me = false;
  } else {
    if (cmd.size() % 2 != 0)
      return answer(syntax_error());
    for (size_t i = 2; i < cmd.size(); i += 2) {
      const auto& key = cmd[i];
      const auto& value = cmd[i + 1];
      if (iequals(key, "id")) {
        auto id = parse_int64(value);
        if (!id || *id < 1)
          return answer(reply::error("ERR client-id should be greater than 0"));
        f.id = static_cast<uint64_t>(*id);
      } else if (iequals(key, "addr")) {
        f.addr = value;
      } else if (iequals(key, "laddr")) {
        f.laddr = value;
      } else if (iequals(key, "type")) {
        f.type = parse_type(value); // the last TYPE counts, as in Redis
        if (!f.type)
          return answer(unknown_type(value));
      } else if (iequals(key, "user")) {
        if (value != "default") // the only user: AUTH takes the one password
          return answer(reply::error("ERR No such user '" + value + "'"));
      } else if (iequals(key, "skipme")) {
        if (iequals(value, "yes"))
          f.skip_me = true;
        else if (iequals(value, "no"))
          f.skip_me = false;
        else
          return answer(syntax_error());
      } else {
        return answer(syntax_error());
      }
    }
  }
  int64_t killed = 0;
  bool me = false;
  for (auto& c : all_clients(client, srv, "client|kill")) {
    if (!f.matches(c))
      continue;
    if (c.id == client.id) {
      if (f.skip_me)
        continue;
      me = true;
      ++killed;
    } else if (srv.clients && srv.clients->kill(c.id)) {
      ++killed;
    }
  }
  reply r = old_form ? (killed > 0 ? reply::ok() : reply::error("ERR No such client"))
                     : reply::integer(killed);
  return {me ? disposition::answered_close : disposition::answered, std::move(r)};
}

local_result help() {
  return answer(help_lines({
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR <ip:port>",
      "      Kill connections made from the specified address",
      "    * LADDR <ip:port>",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "    * ID <client-id> [<client-id> ...]",
      "      Return clients of specified IDs only.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "HELP",
      "    Print this help.",
  }));
}

} // namespace

bool valid_client_attr(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= '!' && c <= '~'; });
}

std::string client_line(const client_info& c) {
  std::string s;
  s.reserve(256);
  auto field = [&s](const char* key, const std::string& value) {
    if (!s.empty())
      s += ' ';
    s += key;
    s += '=';
    s += value;
  };
  field("id", std::to_string(c.id));
  field("addr", c.addr);
  field("laddr", c.laddr);
  field("fd", std::to_string(c.fd));
  field("name", c.name);
  field("age", std::to_string(c.age_s));
  field("idle", std::to_string(c.idle_s));
  field("flags", c.multi >= 0 ? "x" : c.sub + c.psub > 0 ? "P" : "N");
  field("db", "0");
  field("sub", std::to_string(c.sub));
  field("psub", std::to_string(c.psub));
  field("ssub", "0");
  field("multi", std::to_string(c.multi));
  field("qbuf", std::to_string(c.qbuf));
  field("omem", std::to_string(c.omem));
  field("cmd", c.cmd.empty() ? std::string{"NULL"} : c.cmd);
  field("user", "default");
  field("redir", "-1");
  field("resp", "2");
  field("lib-name", c.lib_name);
  field("lib-ver", c.lib_ver);
  return s;
}

local_result client_command(const command& cmd, client_state& client, const server_view& srv) {
  if (cmd.size() < 2)
    return answer(wrong_arity(cmd[0]));
  const auto& sub = cmd[1];
  if (iequals(sub, "setname")) {
    if (cmd.size() != 3)
      return answer(wrong_arity("client|setname"));
    if (!valid_client_attr(cmd[2]))
      return answer(
          reply::error("ERR Client names cannot contain spaces, newlines or special characters."));
    client.name = cmd[2];
    return answer(reply::ok());
  }
  if (iequals(sub, "getname")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("client|getname"));
    return answer(client.name.empty() ? reply::null() : reply::bulk(client.name));
  }
  if (iequals(sub, "id")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("client|id"));
    return answer(reply::integer(static_cast<int64_t>(client.id)));
  }
  if (iequals(sub, "setinfo"))
    return setinfo(cmd, client);
  if (iequals(sub, "info")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("client|info"));
    return answer(reply::bulk(client_line(self_info(client, srv, "client|info")) + '\n'));
  }
  if (iequals(sub, "list"))
    return list(cmd, client, srv);
  if (iequals(sub, "kill"))
    return kill(cmd, client, srv);
  if (iequals(sub, "help")) {
    if (cmd.size() != 2)
      return answer(wrong_arity("client|help"));
    return help();
  }
  return answer(reply::error("ERR unknown subcommand '" + sub + "'. Try CLIENT HELP."));
}

} // namespace keel::gateway::detail
