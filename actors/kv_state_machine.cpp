// The KV state machine's core: call context, lookups with lazy expiry, eviction, effects,
// replay, the expire cycle, snapshots. The commands are in kv_state_machine_commands.cpp.
#include "actors/kv_state_machine.hpp"

#include "actors/kv_snapshot.hpp"

#include <algorithm>
#include <random>

namespace keel::actors {

namespace {

// Reads queue at most this many expired keys for the next expire cycle.
constexpr std::size_t expired_seen_limit = 1024;

// Keys sampled per round of the expire cycle (Redis' ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
constexpr std::size_t expire_keys_per_loop = 20;

} // namespace

kv_state_machine::kv_state_machine(kv_options opts)
  : opts_(opts), rng_(opts.seed), epoch_(std::random_device{}()) {
  epoch_ = (epoch_ << 32) ^ std::random_device{}();
  pick_rng_.seed(epoch_);
  if (opts_.stats && opts_.stats_slot < opts_.stats->size())
    cell_ = &opts_.stats->shard(opts_.stats_slot);
  publish();
}

void kv_state_machine::publish() {
  if (cell_ == nullptr)
    return;
  cell_->keys.store(keys_.size(), std::memory_order_relaxed);
  cell_->expires.store(keys_.volatile_size(), std::memory_order_relaxed);
  cell_->used_memory.store(keys_.used_memory(), std::memory_order_relaxed);
  // Counters add what this machine did: a restarted shard keeps counting from the node's total.
  // The shard's machine is the slot's only writer (one incarnation at a time): no locked add.
  auto add = [](std::atomic<uint64_t>& total, uint64_t& published, uint64_t now) {
    if (now != published) {
      total.store(total.load(std::memory_order_relaxed) + (now - published),
                  std::memory_order_relaxed);
      published = now;
    }
  };
  add(cell_->evicted_keys, published_evicted_, evicted_);
  add(cell_->expired_keys, published_expired_, expired_);
  add(cell_->writes, published_writes_, writes_);
}

// -- state_machine ------------------------------------------------------------

execute_result<kv_reply> kv_state_machine::execute(const kv_command& cmd, time_point now,
                                                   lsn next) {
  execute_result<kv_reply> result;
  begin(now, next, &result.record);
  result.reply = run(cmd, true);
  if (!result.record.empty()) {
    last_write_ = next;
    depends_ = next;
    ++writes_;
  }
  result.depends_on = depends_;
  record_ = nullptr;
  publish();
  return result;
}

kv_reply kv_state_machine::run(const kv_command& cmd, bool outermost) {
  const kv_command_spec* spec = cmd.empty() ? nullptr : kv_find_command(cmd[0]);
  if (spec == nullptr)
    return kv_reply::error(kv_unknown_command_error(cmd));
  if (!kv_arity_ok(*spec, cmd.size()))
    return kv_reply::error(kv_arity_error(spec->name));
  if (spec->id == kv_command_id::exec) {
    auto cmds = kv_transaction_commands(cmd);
    if (!outermost || !cmds)
      return kv_reply::error("ERR EXEC without MULTI");
    // One after another in this call: their effects go to one record, nothing runs between.
    std::vector<kv_reply> replies;
    replies.reserve(cmds->size());
    for (auto& c : *cmds) {
      auto* first = &c == &cmds->front() ? kv_find_command(c[0]) : nullptr;
      if (first != nullptr && first->id == kv_command_id::watched) {
        if (c.size() % 2 == 0)
          return kv_reply::error(kv_arity_error("watched"));
        for (std::size_t i = 1; i + 1 < c.size(); i += 2)
          if (version_of(c[i]) != c[i + 1])
            return kv_reply::null(); // a watched key changed: nothing runs
        continue;
      }
      replies.push_back(run(c, false));
    }
    return kv_reply::array(std::move(replies));
  }
  if (spec->writes && !make_room() && spec->denyoom)
    return kv_reply::error("OOM command not allowed when used memory > 'maxmemory'.");
  return dispatch(*spec, cmd);
}

std::string kv_state_machine::version_of(const std::string& key) {
  // The epoch (new with every machine, so with every restart) makes a version from before a
  // restart never match. A missing key's version is the last deletion of a key that hashes
  // as it does (it may have been created and deleted meanwhile): one in deleted_at_'s size of
  // other keys' deletions aborts a transaction needlessly, which optimistic locking allows.
  auto* n = lookup_read(key);
  if (n != nullptr)
    return std::to_string(epoch_) + ":" + std::to_string(n->second.lsn);
  auto deleted = deleted_at_[std::hash<std::string_view>{}(key) % deleted_at_.size()];
  return std::to_string(epoch_) + ":d" + std::to_string(std::max(deleted, flushed_at_));
}

std::string kv_state_machine::tick(time_point now, lsn next) {
  auto record = expire_cycle(now, opts_.expire_cycle_budget, next).record;
  publish();
  return record;
}

bool kv_state_machine::may_merge(const kv_command& cmd, std::size_t merged_bytes) const {
  constexpr std::size_t limit = 64 * 1024;
  if (opts_.maxmemory > 0)
    return false;
  // WATCH reads versions (write LSNs): the writes before it must not share an LSN with the
  // writes after it, or a change right after a WATCH would go unnoticed.
  if (!cmd.empty() && cmd[0].size() == 5) { // only then can it be WATCH: no lookup per write
    auto* spec = kv_find_command(cmd[0]);
    if (spec != nullptr && spec->id == kv_command_id::watch)
      return false;
  }
  // A record is at most its arguments plus a few varints per effect.
  std::size_t bytes = merged_bytes + 64;
  for (auto& arg : cmd)
    bytes += arg.size() + 32;
  return bytes <= limit;
}

void kv_state_machine::merge_record(std::string& into, std::string_view more) {
  if (into.empty())
    into.assign(more.data(), more.size());
  else if (!more.empty())
    into.append(more.data() + 1, more.size() - 1); // skip its version byte
}

state_machine_error kv_state_machine::replay(std::string_view record, lsn at) {
  if (auto err = detail::kv_decode_record(record, effects_))
    return err;
  begin(time_point{}, at, nullptr);
  for (auto& e : effects_) {
    switch (e.op) {
      case detail::kv_op::put:
        put(e.key, std::string{e.value}, e.expire_at);
        break;
      case detail::kv_op::del:
        if (auto* n = keys_.find(e.key))
          del(*n);
        break;
      case detail::kv_op::expire:
        if (auto* n = keys_.find(e.key))
          set_expire(*n, e.expire_at);
        break;
      case detail::kv_op::append:
        append(e.key, e.value);
        break;
      case detail::kv_op::flush:
        flush();
        break;
    }
  }
  last_write_ = std::max(last_write_, at);
  publish();
  return {};
}

std::string kv_state_machine::snapshot() const {
  return detail::kv_write_snapshot(keys_);
}

state_machine_error kv_state_machine::restore(std::string_view image) {
  detail::kv_keyspace fresh;
  if (auto err = detail::kv_read_snapshot(image, fresh))
    return err;
  keys_ = std::move(fresh);
  keys_.for_each([this](node& n) { n.second.lru = ++lru_clock_; });
  last_write_ = 0;
  last_delete_ = 0;
  expired_seen_.clear();
  publish();
  return {};
}

// -- expiry -------------------------------------------------------------------

kv_state_machine::expire_cycle_result
kv_state_machine::expire_cycle(time_point now, std::size_t budget, lsn next) {
  expire_cycle_result r;
  begin(now, next, &r.record);
  auto queued = std::move(expired_seen_);
  expired_seen_.clear();
  for (auto& key : queued) {
    ++r.sampled;
    if (auto* n = keys_.find(key); n != nullptr && is_expired(n->second)) {
      del(*n);
      ++r.expired;
    }
  }
  std::size_t looked = 0;
  while (keys_.volatile_size() > 0 && looked < budget) {
    auto batch = std::min({expire_keys_per_loop, keys_.volatile_size(), budget - looked});
    std::size_t hits = 0;
    for (std::size_t i = 0; i < batch; ++i) {
      auto* n = keys_.random_volatile(rng_);
      if (n == nullptr)
        break;
      if (is_expired(n->second)) {
        del(*n);
        ++hits;
      }
    }
    looked += batch;
    r.sampled += batch;
    r.expired += hits;
    if (hits * 4 <= batch) // at most 25% expired: the rest can wait for the next cycle
      break;
  }
  expired_ += r.expired;
  if (!r.record.empty())
    last_write_ = next;
  record_ = nullptr;
  return r;
}

// -- call context -------------------------------------------------------------

void kv_state_machine::begin(time_point now, lsn next, std::string* record) {
  now_ = now.time_since_epoch().count();
  next_ = next;
  depends_ = 0;
  record_ = record;
}

bool kv_state_machine::is_expired(const detail::kv_entry& e) const noexcept {
  return e.expire_at != detail::kv_no_expiry && now_ > e.expire_at;
}

void kv_state_machine::queue_expired(const std::string& key) {
  if (expired_seen_.size() < expired_seen_limit)
    expired_seen_.push_back(key);
}

void kv_state_machine::depend(lsn x) noexcept {
  depends_ = std::max(depends_, x);
}

kv_state_machine::node* kv_state_machine::lookup_read(const std::string& key) {
  auto* n = keys_.find(key);
  if (n == nullptr) {
    depend(last_delete_);
    return nullptr;
  }
  depend(n->second.lsn);
  if (is_expired(n->second)) {
    queue_expired(key);
    return nullptr;
  }
  n->second.lru = ++lru_clock_;
  return n;
}

kv_state_machine::node* kv_state_machine::lookup_write(const std::string& key) {
  auto* n = keys_.find(key);
  if (n == nullptr) {
    depend(last_delete_);
    return nullptr;
  }
  if (is_expired(n->second)) {
    del(*n);
    ++expired_;
    return nullptr;
  }
  depend(n->second.lsn);
  n->second.lru = ++lru_clock_;
  return n;
}

bool kv_state_machine::make_room() {
  if (opts_.maxmemory == 0 || keys_.used_memory() <= opts_.maxmemory)
    return true;
  if (opts_.policy == kv_eviction_policy::noeviction)
    return false;
  auto samples = std::max<uint32_t>(opts_.maxmemory_samples, 1);
  while (keys_.used_memory() > opts_.maxmemory && keys_.size() > 0) {
    node* oldest = nullptr;
    for (uint32_t i = 0; i < samples; ++i) {
      auto* n = keys_.random_key(rng_);
      if (oldest == nullptr || n->second.lru < oldest->second.lru)
        oldest = n;
    }
    del(*oldest);
    ++evicted_;
  }
  return keys_.used_memory() <= opts_.maxmemory;
}

// -- effects ------------------------------------------------------------------

void kv_state_machine::stamp(node& n) {
  n.second.lsn = next_;
  n.second.lru = ++lru_clock_;
}

kv_state_machine::node& kv_state_machine::put(std::string_view key, std::string value,
                                              int64_t expire_at) {
  if (record_ != nullptr)
    detail::kv_record_writer{*record_}.put(key, value, expire_at);
  auto& n = keys_.upsert(key);
  keys_.assign(n, std::move(value));
  keys_.set_expire(n, expire_at);
  stamp(n);
  return n;
}

void kv_state_machine::del(node& n) {
  if (record_ != nullptr)
    detail::kv_record_writer{*record_}.del(n.first);
  last_delete_ = next_;
  deleted_at_[std::hash<std::string_view>{}(n.first) % deleted_at_.size()] = next_;
  keys_.erase(n);
}

void kv_state_machine::set_expire(node& n, int64_t expire_at) {
  if (record_ != nullptr)
    detail::kv_record_writer{*record_}.expire(n.first, expire_at);
  keys_.set_expire(n, expire_at);
  stamp(n);
}

void kv_state_machine::append(std::string_view key, std::string_view suffix) {
  if (record_ != nullptr)
    detail::kv_record_writer{*record_}.append(key, suffix);
  auto& n = keys_.upsert(key);
  keys_.append(n, suffix);
  stamp(n);
}

void kv_state_machine::flush() {
  if (record_ != nullptr)
    detail::kv_record_writer{*record_}.flush();
  last_delete_ = next_;
  flushed_at_ = next_;
  keys_.clear();
  expired_seen_.clear();
}

} // namespace keel::actors
