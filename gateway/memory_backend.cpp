#include "gateway/memory_backend.hpp"

#include "gateway/standard_replies.hpp"

#include <algorithm>
#include <climits>

namespace keel::gateway {

void memory_backend::execute(std::vector<command> batch, done_handler done) {
  std::vector<reply> replies;
  replies.reserve(batch.size());
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& cmd : batch)
      replies.push_back(run_locked(cmd));
  }
  done(std::move(replies));
}

backend_stats memory_backend::stats() const {
  std::lock_guard<std::mutex> guard{mtx_};
  backend_stats st;
  st.keys = data_.size();
  st.used_memory = bytes_;
  return st;
}

reply memory_backend::run(const command& cmd) {
  std::lock_guard<std::mutex> guard{mtx_};
  return run_locked(cmd);
}

reply memory_backend::run_locked(const command& cmd) {
  const auto& name = cmd[0];
  auto version = [this](const std::string& key) {
    auto i = written_.find(key);
    return std::to_string(std::max(i == written_.end() ? 0 : i->second, flushed_at_));
  };
  if (iequals(name, "exec")) { // a transaction: under the one lock, so nothing interleaves
    auto queued = transaction_commands(cmd);
    if (!queued)
      return reply::error("ERR EXEC without MULTI");
    std::vector<reply> out;
    for (auto& c : *queued) {
      if (&c == &queued->front() && iequals(c[0], "watched")) {
        for (size_t i = 1; i + 1 < c.size(); i += 2)
          if (version(c[i]) != c[i + 1])
            return reply::null();
        continue;
      }
      out.push_back(iequals(c[0], "exec") ? reply::error("ERR EXEC without MULTI") : run_locked(c));
    }
    return reply::array(std::move(out));
  }
  if (iequals(name, "watch")) {
    std::vector<reply> versions;
    for (size_t i = 1; i < cmd.size(); ++i)
      versions.push_back(reply::bulk(version(cmd[i])));
    return cmd.size() < 2 ? wrong_arity(name) : reply::array(std::move(versions));
  }
  auto argc = cmd.size();
  auto erase = [this](const std::string& key) {
    auto i = data_.find(key);
    if (i == data_.end())
      return false;
    bytes_ -= i->first.size() + i->second.size();
    data_.erase(i);
    written_[key] = ++writes_;
    return true;
  };
  auto put = [this](const std::string& key, std::string value) {
    written_[key] = ++writes_;
    auto [i, added] = data_.try_emplace(key);
    if (added)
      bytes_ += key.size();
    else
      bytes_ -= i->second.size();
    bytes_ += value.size();
    i->second = std::move(value);
  };
  if (iequals(name, "get")) {
    if (argc != 2)
      return wrong_arity(name);
    auto i = data_.find(cmd[1]);
    return i == data_.end() ? reply::null() : reply::bulk(i->second);
  }
  if (iequals(name, "set")) {
    if (argc < 3)
      return wrong_arity(name);
    if (argc > 3)
      return syntax_error(); // options (EX, NX, ...) are not supported by this stand-in
    put(cmd[1], cmd[2]);
    return reply::ok();
  }
  if (iequals(name, "del") || iequals(name, "exists")) {
    if (argc < 2)
      return wrong_arity(name);
    bool del = iequals(name, "del");
    int64_t n = 0;
    for (size_t i = 1; i < argc; ++i)
      n += del ? erase(cmd[i]) : data_.count(cmd[i]);
    return reply::integer(n);
  }
  if (iequals(name, "incr")) {
    if (argc != 2)
      return wrong_arity(name);
    int64_t value = 0;
    auto i = data_.find(cmd[1]);
    if (i != data_.end()) {
      auto parsed = parse_int64(i->second);
      if (!parsed)
        return not_an_integer();
      value = *parsed;
    }
    if (value == INT64_MAX)
      return reply::error("ERR increment or decrement would overflow");
    ++value;
    put(cmd[1], std::to_string(value));
    return reply::integer(value);
  }
  if (iequals(name, "dbsize")) {
    if (argc != 1)
      return wrong_arity(name);
    return reply::integer(static_cast<int64_t>(data_.size()));
  }
  if (iequals(name, "flushall")) {
    if (argc > 2)
      return syntax_error();
    if (argc == 2 && !iequals(cmd[1], "async") && !iequals(cmd[1], "sync"))
      return syntax_error();
    data_.clear();
    bytes_ = 0;
    written_.clear();
    flushed_at_ = ++writes_;
    return reply::ok();
  }
  if (iequals(name, "mget")) {
    if (argc < 2)
      return wrong_arity(name);
    std::vector<reply> values;
    values.reserve(argc - 1);
    for (size_t k = 1; k < argc; ++k) {
      auto i = data_.find(cmd[k]);
      values.push_back(i == data_.end() ? reply::null() : reply::bulk(i->second));
    }
    return reply::array(std::move(values));
  }
  if (iequals(name, "mset")) {
    if (argc < 3 || argc % 2 == 0)
      return wrong_arity(name);
    for (size_t k = 1; k + 1 < argc; k += 2)
      put(cmd[k], cmd[k + 1]);
    return reply::ok();
  }
  return unknown_command(cmd);
}

} // namespace keel::gateway
