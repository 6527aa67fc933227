// keel::actors::kv_state_machine: the Redis-compatible key-value store keel-node serves.
//
// A state_machine<kv_command, kv_reply> with Redis 7 semantics for strings: GET SET (EX PX EXAT
// PXAT NX XX KEEPTTL GET) SETNX SETEX PSETEX GETSET GETDEL GETEX GETRANGE SUBSTR SETRANGE DEL
// UNLINK EXISTS TOUCH TYPE MGET MSET INCR INCRBY DECR DECRBY INCRBYFLOAT APPEND STRLEN EXPIRE
// PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME PEXPIRETIME PERSIST DBSIZE
// FLUSHALL FLUSHDB KEYS SCAN, and transactions (kv_transaction: EXEC n words... as one
// command, one record). Replies and error texts are Redis' own.
//
// Expiry. A key is expired when now > its absolute expire time. Reads treat an expired key as
// missing without deleting it (a read never produces a record); they queue it for deletion by
// the next expire cycle. Writes that meet an expired key delete it (logged). expire_cycle
// (called by tick) samples keys with a TTL as Redis' activeExpireCycle: 20 at a time, again
// while more than 25% were expired, within a budget; deletions are logged as del effects.
//
// Eviction. Over options().maxmemory, every write first evicts (allkeys_lru: sample
// maxmemory_samples keys, delete the least recently used, repeat) and logs the deletions; with
// noeviction, or when nothing is left to evict, a write that may grow memory gets
// "OOM command not allowed when used memory > 'maxmemory'.".
//
// Read barrier. Each key remembers the LSN of its last write; a reply depends on the keys it
// shows, on the last deletion for a missing key, and on the last write of all for KEYS, SCAN
// and DBSIZE (see state_machine.hpp).
//
// Records (kv_record.hpp) and snapshots (kv_snapshot.hpp) are compact, versioned binary.
// Thread-safety: none; one caller at a time.
#pragma once

#include "actors/kv_command.hpp"
#include "actors/kv_keyspace.hpp"
#include "actors/kv_options.hpp"
#include "actors/kv_record.hpp"
#include "actors/kv_reply.hpp"
#include "actors/kv_stats.hpp"
#include "actors/state_machine.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::actors {

class kv_state_machine final : public state_machine<kv_command, kv_reply> {
public:
  /// What one expire cycle did.
  struct expire_cycle_result {
    std::size_t sampled = 0; ///< keys looked at (queued by reads and sampled)
    std::size_t expired = 0; ///< keys deleted
    std::string record;      ///< their del effects; empty when none
  };

  /// An empty store with `opts` (see kv_options for defaults).
  explicit kv_state_machine(kv_options opts = {});

  // -- state_machine ----------------------------------------------------------

  /// Runs one command; never throws for bad input (errors are replies).
  execute_result<kv_reply> execute(const kv_command& cmd, time_point now, lsn next) override;

  /// Merges while the record stays small (64 KiB, far below the smallest WAL segment), and
  /// never under maxmemory, where a write's record also holds the keys it evicts.
  [[nodiscard]] bool may_merge(const kv_command& cmd, std::size_t merged_bytes) const override;

  /// A record's effects after another's (one version byte per record).
  void merge_record(std::string& into, std::string_view more) override;

  /// Runs expire_cycle(now, options().expire_cycle_budget, next) and returns its record.
  std::string tick(time_point now, lsn next) override;

  state_machine_error replay(std::string_view record, lsn at) override;

  [[nodiscard]] std::string snapshot() const override;

  state_machine_error restore(std::string_view image) override;

  // -- KV specifics -----------------------------------------------------------

  /// Deletes expired keys: first those reads queued, then samples of keys with a TTL, 20 at a
  /// time, again while more than 25% of a sample had expired, looking at most at `budget`
  /// keys. The record (to append under `next`) logs the deletions.
  expire_cycle_result expire_cycle(time_point now, std::size_t budget, lsn next);

  /// Number of keys, expired ones not yet deleted included (as DBSIZE).
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

  /// Accounted memory (see kv_options::maxmemory).
  [[nodiscard]] uint64_t used_memory() const noexcept { return keys_.used_memory(); }

  [[nodiscard]] const kv_options& options() const noexcept { return opts_; }

  /// Keys deleted by eviction since construction.
  [[nodiscard]] uint64_t evicted_keys() const noexcept { return evicted_; }

