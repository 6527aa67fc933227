// The Redis commands of kv_state_machine, each a port of the Redis 7 command of that name
// (t_string.c, expire.c, db.c) onto lookup_read / lookup_write and the logged effects.
#include "actors/kv_glob.hpp"
#include "actors/kv_number.hpp"
#include "actors/kv_state_machine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace keel::actors {

namespace {

constexpr auto int64_max = std::numeric_limits<int64_t>::max();
constexpr auto int64_min = std::numeric_limits<int64_t>::min();

// Redis' proto-max-bulk-len default.
constexpr std::size_t max_string_size = 512 * 1024 * 1024;

const char* const not_an_integer = "ERR value is not an integer or out of range";
const char* const syntax_error = "ERR syntax error";

bool iequals(std::string_view x, std::string_view lower) noexcept {
  if (x.size() != lower.size())
    return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(x[i])) != lower[i])
      return false;
  return true;
}

kv_reply invalid_expire(std::string_view name) {
  std::string msg = "ERR invalid expire time in '";
  msg += name;
  msg += "' command";
  return kv_reply::error(std::move(msg));
}

// SET's and GETEX's options (t_string.c parseExtendedStringArgumentsOrReply).
enum : unsigned {
  opt_nx = 1, opt_xx = 2, opt_get = 4, opt_keepttl = 8, opt_persist = 16,
  opt_ex = 32, opt_px = 64, opt_exat = 128, opt_pxat = 256,
  opt_timed = opt_ex | opt_px | opt_exat | opt_pxat,
};

// Takes cmd[j] as EX, PX, EXAT or PXAT with its value (j moves past it) unless a flag in
// `excludes` or another of the four is set; the same one again replaces it, as in Redis.
bool take_timed(const kv_command& cmd, std::size_t& j, unsigned& flags, unsigned excludes,
                const std::string*& value) {
  static constexpr std::pair<unsigned, std::string_view> names[]{
    {opt_ex, "ex"}, {opt_px, "px"}, {opt_exat, "exat"}, {opt_pxat, "pxat"}};
  for (auto& [self, name] : names) {
    if (!iequals(cmd[j], name))
      continue;
    if ((flags & (excludes | (opt_timed & ~self))) != 0 || j + 1 >= cmd.size())
      return false;
    flags |= self;
    value = &cmd[++j];
    return true;
  }
  return false;
}

// The absolute expire time (Unix ms) an EX/PX/EXAT/PXAT `value` gives at `now`, or the error
// Redis replies (getExpireMillisecondsOrReply).
kv_reply expire_at_of(const std::string& value, unsigned flags, int64_t now,
                      std::string_view command, int64_t& at) {
  int64_t ms = 0;
  if (!detail::kv_parse_int(value, ms))
    return kv_reply::error(not_an_integer);
  bool seconds = (flags & (opt_ex | opt_exat)) != 0;
  if (ms <= 0 || (seconds && ms > int64_max / 1000))
    return invalid_expire(command);
  if (seconds)
    ms *= 1000;
  if ((flags & (opt_ex | opt_px)) != 0) {
    if (ms > int64_max - now)
      return invalid_expire(command);
    ms += now;
  }
  at = ms;
  return kv_reply::ok();
}

} // namespace

