// keel::actors::kv_command: a KV command as it arrives, and the table that classifies it.
//
// A command is its name and arguments as byte strings (binary safe), exactly as RESP delivers
// them; the name is case-insensitive. The table gives, per command, Redis' arity, whether it
// writes, whether it may grow memory (refused with OOM over maxmemory), whether it reads or
// writes the whole key space (KEYS, SCAN, DBSIZE, FLUSHALL), and where its keys are (Redis'
// first/last/step key spec). The router uses kv_keys to hash keys to shards; kv_split splits
// the multi-key commands. Thread-safety: the table is immutable; functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::actors {

/// A command: argv[0] is the name, the rest its arguments.
using kv_command = std::vector<std::string>;

/// The commands the KV state machine knows.
enum class kv_command_id : uint8_t {
  get, set, del, exists, mget, mset, incr, incrby, decr, decrby, append, strlen, expire,
  pexpire, expireat, pexpireat, ttl, pttl, persist, dbsize, flushall, keys, scan, setnx, setex,
  psetex, getset, getdel, unlink, type, getex, getrange, substr, setrange, incrbyfloat, touch,
  expiretime, pexpiretime, flushdb, exec, watch, watched, rename, renamenx, msetnx, copy,
  randomkey, memory,
};

/// One row of the command table.
struct kv_command_spec {
  std::string_view name; ///< lower case, as in error messages
  kv_command_id id;
  int arity;      ///< n: exactly n words (name included); -n: at least n
  bool writes;    ///< may change state (and then produces a log record)
  bool denyoom;   ///< refused over maxmemory when nothing can be evicted
  bool keyspace;  ///< reads or writes every key
  int first_key;  ///< argv index of the first key; 0: no key
  int last_key;   ///< argv index of the last key; -1: the last word
  int key_step;   ///< distance between keys (2 for MSET)
};

/// The row of `name` (any case), or nullptr for an unknown command.
[[nodiscard]] const kv_command_spec* kv_find_command(std::string_view name) noexcept;

/// True when `argc` words (name included) satisfy the arity of `spec`.
[[nodiscard]] bool kv_arity_ok(const kv_command_spec& spec, std::size_t argc) noexcept;

/// What a command touches, for routing and for read barriers.
struct kv_access {
  const kv_command_spec* spec = nullptr; ///< nullptr: unknown command
  bool arity_ok = false;
  bool writes = false;
  bool keyspace = false;
  std::vector<std::string_view> keys; ///< views into the command, in argv order, duplicates kept
};

/// Classifies `cmd`. Keys are listed only for a known command of correct arity (MSET: only for
/// an even number of arguments). The views live as long as `cmd`.
[[nodiscard]] kv_access kv_classify(const kv_command& cmd);

/// Deleted: the keys would point into a temporary.
kv_access kv_classify(kv_command&& cmd) = delete;

/// A transaction (MULTI ... EXEC) as one command: EXEC followed, per command, by its word
/// count and its words (`EXEC 3 SET a 1 2 INCR a`). A state machine runs its commands one after
/// another with nothing in between and logs their effects as one record (all or nothing after a
/// crash); the reply is an array with one reply per command. Its keys must live in one shard.
/// Optimistic locking: `WATCH k...` answers each key's version (an opaque string that changes
/// with every write of the key and every restart of its shard); a transaction whose first
/// command is `WATCHED k version ...` runs only when every such key still has that version, and
/// answers null (EXEC's nil) otherwise.
[[nodiscard]] kv_command kv_transaction(const std::vector<kv_command>& cmds);

/// The commands of a transaction command; nullopt when `exec` is not one (bad counts, empty
/// commands, words left over).
[[nodiscard]] std::optional<std::vector<kv_command>> kv_transaction_commands(const kv_command& exec);

/// The Redis error text for a wrong number of arguments: "ERR wrong number of arguments for
/// 'get' command".
[[nodiscard]] std::string kv_arity_error(std::string_view name);

/// The Redis error text for an unknown command, quoting its first arguments.
[[nodiscard]] std::string kv_unknown_command_error(const kv_command& cmd);

} // namespace keel::actors