  /// Keys deleted because they expired (cycle and writes) since construction.
  [[nodiscard]] uint64_t expired_keys() const noexcept { return expired_; }

private:
  using node = detail::kv_keyspace::node;

  // -- per-call context (kv_state_machine.cpp) --------------------------------

  void begin(time_point now, lsn next, std::string* record);
  [[nodiscard]] bool is_expired(const detail::kv_entry& e) const noexcept;
  void depend(lsn x) noexcept;
  void queue_expired(const std::string& key);
  node* lookup_read(const std::string& key);
  node* lookup_write(const std::string& key);
  bool make_room();

  // -- effects: applied here, logged when recording ---------------------------

  node& put(std::string_view key, std::string value, int64_t expire_at);
  void del(node& n);
  void set_expire(node& n, int64_t expire_at);
  void append(std::string_view key, std::string_view suffix);
  void flush();
  void stamp(node& n);
  /// Writes the numbers to options().stats (kv_stats.hpp), if set.
  void publish();

  // -- commands (kv_state_machine_commands.cpp) --------------------------------

  kv_reply run(const kv_command& cmd, bool outermost);
  std::string version_of(const std::string& key);
  kv_reply dispatch(const kv_command_spec& spec, const kv_command& cmd);
  kv_reply cmd_get(const kv_command& cmd);
  kv_reply cmd_set(const kv_command& cmd);
  kv_reply cmd_setnx(const kv_command& cmd);
  kv_reply cmd_setex(const kv_command& cmd, bool millis);
  kv_reply cmd_getset(const kv_command& cmd);
  kv_reply cmd_getdel(const kv_command& cmd);
  kv_reply cmd_type(const kv_command& cmd);
  kv_reply cmd_getex(const kv_command& cmd);
  kv_reply cmd_getrange(const kv_command& cmd);
  kv_reply cmd_setrange(const kv_command& cmd);
  kv_reply cmd_incrbyfloat(const kv_command& cmd);
  kv_reply cmd_del(const kv_command& cmd);
  kv_reply cmd_exists(const kv_command& cmd);
  kv_reply cmd_mget(const kv_command& cmd);
  kv_reply cmd_mset(const kv_command& cmd);
  kv_reply cmd_msetnx(const kv_command& cmd);
  kv_reply cmd_rename(const kv_command& cmd, bool nx);
  kv_reply cmd_copy(const kv_command& cmd);
  kv_reply cmd_incrby(const kv_command& cmd, int64_t by);
  kv_reply cmd_append(const kv_command& cmd);
  kv_reply cmd_strlen(const kv_command& cmd);
  kv_reply cmd_expire(const kv_command& cmd, const kv_command_spec& spec);
  kv_reply cmd_ttl(const kv_command& cmd, bool ms, bool absolute);
  kv_reply cmd_persist(const kv_command& cmd);
  kv_reply cmd_flushall(const kv_command& cmd);
  kv_reply cmd_keys(const kv_command& cmd);
  kv_reply cmd_randomkey();
  kv_reply cmd_memory_usage(const kv_command& cmd);
  kv_reply cmd_scan(const kv_command& cmd);

  kv_options opts_;
  detail::kv_keyspace keys_;
  detail::kv_rng rng_;
  uint64_t lru_clock_ = 0;
  uint64_t epoch_ = 0; ///< random per machine: WATCH versions from before a restart never match
  /// RANDOMKEY's picks: apart from rng_, so that reads do not change which keys eviction and
  /// active expiry sample (equal seeds, equal choices, whatever the reads in between).
  detail::kv_rng pick_rng_;
  std::array<lsn, 1024> deleted_at_{}; ///< per key hash bucket: the LSN of its last deletion
  lsn flushed_at_ = 0;                 ///< the LSN of the last FLUSHALL
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
  kv_shard_stats* cell_ = nullptr; ///< in opts_.stats, which keeps it alive
  uint64_t published_evicted_ = 0;
  uint64_t published_expired_ = 0;
  uint64_t writes_ = 0; ///< commands executed here that produced a record
  uint64_t published_writes_ = 0;
  lsn last_write_ = 0;  // of the newest record applied
  lsn last_delete_ = 0; // of the newest record that deleted a key
  std::vector<std::string> expired_seen_; // queued by reads for the next expire cycle
  std::vector<detail::kv_effect> effects_; // replay's scratch buffer

  // The call in progress.
  int64_t now_ = 0;
  lsn next_ = 0;
  lsn depends_ = 0;
  std::string* record_ = nullptr; // nullptr while replaying
};

} // namespace keel::actors