kv_reply kv_state_machine::dispatch(const kv_command_spec& spec, const kv_command& cmd) {
  switch (spec.id) {
    case kv_command_id::get:
      return cmd_get(cmd);
    case kv_command_id::set:
      return cmd_set(cmd);
    case kv_command_id::setnx:
      return cmd_setnx(cmd);
    case kv_command_id::setex:
      return cmd_setex(cmd, false);
    case kv_command_id::psetex:
      return cmd_setex(cmd, true);
    case kv_command_id::getset:
      return cmd_getset(cmd);
    case kv_command_id::getdel:
      return cmd_getdel(cmd);
    case kv_command_id::del:
    case kv_command_id::unlink: // nothing is freed in the background here: DEL's work
      return cmd_del(cmd);
    case kv_command_id::type:
      return cmd_type(cmd);
    case kv_command_id::rename:
      return cmd_rename(cmd, false);
    case kv_command_id::renamenx:
      return cmd_rename(cmd, true);
    case kv_command_id::copy:
      return cmd_copy(cmd);
    case kv_command_id::msetnx:
      return cmd_msetnx(cmd);
    case kv_command_id::getex:
      return cmd_getex(cmd);
    case kv_command_id::getrange:
    case kv_command_id::substr:
      return cmd_getrange(cmd);
    case kv_command_id::setrange:
      return cmd_setrange(cmd);
    case kv_command_id::incrbyfloat:
      return cmd_incrbyfloat(cmd);
    case kv_command_id::exists:
    case kv_command_id::touch: // no LRU clock to refresh beyond what a read does
      return cmd_exists(cmd);
    case kv_command_id::mget:
      return cmd_mget(cmd);
    case kv_command_id::mset:
      return cmd_mset(cmd);
    case kv_command_id::incr:
      return cmd_incrby(cmd, 1);
    case kv_command_id::decr:
      return cmd_incrby(cmd, -1);
    case kv_command_id::incrby:
    case kv_command_id::decrby: {
      int64_t by = 0;
      if (!detail::kv_parse_int(cmd[2], by))
        return kv_reply::error(not_an_integer);
      if (spec.id == kv_command_id::incrby)
        return cmd_incrby(cmd, by);
      if (by == int64_min)
        return kv_reply::error("ERR decrement would overflow");
      return cmd_incrby(cmd, -by);
    }
    case kv_command_id::append:
      return cmd_append(cmd);
    case kv_command_id::strlen:
      return cmd_strlen(cmd);
    case kv_command_id::expire:
    case kv_command_id::pexpire:
    case kv_command_id::expireat:
    case kv_command_id::pexpireat:
      return cmd_expire(cmd, spec);
    case kv_command_id::ttl:
      return cmd_ttl(cmd, false, false);
    case kv_command_id::pttl:
      return cmd_ttl(cmd, true, false);
    case kv_command_id::expiretime:
      return cmd_ttl(cmd, false, true);
    case kv_command_id::pexpiretime:
      return cmd_ttl(cmd, true, true);
    case kv_command_id::persist:
      return cmd_persist(cmd);
    case kv_command_id::dbsize:
      depend(last_write_);
      return kv_reply::integer(static_cast<int64_t>(keys_.size()));
    case kv_command_id::flushall:
    case kv_command_id::flushdb: // one database
      return cmd_flushall(cmd);
    case kv_command_id::exec: // run() takes it
      break;
    case kv_command_id::watch: {
      std::vector<kv_reply> versions;
      for (std::size_t i = 1; i < cmd.size(); ++i)
        versions.push_back(kv_reply::bulk(version_of(cmd[i])));
      return kv_reply::array(std::move(versions));
    }
    case kv_command_id::watched:
      return kv_reply::error("ERR WATCHED is only valid as the first command of a transaction");
    case kv_command_id::keys:
      return cmd_keys(cmd);
    case kv_command_id::scan:
      return cmd_scan(cmd);
    case kv_command_id::randomkey:
      return cmd_randomkey();
    case kv_command_id::memory:
      return cmd_memory_usage(cmd);
  }
  return kv_reply::error(kv_unknown_command_error(cmd));
}

kv_reply kv_state_machine::cmd_randomkey() {
  depend(last_write_); // the answer shows the whole key space, deletions included
  // As Redis: an expired key met on the way is deleted (queued, then logged), not answered. A
  // few random picks first, then a walk, so that nil means there is no live key at all.
  for (int i = 0; i < 16; ++i) {
    auto* n = keys_.random_key(pick_rng_);
    if (n == nullptr)
      return kv_reply::null();
    if (!is_expired(n->second))
      return kv_reply::bulk(n->first);
    queue_expired(n->first);
  }
  const node* live = nullptr;
  keys_.for_each([&](const node& n) {
    if (live == nullptr && !is_expired(n.second))
      live = &n;
  });
  return live == nullptr ? kv_reply::null() : kv_reply::bulk(live->first);
}

