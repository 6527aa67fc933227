// keel::actors::kv_split: how the router splits a KV command over shards and joins the replies.
//
// Keys hash to shards; a command whose keys live on several shards is split into one command
// per shard, and the shards' replies are joined into the one reply Redis would give:
//
//   MGET k1 k2 k3   -> MGET per shard; the arrays are merged back into argument order
//   WATCH k1 k2     -> the same (one version per key)
//   DEL / EXISTS    -> per shard; the counts are summed
//   MSET k v ...    -> per shard; +OK when every part said +OK (not atomic across shards)
//   DBSIZE, KEYS, FLUSHALL -> sent to every shard; summed / concatenated / +OK
//   SCAN cursor ... -> sent to one shard: the global cursor is local * shard_count + shard, so
//                      a scan walks shard 0 to the end, then shard 1, ...; the reply's cursor is
//                      re-encoded the same way (0 after the last shard)
//   RENAME, RENAMENX, MSETNX, COPY -> one part, to the shard of all their keys; keys on
//                      several shards get a CROSSSLOT error and no part, as in Redis Cluster
//   EXEC (a transaction, kv_transaction) -> one part, to the shard of all its keys; keys on
//                      several shards, or DBSIZE/KEYS/SCAN/FLUSHALL with more than one shard,
//                      get a CROSSSLOT error and no part (a transaction is never split)
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
#include <utility>
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
    refused, ///< no parts: the reply is `refusal` (a transaction or RENAME... across shards)
    random_one, ///< RANDOMKEY: one of the shards' keys (nil when every shard answered nil)
  };

  join_kind join = join_kind::single;
  kv_reply refusal = kv_reply::null();
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

/// Where the reply to one sub-command of a split batch goes: (command, kv_whole) for a command
/// sent whole to one shard, else (index of its split, part).
using kv_slot = std::pair<std::size_t, std::size_t>;
inline constexpr std::size_t kv_whole = SIZE_MAX;

/// A batch of commands split over shards, as one sub-batch per shard, and the joining of the
/// shards' replies into one reply per command. Most commands go whole to one shard (moved,
/// nothing to join); the rest are split by kv_split_by_shard and joined by kv_join_replies.
/// Thread-safety: none; distinct slots may be filled from different threads when the caller
/// orders those writes before finish() (e.g. through an atomic countdown).
class kv_batch_split {
public:
  /// Splits `cmds` (whose commands are moved from) over `shard_count` (>= 1) shards.
  kv_batch_split(std::vector<kv_command>& cmds, std::size_t shard_count,
                 const kv_shard_of& shard_of);

  /// Per shard: its sub-commands (empty when the batch needs nothing of it; the caller may
  /// move them out) and, for each, where its reply goes.
  std::vector<std::vector<kv_command>> sub;
  std::vector<std::vector<kv_slot>> where;

  /// The number of commands of the batch.
  [[nodiscard]] std::size_t size() const noexcept { return replies_.size(); }

  /// The reply slot of `w` (from `where`).
  kv_reply& slot(kv_slot w);

  /// One reply per command of the batch, in order, splits joined. Call once, when every slot
  /// of every shard's sub-batch is filled.
  [[nodiscard]] std::vector<kv_reply> finish();

private:
  struct joining {
    std::size_t command = 0;
    kv_split split;
    std::vector<kv_reply> parts; // per part of `split`
  };
  std::vector<kv_reply> replies_;
  std::vector<joining> splits_;
};

} // namespace keel::actors
