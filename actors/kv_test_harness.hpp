// Test-only: drives a kv_state_machine with a manual clock and LSN counter, keeping the log.
#pragma once

#include "actors/kv_state_machine.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace keel::actors::test {

/// 2023-11-14T22:13:20Z in Unix milliseconds: a start time far from 0.
constexpr int64_t start_ms = 1'700'000'000'000;

inline kv_reply ok() {
  return kv_reply::ok();
}
inline kv_reply simple(std::string text) {
  return kv_reply::simple(std::move(text));
}
inline kv_reply err(std::string text) {
  return kv_reply::error(std::move(text));
}
inline kv_reply bulk(std::string s) {
  return kv_reply::bulk(std::move(s));
}
inline kv_reply nil() {
  return kv_reply::null();
}
inline kv_reply num(int64_t x) {
  return kv_reply::integer(x);
}
inline kv_reply arr(std::vector<kv_reply> xs) {
  return kv_reply::array(std::move(xs));
}

struct kv_harness {
  kv_state_machine sm;
  int64_t now_ms = start_ms;
  lsn next = 1;
  lsn last_depends = 0;
  std::vector<std::pair<lsn, std::string>> log;

  explicit kv_harness(kv_options opts = {}) : sm(opts) {}

  time_point now() const { return time_point{std::chrono::milliseconds{now_ms}}; }

  /// Executes `cmd`; appends its record (if any) to the log under the next LSN.
  kv_reply run(const kv_command& cmd) {
    auto r = sm.execute(cmd, now(), next);
    if (!r.record.empty())
      log.emplace_back(next++, std::move(r.record));
    last_depends = r.depends_on;
    return r.reply;
  }

  kv_reply operator()(std::vector<std::string> cmd) { return run(cmd); }

  /// True when the last command produced a record.
  bool wrote() const { return !log.empty() && log.back().first == next - 1 && last_depends == next - 1; }

  void advance(int64_t ms) { now_ms += ms; }

  /// Runs one expire cycle; logs its record; returns the number of keys it deleted.
  std::size_t cycle(std::size_t budget = 1000) {
    auto r = sm.expire_cycle(now(), budget, next);
    if (!r.record.empty())
      log.emplace_back(next++, std::move(r.record));
    return r.expired;
  }

  /// Replays the log into a fresh machine.
  std::string replayed_snapshot() const {
    kv_state_machine fresh;
    for (auto& [at, record] : log) {
      auto e = fresh.replay(record, at);
      REQUIRE(!e);
    }
    return fresh.snapshot();
  }
};

} // namespace keel::actors::test