kv_reply kv_state_machine::cmd_get(const kv_command& cmd) {
  auto* n = lookup_read(cmd[1]);
  return n == nullptr ? kv_reply::null() : kv_reply::bulk(n->second.value);
}

kv_reply kv_state_machine::cmd_set(const kv_command& cmd) {
  unsigned flags = 0;
  const std::string* expire = nullptr;
  for (std::size_t j = 3; j < cmd.size(); ++j) {
    auto& opt = cmd[j];
    if (iequals(opt, "nx") && (flags & opt_xx) == 0) {
      flags |= opt_nx;
    } else if (iequals(opt, "xx") && (flags & opt_nx) == 0) {
      flags |= opt_xx;
    } else if (iequals(opt, "get")) {
      flags |= opt_get;
    } else if (iequals(opt, "keepttl") && (flags & opt_timed) == 0) {
      flags |= opt_keepttl;
    } else if (!take_timed(cmd, j, flags, opt_keepttl, expire)) {
      return kv_reply::error(syntax_error);
    }
  }
  int64_t expire_at = detail::kv_no_expiry;
  if (expire != nullptr) {
    auto r = expire_at_of(*expire, flags, now_, "set", expire_at);
    if (r.is_error())
      return r;
  }
  auto& key = cmd[1];
  auto* n = lookup_write(key);
  auto old = (flags & opt_get) == 0 ? kv_reply::ok()
             : n == nullptr         ? kv_reply::null()
                                    : kv_reply::bulk(n->second.value);
  if (((flags & opt_nx) != 0 && n != nullptr) || ((flags & opt_xx) != 0 && n == nullptr))
    return (flags & opt_get) != 0 ? old : kv_reply::null();
  if ((flags & opt_keepttl) != 0 && n != nullptr)
    expire_at = n->second.expire_at;
  put(key, cmd[2], expire_at);
  return old;
}

kv_reply kv_state_machine::cmd_setnx(const kv_command& cmd) {
  if (lookup_write(cmd[1]) != nullptr)
    return kv_reply::integer(0);
  put(cmd[1], cmd[2], detail::kv_no_expiry);
  return kv_reply::integer(1);
}

kv_reply kv_state_machine::cmd_setex(const kv_command& cmd, bool millis) {
  int64_t ms = 0;
  if (!detail::kv_parse_int(cmd[2], ms))
    return kv_reply::error(not_an_integer);
  auto name = millis ? "psetex" : "setex";
  if (ms <= 0 || (!millis && ms > int64_max / 1000))
    return invalid_expire(name);
  if (!millis)
    ms *= 1000;
  if (ms > int64_max - now_)
    return invalid_expire(name);
  lookup_write(cmd[1]); // an expired key is deleted (logged) first, as by SET
  put(cmd[1], cmd[3], now_ + ms);
  return kv_reply::ok();
}

kv_reply kv_state_machine::cmd_getset(const kv_command& cmd) {
  auto* n = lookup_write(cmd[1]);
  auto old = n == nullptr ? kv_reply::null() : kv_reply::bulk(n->second.value);
  put(cmd[1], cmd[2], detail::kv_no_expiry);
  return old;
}

kv_reply kv_state_machine::cmd_getdel(const kv_command& cmd) {
  auto* n = lookup_write(cmd[1]);
  if (n == nullptr)
    return kv_reply::null();
  auto old = kv_reply::bulk(n->second.value);
  del(*n);
  return old;
}

kv_reply kv_state_machine::cmd_type(const kv_command& cmd) {
  return kv_reply::simple(lookup_read(cmd[1]) == nullptr ? "none" : "string");
}

