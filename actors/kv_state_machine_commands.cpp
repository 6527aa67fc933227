// The Redis commands of kv_state_machine, each a port of the Redis 7 command of that name
// (t_string.c, expire.c, db.c) onto lookup_read / lookup_write and the logged effects.
#include "actors/kv_glob.hpp"
#include "actors/kv_number.hpp"
#include "actors/kv_state_machine.hpp"

#include <cctype>
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
    case kv_command_id::exists:
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
      return cmd_ttl(cmd, false);
    case kv_command_id::pttl:
      return cmd_ttl(cmd, true);
    case kv_command_id::persist:
      return cmd_persist(cmd);
    case kv_command_id::dbsize:
      depend(last_write_);
      return kv_reply::integer(static_cast<int64_t>(keys_.size()));
    case kv_command_id::flushall:
      return cmd_flushall(cmd);
    case kv_command_id::keys:
      return cmd_keys(cmd);
    case kv_command_id::scan:
      return cmd_scan(cmd);
  }
  return kv_reply::error(kv_unknown_command_error(cmd));
}

kv_reply kv_state_machine::cmd_get(const kv_command& cmd) {
  auto* n = lookup_read(cmd[1]);
  return n == nullptr ? kv_reply::null() : kv_reply::bulk(n->second.value);
}

kv_reply kv_state_machine::cmd_set(const kv_command& cmd) {
  enum : unsigned { nx = 1, xx = 2, get = 4, keepttl = 8, ex = 16, px = 32, exat = 64, pxat = 128 };
  unsigned flags = 0;
  const std::string* expire = nullptr;
  for (std::size_t j = 3; j < cmd.size(); ++j) {
    auto& opt = cmd[j];
    bool has_next = j + 1 < cmd.size();
    auto timed = [&](unsigned self, unsigned others) {
      if (!iequals(opt, self == ex     ? "ex"
                        : self == px   ? "px"
                        : self == exat ? "exat"
                                       : "pxat")
          || (flags & others) != 0 || !has_next)
        return false;
      flags |= self;
      expire = &cmd[++j];
      return true;
    };
    if (iequals(opt, "nx") && (flags & xx) == 0) {
      flags |= nx;
    } else if (iequals(opt, "xx") && (flags & nx) == 0) {
      flags |= xx;
    } else if (iequals(opt, "get")) {
      flags |= get;
    } else if (iequals(opt, "keepttl") && (flags & (ex | px | exat | pxat)) == 0) {
      flags |= keepttl;
    } else if (timed(ex, keepttl | exat | px | pxat) || timed(px, keepttl | ex | exat | pxat)
               || timed(exat, keepttl | ex | px | pxat)
               || timed(pxat, keepttl | ex | exat | px)) {
      // taken
    } else {
      return kv_reply::error(syntax_error);
    }
  }
  int64_t expire_at = detail::kv_no_expiry;
  if (expire != nullptr) {
    int64_t ms = 0;
    if (!detail::kv_parse_int(*expire, ms))
      return kv_reply::error(not_an_integer);
    bool seconds = (flags & (ex | exat)) != 0;
    if (ms <= 0 || (seconds && ms > int64_max / 1000))
      return invalid_expire("set");
    if (seconds)
      ms *= 1000;
    if ((flags & (ex | px)) != 0) {
      if (ms > int64_max - now_)
        return invalid_expire("set");
      ms += now_;
    }
    if (ms <= 0)
      return invalid_expire("set");
    expire_at = ms;
  }
  auto& key = cmd[1];
  auto* n = lookup_write(key);
  auto old = (flags & get) == 0   ? kv_reply::ok()
             : n == nullptr       ? kv_reply::null()
                                  : kv_reply::bulk(n->second.value);
  if (((flags & nx) != 0 && n != nullptr) || ((flags & xx) != 0 && n == nullptr))
    return (flags & get) != 0 ? old : kv_reply::null();
  if ((flags & keepttl) != 0 && n != nullptr)
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

kv_reply kv_state_machine::cmd_ttl(const kv_command& cmd, bool ms) {
  auto* n = lookup_read(cmd[1]);
  if (n == nullptr)
    return kv_reply::integer(-2);
  if (n->second.expire_at == detail::kv_no_expiry)
    return kv_reply::integer(-1);
  auto ttl = std::max<int64_t>(n->second.expire_at - now_, 0);
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
