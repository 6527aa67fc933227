#include "actors/kv_split.hpp"

#include "actors/kv_number.hpp"

#include <random>
#include <string>

namespace keel::actors {

namespace {

using join_kind = kv_split::join_kind;

kv_split one_part(const kv_command& cmd, std::size_t shard_count, std::size_t shard) {
  kv_split out;
  out.shard_count = shard_count;
  out.parts.push_back(kv_part{shard, cmd, {}});
  return out;
}

kv_split broadcast(const kv_command& cmd, std::size_t shard_count, join_kind join) {
  kv_split out;
  out.join = join;
  out.shard_count = shard_count;
  for (std::size_t s = 0; s < shard_count; ++s)
    out.parts.push_back(kv_part{s, cmd, {}});
  return out;
}

// Groups the keys (and, with step 2, their values) by shard, in argument order per shard.
kv_split by_key(const kv_command& cmd, std::size_t shard_count, const kv_shard_of& shard_of,
                std::size_t step, join_kind join) {
  kv_split out;
  out.join = join;
  out.shard_count = shard_count;
  std::vector<std::size_t> part_of(shard_count, SIZE_MAX);
  std::size_t key_index = 0;
  for (std::size_t i = 1; i < cmd.size(); i += step, ++key_index) {
    auto shard = shard_of(cmd[i]);
    auto& p = part_of[shard];
    if (p == SIZE_MAX) {
      p = out.parts.size();
      out.parts.push_back(kv_part{shard, kv_command{cmd[0]}, {}});
    }
    auto& part = out.parts[p];
    for (std::size_t k = 0; k < step; ++k)
      part.cmd.push_back(cmd[i + k]);
    if (join == join_kind::merge)
      part.positions.push_back(key_index);
  }
  out.key_count = key_index;
  return out;
}

kv_split scan(const kv_command& cmd, std::size_t shard_count) {
  uint64_t cursor = 0;
  if (!detail::kv_parse_cursor(cmd[1], cursor))
    return one_part(cmd, shard_count, 0);
  kv_split out;
  out.join = join_kind::scan;
  out.shard_count = shard_count;
  kv_part part{static_cast<std::size_t>(cursor % shard_count), cmd, {}};
  part.cmd[1] = std::to_string(cursor / shard_count);
  out.parts.push_back(std::move(part));
  return out;
}

// The one shard all `keys` live in (0 when there are none), or nullopt when they span shards;
// `why` (when set) then says so: `what` runs in one shard, `or_else` is another way out.
std::optional<std::size_t> one_shard(const std::vector<std::string_view>& keys,
                                     const kv_shard_of& shard_of, std::string_view what,
                                     std::string_view or_else, std::string* why) {
  std::optional<std::size_t> shard;
  for (auto key : keys) {
    auto k = shard_of(key);
    if (shard && *shard != k) {
      if (why != nullptr)
        *why = "CROSSSLOT Keys in request don't hash to the same slot (the keys of "
               + std::string{what} + " live in shards " + std::to_string(*shard) + " and "
               + std::to_string(k) + "); " + std::string{what}
               + " runs in one shard: give its keys one hash tag, as in {user:1}:name and "
                 "{user:1}:mail (shards.hash_tags)" + std::string{or_else};
      return std::nullopt;
    }
    shard = k;
  }
  return shard.value_or(0);
}

// The one shard every key of transaction `exec` lives in (0 when it has none), or nullopt
// when they span shards; `why` then says so.
std::optional<std::size_t> transaction_shard(const kv_command& exec, std::size_t shard_count,
                                             const kv_shard_of& shard_of, std::string* why) {
  auto cmds = kv_transaction_commands(exec);
  if (!cmds || shard_count == 1)
    return std::size_t{0}; // a malformed one is answered by the state machine
  std::vector<std::string_view> keys;
  for (auto& c : *cmds) {
    auto access = kv_classify(c);
    if (access.keyspace && access.arity_ok) {
      if (why != nullptr)
        *why = "CROSSSLOT " + std::string{access.spec->name} + " reads or writes every shard "
               "and cannot be part of a transaction on a node with "
               + std::to_string(shard_count) + " shards";
      return std::nullopt;
    }
    keys.insert(keys.end(), access.keys.begin(), access.keys.end());
  }
  return one_shard(keys, shard_of, "a transaction", ", or send its commands without MULTI", why);
}

// The shard of a command that must run whole in one (RENAME, MSETNX, ...), or nullopt when its
// keys span shards; `why` then says so. A malformed one goes to shard 0, which answers it.
std::optional<std::size_t> command_shard(const kv_command& cmd, std::size_t shard_count,
                                         const kv_shard_of& shard_of, std::string* why) {
  if (shard_count == 1)
    return std::size_t{0};
  auto access = kv_classify(cmd);
  return one_shard(access.keys, shard_of, access.spec->name, "", why);
}

} // namespace

std::optional<std::size_t> kv_whole_shard(const kv_command& cmd, std::size_t shard_count,
                                          const kv_shard_of& shard_of) {
  const kv_command_spec* spec = cmd.empty() ? nullptr : kv_find_command(cmd[0]);
  if (spec == nullptr || !kv_arity_ok(*spec, cmd.size()))
    return std::size_t{0};
  switch (spec->id) {
    case kv_command_id::mset:
      if (cmd.size() % 2 == 0)
        return std::size_t{0};
      return std::nullopt;
    case kv_command_id::mget:
    case kv_command_id::watch:
    case kv_command_id::del:
    case kv_command_id::unlink:
    case kv_command_id::exists:
    case kv_command_id::touch:
    case kv_command_id::dbsize:
    case kv_command_id::flushall:
    case kv_command_id::flushdb:
    case kv_command_id::keys:
    case kv_command_id::scan:
    case kv_command_id::randomkey:
      return std::nullopt;
    case kv_command_id::exec:
      return transaction_shard(cmd, shard_count, shard_of, nullptr);
    case kv_command_id::rename:
    case kv_command_id::renamenx:
    case kv_command_id::msetnx:
    case kv_command_id::copy:
      return command_shard(cmd, shard_count, shard_of, nullptr);
    default:
      if (spec->first_key == 0 || shard_count == 1)
        return std::size_t{0};
      return shard_of(cmd[static_cast<std::size_t>(spec->first_key)]);
  }
}

kv_split kv_split_by_shard(const kv_command& cmd, std::size_t shard_count,
                           const kv_shard_of& shard_of) {
  if (auto k = kv_whole_shard(cmd, shard_count, shard_of))
    return one_part(cmd, shard_count, *k);
  auto id = kv_find_command(cmd[0])->id;
  switch (id) {
    case kv_command_id::mget:
    case kv_command_id::watch:
      return by_key(cmd, shard_count, shard_of, 1, join_kind::merge);
    case kv_command_id::del:
    case kv_command_id::unlink:
    case kv_command_id::exists:
    case kv_command_id::touch:
      return by_key(cmd, shard_count, shard_of, 1, join_kind::sum);
    case kv_command_id::mset:
      return by_key(cmd, shard_count, shard_of, 2, join_kind::all_ok);
    case kv_command_id::dbsize:
      return broadcast(cmd, shard_count, join_kind::sum);
    case kv_command_id::flushall:
    case kv_command_id::flushdb:
      return broadcast(cmd, shard_count, join_kind::all_ok);
    case kv_command_id::keys:
      return broadcast(cmd, shard_count, join_kind::concat);
    case kv_command_id::randomkey:
      return broadcast(cmd, shard_count, join_kind::random_one);
    case kv_command_id::scan:
      return scan(cmd, shard_count);
    case kv_command_id::exec: // only when its keys span shards (kv_whole_shard took it else)
    case kv_command_id::rename:
    case kv_command_id::renamenx:
    case kv_command_id::msetnx:
    case kv_command_id::copy: {
      kv_split out;
      out.join = join_kind::refused;
      out.shard_count = shard_count;
      std::string why;
      if (id == kv_command_id::exec)
        static_cast<void>(transaction_shard(cmd, shard_count, shard_of, &why));
      else
        static_cast<void>(command_shard(cmd, shard_count, shard_of, &why));
      out.refusal = kv_reply::error(std::move(why));
      return out;
    }
    default:
      return one_part(cmd, shard_count, 0); // kv_whole_shard took every other command
  }
}

kv_reply kv_join_replies(const kv_split& split, std::vector<kv_reply> replies) {
  for (auto& r : replies)
    if (r.is_error())
      return std::move(r);
  switch (split.join) {
    case join_kind::single:
      return std::move(replies.front());
    case join_kind::merge: {
      std::vector<kv_reply> values(split.key_count);
      for (std::size_t p = 0; p < split.parts.size(); ++p) {
        auto& elements = replies[p].elements();
        auto& positions = split.parts[p].positions;
        for (std::size_t i = 0; i < positions.size() && i < elements.size(); ++i)
          values[positions[i]] = std::move(elements[i]);
      }
      return kv_reply::array(std::move(values));
    }
    case join_kind::sum: {
      int64_t total = 0;
      for (auto& r : replies)
        total += r.integer_value();
      return kv_reply::integer(total);
    }
    case join_kind::all_ok:
      return kv_reply::ok();
    case join_kind::concat: {
      std::vector<kv_reply> all;
      for (auto& r : replies)
        for (auto& e : r.elements())
          all.push_back(std::move(e));
      return kv_reply::array(std::move(all));
    }
    case join_kind::refused:
      return split.refusal;
    case join_kind::random_one: {
      // A shard picked at random among those with a key: uniform over keys while the hash
      // spreads keys evenly over the shards.
      std::vector<kv_reply*> found;
      for (auto& r : replies)
        if (r.type() == kv_reply::kind::bulk)
          found.push_back(&r);
      if (found.empty())
        return kv_reply::null();
      thread_local std::mt19937_64 rng{std::random_device{}()};
      return std::move(*found[rng() % found.size()]);
    }
    case join_kind::scan: {
      auto& r = replies.front();
      if (r.elements().size() != 2)
        return std::move(r);
      auto shard = split.parts.front().shard;
      uint64_t local = 0;
      if (!detail::kv_parse_cursor(r.elements()[0].str(), local))
        return std::move(r);
      uint64_t global = local != 0               ? local * split.shard_count + shard
                        : shard + 1 < split.shard_count ? shard + 1
                                                        : 0;
      r.elements()[0] = kv_reply::bulk(std::to_string(global));
      return std::move(r);
    }
  }
  return std::move(replies.front());
}

kv_batch_split::kv_batch_split(std::vector<kv_command>& cmds, std::size_t shard_count,
                               const kv_shard_of& shard_of)
  : sub(shard_count), where(shard_count), replies_(cmds.size()) {
  for (std::size_t c = 0; c < cmds.size(); ++c) {
    if (auto k = kv_whole_shard(cmds[c], shard_count, shard_of)) {
      sub[*k].emplace_back(std::move(cmds[c]));
      where[*k].emplace_back(c, kv_whole);
      continue;
    }
    auto& s = splits_.emplace_back();
    s.command = c;
    s.split = kv_split_by_shard(cmds[c], shard_count, shard_of);
    s.parts.resize(s.split.parts.size());
    for (std::size_t p = 0; p < s.split.parts.size(); ++p) {
      auto k = s.split.parts[p].shard;
      sub[k].emplace_back(std::move(s.split.parts[p].cmd));
      where[k].emplace_back(splits_.size() - 1, p);
    }
  }
}

kv_reply& kv_batch_split::slot(kv_slot w) {
  if (w.second == kv_whole)
    return replies_[w.first];
  return splits_[w.first].parts[w.second];
}

std::vector<kv_reply> kv_batch_split::finish() {
  for (auto& s : splits_)
    replies_[s.command] = kv_join_replies(s.split, std::move(s.parts));
  splits_.clear();
  return std::move(replies_);
}

} // namespace keel::actors