kv_reply kv_state_machine::cmd_getex(const kv_command& cmd) {
  unsigned flags = 0;
  const std::string* expire = nullptr;
  for (std::size_t j = 2; j < cmd.size(); ++j) {
    if (iequals(cmd[j], "persist") && (flags & opt_timed) == 0)
      flags |= opt_persist;
    else if (!take_timed(cmd, j, flags, opt_persist, expire))
      return kv_reply::error(syntax_error);
  }
  auto* n = lookup_write(cmd[1]);
  if (n == nullptr)
    return kv_reply::null(); // as Redis: a bad expire time on a missing key is no error
  int64_t expire_at = 0;
  if (expire != nullptr) {
    auto r = expire_at_of(*expire, flags, now_, "getex", expire_at);
    if (r.is_error())
      return r;
  }
  auto value = kv_reply::bulk(n->second.value);
  if (expire != nullptr && expire_at <= now_)
    del(*n); // EXAT or PXAT in the past
  else if (expire != nullptr)
    set_expire(*n, expire_at);
  else if ((flags & opt_persist) != 0 && n->second.expire_at != detail::kv_no_expiry)
    set_expire(*n, detail::kv_no_expiry);
  return value;
}

kv_reply kv_state_machine::cmd_getrange(const kv_command& cmd) {
  int64_t start = 0;
  int64_t end = 0;
  if (!detail::kv_parse_int(cmd[2], start) || !detail::kv_parse_int(cmd[3], end))
    return kv_reply::error(not_an_integer);
  auto* n = lookup_read(cmd[1]);
  if (n == nullptr)
    return kv_reply::bulk({});
  auto& value = n->second.value;
  auto size = static_cast<int64_t>(value.size());
  if (start < 0 && end < 0 && start > end)
    return kv_reply::bulk({});
  if (start < 0)
    start = std::max<int64_t>(size + start, 0);
  if (end < 0)
    end = std::max<int64_t>(size + end, 0);
  end = std::min(end, size - 1);
  if (start > end || size == 0)
    return kv_reply::bulk({});
  return kv_reply::bulk(value.substr(static_cast<std::size_t>(start),
                                     static_cast<std::size_t>(end - start + 1)));
}

kv_reply kv_state_machine::cmd_setrange(const kv_command& cmd) {
  int64_t offset = 0;
  if (!detail::kv_parse_int(cmd[2], offset))
    return kv_reply::error(not_an_integer);
  if (offset < 0)
    return kv_reply::error("ERR offset is out of range");
  auto& patch = cmd[3];
  auto* n = lookup_write(cmd[1]);
  if (patch.empty())
    return kv_reply::integer(n == nullptr ? 0 : static_cast<int64_t>(n->second.value.size()));
  if (static_cast<uint64_t>(offset) > max_string_size - patch.size())
    return kv_reply::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  auto at = static_cast<std::size_t>(offset);
  std::string value = n == nullptr ? std::string{} : n->second.value;
  if (value.size() < at + patch.size())
    value.resize(at + patch.size(), '\0');
  value.replace(at, patch.size(), patch);
  auto size = static_cast<int64_t>(value.size());
  put(cmd[1], std::move(value), n == nullptr ? detail::kv_no_expiry : n->second.expire_at);
  return kv_reply::integer(size);
}

kv_reply kv_state_machine::cmd_incrbyfloat(const kv_command& cmd) {
  auto* n = lookup_write(cmd[1]);
  long double value = 0;
  long double by = 0;
  if ((n != nullptr && !detail::kv_parse_float(n->second.value, value))
      || !detail::kv_parse_float(cmd[2], by))
    return kv_reply::error("ERR value is not a valid float");
  value += by;
  if (std::isnan(value) || std::isinf(value))
    return kv_reply::error("ERR increment would produce NaN or Infinity");
  auto text = detail::kv_format_float(value);
  put(cmd[1], text, n == nullptr ? detail::kv_no_expiry : n->second.expire_at);
  return kv_reply::bulk(std::move(text));
}

kv_reply kv_state_machine::cmd_del(const kv_command& cmd) {
  int64_t deleted = 0;
  for (std::size_t i = 1; i < cmd.size(); ++i) {
    if (auto* n = lookup_write(cmd[i])) {
      del(*n);
      ++deleted;
    }
  }
  return kv_reply::integer(deleted);
}

