// keel::actors::kv_split: how the router splits a KV command over shards and joins the replies.
//
// Keys hash to shards; a command whose keys live on several shards is split into one command
// per shard, and the shards' replies are joined into the one reply Redis would give:
//
//   MGET k1 k2 k3   -> MGET per shard; the arrays are merged back into argument order
//   DEL / EXISTS    -> per shard; the counts are summed
//   MSET k v ...    -> per shard; +OK when every part said +OK (not atomic across shards)
//   DBSIZE, KEYS, FLUSHALL -> sent to every shard; summed / concatenated / +OK
//   SCAN cursor ... -> sent to one shard: the global cursor is local * shard_count + shard, so
//                      a scan walks shard 0 to the end, then shard 1, ...; the reply's cursor is
//                      re-encoded the same way (0 after the last shard)
//   everything else -> one part, to the shard of its key (shard 0 when it has none)
//
// A command with a wrong arity, unknown name or bad SCAN cursor goes to one shard unchanged so
// that the state machine answers with Redis' error. When any part fails, the join returns the
// first error (in part order). Thread-safety: pure functions.
#pragma once

#include "actors/kv_command.hpp"
#include "actors/kv_reply.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace keel::actors {

/// Maps a key to a shard index in [0, shard_count).
using kv_shard_of = std::function<std::size_t(std::string_view key)>;

/// One shard's part of a command.
struct kv_part {
  std::size_t shard = 0;
  kv_command cmd;
  /// For MGET: for each key of `cmd`, its index among the keys of the original command.
  std::vector<std::size_t> positions;
};

/// A split command and how to join its replies.
struct kv_split {
  /// How kv_join_replies combines the parts' replies.
  enum class join_kind : uint8_t {
    single, ///< one part: its reply as is
    merge,  ///< MGET: arrays merged back by `positions`
    sum,    ///< DEL, EXISTS, DBSIZE: integers added
    all_ok, ///< MSET, FLUSHALL: +OK
    concat, ///< KEYS: arrays concatenated
    scan,   ///< SCAN: cursor re-encoded
  };

  join_kind join = join_kind::single;
  std::size_t shard_count = 1;
  std::size_t key_count = 0; ///< MGET: the number of keys of the original command
  std::vector<kv_part> parts;
};

/// The shard that takes `cmd` whole (its one part, as kv_split_by_shard would make it), or
/// nullopt when the command splits by key or goes to every shard. Allocates nothing.
[[nodiscard]] std::optional<std::size_t> kv_whole_shard(const kv_command& cmd,
                                                        std::size_t shard_count,
                                                        const kv_shard_of& shard_of);

/// Splits `cmd` for `shard_count` shards (>= 1); `shard_of` must return values below it.
[[nodiscard]] kv_split kv_split_by_shard(const kv_command& cmd, std::size_t shard_count,
                                         const kv_shard_of& shard_of);

/// Joins `replies`, one per part of `split` in the same order, into the reply to the original
/// command. @pre replies.size() == split.parts.size()
[[nodiscard]] kv_reply kv_join_replies(const kv_split& split, std::vector<kv_reply> replies);

} // namespace keel::actors
