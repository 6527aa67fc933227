#include "gateway/detail/pubsub.hpp"

#include "actors/kv_glob.hpp"
#include "gateway/command.hpp"
#include "gateway/detail/command_table.hpp"
#include "gateway/detail/local_commands.hpp"
#include "gateway/resp_writer.hpp"
#include "gateway/standard_replies.hpp"

namespace keel::gateway::detail {

bool pubsub_hub::subscribe(kind k, const std::string& name, pubsub_subscriber* who) {
  return of(k)[name].insert(who).second;
}

bool pubsub_hub::unsubscribe(kind k, const std::string& name, pubsub_subscriber* who) {
  auto& t = of(k);
  auto it = t.find(name);
  if (it == t.end() || it->second.erase(who) == 0)
    return false;
  if (it->second.empty())
    t.erase(it);
  return true;
}

int64_t pubsub_hub::publish(const std::string& channel, const std::string& message) {
  int64_t reached = 0;
  // Copies, so that nothing deliver() leads to can change a set while it is walked.
  if (auto it = channels_.find(channel); it != channels_.end()) {
    std::string frame;
    write_reply(frame, reply::array({reply::bulk("message"), reply::bulk(channel),
                                     reply::bulk(message)}));
    auto subscribers = std::vector<pubsub_subscriber*>(it->second.begin(), it->second.end());
    for (auto* s : subscribers)
      s->deliver(frame);
    reached += static_cast<int64_t>(subscribers.size());
  }
  std::vector<std::pair<std::string, std::vector<pubsub_subscriber*>>> matched;
  for (auto& [pattern, subscribers] : patterns_)
    if (actors::kv_glob_match(pattern, channel))
      matched.emplace_back(pattern, std::vector<pubsub_subscriber*>(subscribers.begin(),
                                                                     subscribers.end()));
  for (auto& [pattern, subscribers] : matched) {
    std::string frame;
    write_reply(frame, reply::array({reply::bulk("pmessage"), reply::bulk(pattern),
                                     reply::bulk(channel), reply::bulk(message)}));
    for (auto* s : subscribers)
      s->deliver(frame);
    reached += static_cast<int64_t>(subscribers.size());
  }
  return reached;
}

std::vector<std::string> pubsub_hub::channels(const std::string* pattern) const {
  std::vector<std::string> out;
  for (auto& [name, subscribers] : channels_)
    if (!pattern || actors::kv_glob_match(*pattern, name))
      out.push_back(name);
  return out;
}

int64_t pubsub_hub::numsub(const std::string& channel) const {
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t pubsub_hub::numpat() const {
  int64_t n = 0;
  for (auto& [pattern, subscribers] : patterns_)
    n += static_cast<int64_t>(subscribers.size());
  return n;
}

reply pubsub_command(const command& cmd, pubsub_hub& hub) {
  if (iequals(cmd[0], "publish")) {
    if (cmd.size() != 3)
      return wrong_arity("publish");
    return reply::integer(hub.publish(cmd[1], cmd[2]));
  }
  if (cmd.size() < 2)
    return wrong_arity("pubsub");
  const auto& sub = cmd[1];
  // SHARDCHANNELS and SHARDNUMSUB answer as for a server without shard channels (SSUBSCRIBE).
  bool shard = iequals(sub, "shardchannels") || iequals(sub, "shardnumsub");
  if (iequals(sub, "channels") || iequals(sub, "shardchannels")) {
    if (cmd.size() > 3)
      return reply::error("ERR unknown subcommand or wrong number of arguments for '"
                          + sub.substr(0, 128) + "'. Try PUBSUB HELP.");
    std::vector<reply> names;
    if (!shard)
      for (auto& n : hub.channels(cmd.size() == 3 ? &cmd[2] : nullptr))
        names.push_back(reply::bulk(n));
    return reply::array(std::move(names));
  }
  if (iequals(sub, "numsub") || iequals(sub, "shardnumsub")) {
    std::vector<reply> out;
    for (size_t i = 2; i < cmd.size(); ++i) {
      out.push_back(reply::bulk(cmd[i]));
      out.push_back(reply::integer(shard ? 0 : hub.numsub(cmd[i])));
    }
    return reply::array(std::move(out));
  }
  if (iequals(sub, "numpat") && cmd.size() == 2)
    return reply::integer(hub.numpat());
  if (iequals(sub, "help") && cmd.size() == 2)
    return help_lines({
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
    });
  if (iequals(sub, "numpat") || iequals(sub, "help"))
    return reply::error("ERR wrong number of arguments for 'pubsub|" + lower_name(sub)
                        + "' command");
  return reply::error("ERR unknown subcommand '" + sub.substr(0, 128)
                      + "'. Try PUBSUB HELP.");
}

bool allowed_when_subscribed(const command& cmd) {
  for (const char* name : {"subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping",
                           "quit"})
    if (iequals(cmd[0], name))
      return true;
  return false;
}

reply not_allowed_when_subscribed(const command& cmd) {
  // Redis looks the command up and checks its arity first.
  auto* e = find_command(cmd[0]);
  if (e == nullptr)
    return unknown_command(cmd);
  if (!arity_ok(*e, cmd.size()))
    return wrong_arity(e->name);
  auto name = lower_name(cmd[0]);
  if (cmd.size() >= 2 && (name == "pubsub" || name == "client" || name == "config"
                          || name == "command" || name == "memory"))
    name += "|" + lower_name(cmd[1]); // Redis names a container command with its subcommand
  return reply::error("ERR Can't execute '" + name
                      + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                        "allowed in this context");
}

reply subscription_reply(const char* what, const std::string* name, int64_t count) {
  return reply::array({reply::bulk(what), name ? reply::bulk(*name) : reply::null(),
                       reply::integer(count)});
}

} // namespace keel::gateway::detail