kv_reply kv_state_machine::cmd_exists(const kv_command& cmd) {
  int64_t found = 0;
  for (std::size_t i = 1; i < cmd.size(); ++i)
    if (lookup_read(cmd[i]) != nullptr)
      ++found;
  return kv_reply::integer(found);
}

kv_reply kv_state_machine::cmd_mget(const kv_command& cmd) {
  std::vector<kv_reply> values;
  values.reserve(cmd.size() - 1);
  for (std::size_t i = 1; i < cmd.size(); ++i) {
    auto* n = lookup_read(cmd[i]);
    values.push_back(n == nullptr ? kv_reply::null() : kv_reply::bulk(n->second.value));
  }
  return kv_reply::array(std::move(values));
}

kv_reply kv_state_machine::cmd_msetnx(const kv_command& cmd) {
  if (cmd.size() % 2 == 0)
    return kv_reply::error(kv_arity_error("msetnx"));
  for (std::size_t i = 1; i < cmd.size(); i += 2)
    if (lookup_write(cmd[i]) != nullptr)
      return kv_reply::integer(0);
  for (std::size_t i = 1; i < cmd.size(); i += 2)
    put(cmd[i], cmd[i + 1], detail::kv_no_expiry);
  return kv_reply::integer(1);
}

// db.c renameGenericCommand: the value and its expiry move to the new name.
kv_reply kv_state_machine::cmd_rename(const kv_command& cmd, bool nx) {
  auto* from = lookup_write(cmd[1]);
  if (from == nullptr)
    return kv_reply::error("ERR no such key");
  if (cmd[1] == cmd[2])
    return nx ? kv_reply::integer(0) : kv_reply::ok();
  auto value = from->second.value;
  auto expire_at = from->second.expire_at;
  if (lookup_write(cmd[2]) != nullptr && nx)
    return kv_reply::integer(0);
  put(cmd[2], std::move(value), expire_at); // (nodes may move: `from` is looked up again)
  del(*lookup_write(cmd[1]));
  return nx ? kv_reply::integer(1) : kv_reply::ok();
}

// db.c copyCommand, with one database: DB 0 is this one, any other index is out of range.
kv_reply kv_state_machine::cmd_copy(const kv_command& cmd) {
  bool replace = false;
  for (std::size_t j = 3; j < cmd.size(); ++j) {
    if (iequals(cmd[j], "replace")) {
      replace = true;
    } else if (iequals(cmd[j], "db") && j + 1 < cmd.size()) {
      int64_t db = 0;
      if (!detail::kv_parse_int(cmd[++j], db))
        return kv_reply::error(not_an_integer);
      if (db < std::numeric_limits<int32_t>::min() || db > std::numeric_limits<int32_t>::max())
        return kv_reply::error("ERR value is out of range, value must between -2147483648 and "
                               "2147483647");
      if (db != 0)
        return kv_reply::error("ERR DB index is out of range");
    } else {
      return kv_reply::error(syntax_error);
    }
  }
  if (cmd[1] == cmd[2])
    return kv_reply::error("ERR source and destination objects are the same");
  auto* from = lookup_read(cmd[1]);
  if (from == nullptr)
    return kv_reply::integer(0);
  auto value = from->second.value;
  auto expire_at = from->second.expire_at;
  if (lookup_write(cmd[2]) != nullptr && !replace)
    return kv_reply::integer(0);
  put(cmd[2], std::move(value), expire_at);
  return kv_reply::integer(1);
}

kv_reply kv_state_machine::cmd_mset(const kv_command& cmd) {
  if (cmd.size() % 2 == 0)
    return kv_reply::error(kv_arity_error("mset"));
  for (std::size_t i = 1; i < cmd.size(); i += 2)
    put(cmd[i], cmd[i + 1], detail::kv_no_expiry);
  return kv_reply::ok();
}

