#include "gateway/detail/command_table.hpp"

#include "gateway/command.hpp"

#include <cstdlib>
#include <sstream>

namespace keel::gateway::detail {

const std::vector<command_entry>& command_table() {
  static const std::vector<command_entry> table{
    {"ping", -1, "fast", 0, 0, 0, "Returns the server's liveliness response.", "connection"},
    {"echo", 2, "fast", 0, 0, 0, "Returns the given string.", "connection"},
    {"quit", -1, "fast", 0, 0, 0, "Closes the connection.", "connection"},
    {"select", 2, "loading stale fast", 0, 0, 0, "Changes the selected database (only 0).",
     "connection"},
    {"auth", -2, "noscript loading stale fast no_auth", 0, 0, 0, "Authenticates the connection.",
     "connection"},
    {"hello", -1, "noscript loading stale fast no_auth", 0, 0, 0,
     "Handshakes with the server (RESP2 only).", "connection"},
    {"client", -2, "", 0, 0, 0,
     "Connection commands: ID, SETNAME, GETNAME, SETINFO, INFO, LIST, KILL.", "connection"},
    {"command", -1, "loading stale", 0, 0, 0, "Returns detailed information about commands.",
     "server"},
    {"config", -2, "", 0, 0, 0, "CONFIG GET of a few parameters, and HELP.", "server"},
    {"info", -1, "loading stale", 0, 0, 0, "Returns information and statistics.", "server"},
    {"multi", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "Starts a transaction.",
     "transactions"},
    {"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0,
     "Executes all commands in a transaction (in one shard).", "transactions"},
    {"discard", 1, "noscript loading stale fast allow_busy", 0, 0, 0,
     "Discards a transaction.", "transactions"},
    {"watch", -2, "noscript loading stale fast allow_busy", 1, -1, 1,
     "Watches keys: EXEC runs only if none changed.", "transactions"},
    {"unwatch", 1, "noscript loading stale fast allow_busy", 0, 0, 0,
     "Forgets the watched keys.", "transactions"},
    {"get", 2, "readonly fast", 1, 1, 1, "Returns the string value of a key.", "string"},
    {"set", -3, "write denyoom", 1, 1, 1,
     "Sets the string value of a key, with expiry and conditions.", "string"},
    {"setnx", 3, "write denyoom fast", 1, 1, 1,
     "Sets the value of a key only when it does not exist.", "string"},
    {"setex", 4, "write denyoom", 1, 1, 1,
     "Sets the value and the expiry in seconds of a key.", "string"},
    {"psetex", 4, "write denyoom", 1, 1, 1,
     "Sets the value and the expiry in milliseconds of a key.", "string"},
    {"getset", 3, "write denyoom fast", 1, 1, 1,
     "Returns the old value of a key after setting a new one.", "string"},
    {"getdel", 2, "write fast", 1, 1, 1, "Returns the value of a key after deleting it.", "string"},
    {"mget", -2, "readonly fast", 1, -1, 1, "Atomically returns the values of keys.", "string"},
    {"mset", -3, "write denyoom", 1, -1, 2, "Atomically sets the values of keys.", "string"},
    {"msetnx", -3, "write denyoom", 1, -1, 2,
     "Atomically sets the values of keys only when none of them exists.", "string"},
    {"incr", 2, "write denyoom fast", 1, 1, 1,
     "Increments the integer value of a key by one.", "string"},
    {"incrby", 3, "write denyoom fast", 1, 1, 1,
     "Increments the integer value of a key by a number.", "string"},
    {"decr", 2, "write denyoom fast", 1, 1, 1,
     "Decrements the integer value of a key by one.", "string"},
    {"decrby", 3, "write denyoom fast", 1, 1, 1,
     "Decrements the integer value of a key by a number.", "string"},
    {"append", 3, "write denyoom fast", 1, 1, 1,
     "Appends a string to the value of a key.", "string"},
    {"strlen", 2, "readonly fast", 1, 1, 1, "Returns the length of the value of a key.", "string"},
    {"del", -2, "write", 1, -1, 1, "Deletes one or more keys.", "generic"},
    {"unlink", -2, "write fast", 1, -1, 1, "Deletes one or more keys.", "generic"},
    {"exists", -2, "readonly fast", 1, -1, 1, "Determines whether keys exist.", "generic"},
    {"type", 2, "readonly fast", 1, 1, 1, "Returns the type of the value of a key.", "generic"},
    {"rename", 3, "write", 1, 2, 1, "Renames a key and overwrites the destination.", "generic"},
    {"renamenx", 3, "write fast", 1, 2, 1,
     "Renames a key only when the new name does not exist.", "generic"},
    {"copy", -3, "write denyoom", 1, 2, 1, "Copies the value of a key to a new key.", "generic"},
    {"expire", -3, "write fast", 1, 1, 1, "Sets the expiry of a key in seconds.", "generic"},
    {"pexpire", -3, "write fast", 1, 1, 1, "Sets the expiry of a key in milliseconds.", "generic"},
    {"expireat", -3, "write fast", 1, 1, 1,
     "Sets the expiry of a key to a Unix time in seconds.", "generic"},
    {"pexpireat", -3, "write fast", 1, 1, 1,
     "Sets the expiry of a key to a Unix time in milliseconds.", "generic"},
    {"ttl", 2, "readonly fast", 1, 1, 1,
     "Returns the time to live of a key in seconds.", "generic"},
    {"pttl", 2, "readonly fast", 1, 1, 1,
     "Returns the time to live of a key in milliseconds.", "generic"},
    {"persist", 2, "write fast", 1, 1, 1, "Removes the expiry of a key.", "generic"},
    {"keys", 2, "readonly", 0, 0, 0, "Returns the keys that match a pattern.", "generic"},
    {"randomkey", 1, "readonly", 0, 0, 0, "Returns a random key name.", "generic"},
    {"scan", -2, "readonly", 0, 0, 0, "Iterates over the keys.", "generic"},
    {"dbsize", 1, "readonly fast", 0, 0, 0, "Returns the number of keys.", "server"},
    {"flushall", -1, "write", 0, 0, 0, "Removes all keys.", "server"},
    {"getex", -2, "write fast", 1, 1, 1,
     "Returns the value of a key after setting or removing its expiry.", "string"},
    {"getrange", 4, "readonly", 1, 1, 1, "Returns a substring of the value of a key.", "string"},
    {"substr", 4, "readonly", 1, 1, 1,
     "Returns a substring of the value of a key (GETRANGE).", "string"},
    {"setrange", 4, "write denyoom", 1, 1, 1,
     "Overwrites part of the value of a key from an offset.", "string"},
    {"incrbyfloat", 3, "write denyoom fast", 1, 1, 1,
     "Increments the value of a key by a float.", "string"},
    {"touch", -2, "readonly fast", 1, -1, 1, "Counts the keys that exist.", "generic"},
    {"expiretime", 2, "readonly fast", 1, 1, 1,
     "Returns the expiry of a key as a Unix time in seconds.", "generic"},
    {"pexpiretime", 2, "readonly fast", 1, 1, 1,
     "Returns the expiry of a key as a Unix time in milliseconds.", "generic"},
    {"flushdb", -1, "write", 0, 0, 0, "Removes all keys (there is one database).", "server"},
    {"save", 1, "admin noscript no_async_loading no_multi", 0, 0, 0,
     "Checkpoints every shard of this node now; replies when all are written.", "server"},
    {"bgsave", -1, "admin noscript no_async_loading no_multi", 0, 0, 0,
     "Starts a checkpoint of every shard of this node and replies at once.", "server"},
    {"lastsave", 1, "loading stale fast no_multi", 0, 0, 0,
     "Returns the Unix time of the last successful SAVE or BGSAVE.", "server"},
    {"time", 1, "loading stale fast", 0, 0, 0, "Returns the server time.", "server"},
    {"memory", -2, "", 0, 0, 0, // a container: USAGE's key is argv[2]
     "MEMORY USAGE key: the bytes a key takes, as maxmemory counts them; PURGE, HELP.",
     "server"},
    {"role", 1, "noscript loading stale fast", 0, 0, 0,
     "Returns the replication role: a master without replicas.", "server"},
    {"shutdown", -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0,
     "Stops the node cleanly, as SIGTERM does.", "server"},
    {"subscribe", -2, "pubsub noscript loading stale no_multi", 0, 0, 0,
     "Listens for messages published to channels (on this node).", "pubsub"},
    {"psubscribe", -2, "pubsub noscript loading stale no_multi", 0, 0, 0,
     "Listens for messages published to channels that match patterns (on this node).",
     "pubsub"},
    {"unsubscribe", -1, "pubsub noscript loading stale no_multi", 0, 0, 0,
     "Stops listening to channels.", "pubsub"},
    {"punsubscribe", -1, "pubsub noscript loading stale no_multi", 0, 0, 0,
     "Stops listening to channel patterns.", "pubsub"},
    {"publish", 3, "pubsub loading stale fast", 0, 0, 0,
     "Posts a message to a channel's subscribers on this node.", "pubsub"},
    {"pubsub", -2, "", 0, 0, 0, "PUBSUB CHANNELS, NUMSUB, NUMPAT and HELP.", "pubsub"},
  };
  return table;
}

const command_entry* find_command(const std::string& name) {
  for (auto& e : command_table())
    if (iequals(name, e.name))
      return &e;
  return nullptr;
}

bool arity_ok(const command_entry& e, size_t argc) {
  auto n = static_cast<size_t>(std::abs(e.arity));
  return e.arity < 0 ? argc >= n : argc == n;
}

reply command_info(const command_entry& e) {
  std::vector<reply> flags;
  std::istringstream in{e.flags};
  for (std::string f; in >> f;)
    flags.push_back(reply::simple(f));
  return reply::array({reply::bulk(e.name), reply::integer(e.arity), reply::array(flags),
                       reply::integer(e.first_key), reply::integer(e.last_key),
                       reply::integer(e.step), reply::array({})});
}

void command_docs(const command_entry& e, std::vector<reply>& out) {
  out.push_back(reply::bulk(e.name));
  out.push_back(reply::array({reply::bulk("summary"), reply::bulk(e.summary),
                              reply::bulk("since"), reply::bulk("1.0.0"), reply::bulk("group"),
                              reply::bulk(e.group)}));
}

} // namespace keel::gateway::detail