kv_reply kv_state_machine::cmd_incrby(const kv_command& cmd, int64_t by) {
  auto& key = cmd[1];
  auto* n = lookup_write(key);
  int64_t value = 0;
  if (n != nullptr && !detail::kv_parse_int(n->second.value, value))
    return kv_reply::error(not_an_integer);
  if ((by < 0 && value < 0 && by < int64_min - value)
      || (by > 0 && value > 0 && by > int64_max - value))
    return kv_reply::error("ERR increment or decrement would overflow");
  value += by;
  put(key, std::to_string(value), n == nullptr ? detail::kv_no_expiry : n->second.expire_at);
  return kv_reply::integer(value);
}

kv_reply kv_state_machine::cmd_append(const kv_command& cmd) {
  auto& key = cmd[1];
  auto* n = lookup_write(key);
  auto size = (n == nullptr ? 0 : n->second.value.size()) + cmd[2].size();
  if (size > max_string_size)
    return kv_reply::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  append(key, cmd[2]);
  return kv_reply::integer(static_cast<int64_t>(size));
}

kv_reply kv_state_machine::cmd_memory_usage(const kv_command& cmd) {
  // MEMORY USAGE key [SAMPLES count]: the bytes maxmemory counts for the key (key, value and
  // the per-key overhead). SAMPLES is checked as Redis does; a string has nothing to sample.
  if (!iequals(cmd[1], "usage"))
    return kv_reply::error("ERR unknown subcommand '" + cmd[1] + "'. Try MEMORY HELP.");
  for (std::size_t j = 3; j < cmd.size(); j += 2) {
    if (!iequals(cmd[j], "samples") || j + 1 >= cmd.size())
      return kv_reply::error("ERR syntax error");
    int64_t samples = 0;
    if (!detail::kv_parse_int(cmd[j + 1], samples))
      return kv_reply::error("ERR value is not an integer or out of range");
    if (samples < 0)
      return kv_reply::error("ERR syntax error");
  }
  auto* n = lookup_read(cmd[2]);
  if (n == nullptr)
    return kv_reply::null();
  return kv_reply::integer(
    static_cast<int64_t>(n->first.size() + n->second.value.size() + detail::kv_entry_overhead));
}

kv_reply kv_state_machine::cmd_strlen(const kv_command& cmd) {
  auto* n = lookup_read(cmd[1]);
  return kv_reply::integer(n == nullptr ? 0 : static_cast<int64_t>(n->second.value.size()));
}

kv_reply kv_state_machine::cmd_expire(const kv_command& cmd, const kv_command_spec& spec) {
  enum : unsigned { nx = 1, xx = 2, gt = 4, lt = 8 };
  unsigned flags = 0;
  for (std::size_t j = 3; j < cmd.size(); ++j) {
    auto& opt = cmd[j];
    if (iequals(opt, "nx"))
      flags |= nx;
    else if (iequals(opt, "xx"))
      flags |= xx;
    else if (iequals(opt, "gt"))
      flags |= gt;
    else if (iequals(opt, "lt"))
      flags |= lt;
    else
      return kv_reply::error("ERR Unsupported option " + opt);
  }
  if ((flags & nx) != 0 && (flags & (xx | gt | lt)) != 0)
    return kv_reply::error("ERR NX and XX, GT or LT options at the same time are not compatible");
  if ((flags & gt) != 0 && (flags & lt) != 0)
    return kv_reply::error("ERR GT and LT options at the same time are not compatible");
  int64_t when = 0;
  if (!detail::kv_parse_int(cmd[2], when))
    return kv_reply::error(not_an_integer);
  bool seconds = spec.id == kv_command_id::expire || spec.id == kv_command_id::expireat;
  bool relative = spec.id == kv_command_id::expire || spec.id == kv_command_id::pexpire;
  if (seconds) {
    if (when > int64_max / 1000 || when < int64_min / 1000)
      return invalid_expire(spec.name);
    when *= 1000;
  }
  int64_t base = relative ? now_ : 0;
  if (when > int64_max - base)
    return invalid_expire(spec.name);
  when += base;
  auto* n = lookup_write(cmd[1]);
  if (n == nullptr)
    return kv_reply::integer(0);
  auto current = n->second.expire_at == detail::kv_no_expiry ? -1 : n->second.expire_at;
  if (((flags & nx) != 0 && current != -1) || ((flags & xx) != 0 && current == -1)
      || ((flags & gt) != 0 && (when <= current || current == -1))
      || ((flags & lt) != 0 && current != -1 && when >= current))
    return kv_reply::integer(0);
  if (when <= now_)
    del(*n);
  else
    set_expire(*n, when);
  return kv_reply::integer(1);
}

kv_reply kv_state_machine::cmd_ttl(const kv_command& cmd, bool ms, bool absolute) {
  auto* n = lookup_read(cmd[1]);
  if (n == nullptr)
    return kv_reply::integer(-2);
  if (n->second.expire_at == detail::kv_no_expiry)
    return kv_reply::integer(-1);
  // Redis rounds EXPIRETIME's seconds as TTL's (expire.c ttlGenericCommand).
  auto ttl = std::max<int64_t>(n->second.expire_at - (absolute ? 0 : now_), 0);
  return kv_reply::integer(ms ? ttl : (ttl + 500) / 1000);
}

kv_reply kv_state_machine::cmd_persist(const kv_command& cmd) {
  auto* n = lookup_write(cmd[1]);
  if (n == nullptr || n->second.expire_at == detail::kv_no_expiry)
    return kv_reply::integer(0);
  set_expire(*n, detail::kv_no_expiry);
  return kv_reply::integer(1);
}

kv_reply kv_state_machine::cmd_flushall(const kv_command& cmd) {
  if (cmd.size() > 2 || (cmd.size() == 2 && !iequals(cmd[1], "sync") && !iequals(cmd[1], "async")))
    return kv_reply::error(syntax_error);
  flush();
  return kv_reply::ok();
}

kv_reply kv_state_machine::cmd_keys(const kv_command& cmd) {
  depend(last_write_);
  auto& pattern = cmd[1];
  bool all = pattern == "*";
  std::vector<kv_reply> out;
  keys_.for_each([&](node& n) {
    if (is_expired(n.second)) {
      queue_expired(n.first);
    } else if (all || kv_glob_match(pattern, n.first)) {
      out.push_back(kv_reply::bulk(n.first));
    }
  });
  return kv_reply::array(std::move(out));
}

kv_reply kv_state_machine::cmd_scan(const kv_command& cmd) {
  uint64_t cursor = 0;
  if (!detail::kv_parse_cursor(cmd[1], cursor))
    return kv_reply::error("ERR invalid cursor");
  int64_t count = 10;
  const std::string* pattern = nullptr;
  bool no_type = false;
  for (std::size_t i = 2; i < cmd.size(); i += 2) {
    bool has_value = i + 1 < cmd.size();
    if (iequals(cmd[i], "count") && has_value) {
      if (!detail::kv_parse_int(cmd[i + 1], count))
        return kv_reply::error(not_an_integer);
      if (count < 1)
        return kv_reply::error(syntax_error);
    } else if (iequals(cmd[i], "match") && has_value) {
      pattern = cmd[i + 1] == "*" ? nullptr : &cmd[i + 1];
    } else if (iequals(cmd[i], "type") && has_value) {
      // Only strings exist here: TYPE string is every key, any other type none.
      no_type = !iequals(cmd[i + 1], "string");
    } else {
      return kv_reply::error(syntax_error);
    }
  }
  depend(last_write_);
  std::vector<kv_reply> found;
  auto next = keys_.scan(cursor, static_cast<std::size_t>(count), [&](node& n) {
    if (is_expired(n.second)) {
      queue_expired(n.first);
    } else if (!no_type && (pattern == nullptr || kv_glob_match(*pattern, n.first))) {
      found.push_back(kv_reply::bulk(n.first));
    }
  });
  std::vector<kv_reply> reply;
  reply.push_back(kv_reply::bulk(std::to_string(next)));
  reply.push_back(kv_reply::array(std::move(found)));
  return kv_reply::array(std::move(reply));
}

} // namespace keel::actors
