#include "actors/kv_state_machine.hpp"

#include "actors/kv_test_harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

using namespace keel::actors;
using namespace keel::actors::test;

namespace {

// A random command over a small key space, so that keys collide, expire and get evicted.
kv_command random_command(std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  auto key = [&] { return "key:" + std::to_string(pick(60)); };
  auto value = [&] { return std::string(pick(40), static_cast<char>('a' + pick(26))); };
  auto number = [&] { return std::to_string(static_cast<int64_t>(pick(2001)) - 1000); };
  switch (pick(38)) {
    case 0:
    case 1:
      return {"SET", key(), value()};
    case 2:
      return {"SET", key(), value(), "PX", std::to_string(1 + pick(500))};
    case 3:
      return {"SET", key(), value(), "EX", "1", "NX"};
    case 4:
      return {"SET", key(), value(), "XX", "KEEPTTL", "GET"};
    case 5:
      return {"SET", key(), value(), "PXAT", std::to_string(start_ms + pick(20000))};
    case 6:
      return {"GET", key()};
    case 7:
      return {"DEL", key(), key()};
    case 8:
      return {"MSET", key(), value(), key(), value()};
    case 9:
      return {"MGET", key(), key(), key()};
    case 10:
      return {"INCR", key()};
    case 11:
      return {"INCRBY", key(), number()};
    case 12:
      return {"DECRBY", key(), number()};
    case 13:
      return {"APPEND", key(), value()};
    case 14:
      return {"PEXPIRE", key(), std::to_string(static_cast<int64_t>(pick(600)) - 50)};
    case 15:
      return {"EXPIRE", key(), std::to_string(1 + pick(3)), pick(2) == 0 ? "GT" : "LT"};
    case 16:
      return {"PERSIST", key()};
    case 17:
      return {"TTL", key()};
    case 18:
      return {"EXISTS", key(), key()};
    case 19:
      return {"SCAN", std::to_string(pick(80)), "COUNT", "5"};
    case 20:
      return {"KEYS", "key:1*"};
    case 21:
      return {"STRLEN", key()};
    case 22:
      return pick(50) == 0 ? kv_command{"FLUSHALL"} : kv_command{"DECR", key()};
    case 23:
      return {"SETNX", key(), value()};
    case 24:
      return {"PSETEX", key(), std::to_string(1 + pick(500)), value()};
    case 25:
      return {"GETSET", key(), value()};
    case 26:
      return {"GETDEL", key()};
    case 27:
      return {"UNLINK", key(), key()};
    case 28:
      return {"GETEX", key(), pick(2) == 0 ? "PERSIST" : "PX", std::to_string(1 + pick(500))};
    case 29:
      return {"SETRANGE", key(), std::to_string(pick(50)), value()};
    case 30:
      return {"INCRBYFLOAT", key(), std::to_string(pick(100)) + ".25"};
    case 31:
      return {"GETEX", key(), "PXAT", std::to_string(start_ms + pick(20000))};
    case 32: { // a transaction of a few of the commands above
      std::vector<kv_command> block;
      for (auto n = 1 + pick(4); n > 0; --n) {
        auto c = random_command(rng);
        if (c[0] != "EXEC")
          block.push_back(std::move(c));
      }
      return kv_transaction(block);
    }
    case 33:
      return {pick(2) == 0 ? "RENAME" : "RENAMENX", key(), key()};
    case 34:
      return {"COPY", key(), key(), "REPLACE"};
    case 35:
      return {"MSETNX", key(), value(), key(), value()};
    case 36:
      return {"RANDOMKEY"}; // reads: must leave the samples of eviction as replay draws them
    default:
      return {"DBSIZE"};
  }
}

void run_random(kv_harness& kv, uint64_t seed, int steps) {
  std::mt19937_64 rng{seed};
  for (int i = 0; i < steps; ++i) {
    static_cast<void>(kv.run(random_command(rng)));
    kv.advance(static_cast<int64_t>(rng() % 20));
    if (rng() % 10 == 0)
      static_cast<void>(kv.cycle(1 + rng() % 40));
  }
}

} // namespace

TEST_CASE("replaying the records of random commands gives an identical snapshot") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    kv_options opts;
    opts.seed = seed;
    kv_harness kv{opts};
    run_random(kv, seed, 5000);
    INFO("seed " << seed << ", " << kv.log.size() << " records");
    CHECK(kv.sm.expired_keys() > 0);
    CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
  }
}

TEST_CASE("replay agrees also with evictions under maxmemory") {
  kv_options opts;
  opts.maxmemory = 25 * (detail::kv_entry_overhead + 30);
  opts.policy = kv_eviction_policy::allkeys_lru;
  kv_harness kv{opts};
  run_random(kv, 42, 5000);
  CHECK(kv.sm.evicted_keys() > 0);
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("a snapshot taken midway plus the records after it equals the final state") {
  kv_harness kv;
  run_random(kv, 9, 2000);
  auto image = kv.sm.snapshot();
  auto cut = kv.log.size();
  run_random(kv, 10, 2000);
  kv_state_machine restored;
  REQUIRE(!restored.restore(image));
  for (auto i = cut; i < kv.log.size(); ++i)
    REQUIRE(!restored.replay(kv.log[i].second, kv.log[i].first));
  CHECK(restored.snapshot() == kv.sm.snapshot());
}

TEST_CASE("replies of a machine rebuilt from its log equal the original's") {
  kv_harness kv;
  run_random(kv, 5, 3000);
  kv_state_machine rebuilt;
  for (auto& [at, record] : kv.log)
    REQUIRE(!rebuilt.replay(record, at));
  std::mt19937_64 rng{77};
  for (int i = 0; i < 500; ++i) {
    auto cmd = random_command(rng);
    // Key order may differ between the two (slot assignment is history); a random key is
    // random, in a transaction too.
    if (cmd[0] == "SCAN" || cmd[0] == "KEYS"
        || std::find(cmd.begin(), cmd.end(), "RANDOMKEY") != cmd.end())
      continue;
    auto a = kv.sm.execute(cmd, kv.now(), kv.next);
    auto b = rebuilt.execute(cmd, kv.now(), kv.next);
    REQUIRE(a.reply == b.reply);
    REQUIRE(a.record == b.record);
    ++kv.next;
  }
}

TEST_CASE("replay of a corrupt record is an error and changes nothing") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v"}) == ok());
  auto before = kv.sm.snapshot();
  CHECK(kv.sm.replay("", 10).code == state_machine_errc::truncated);
  CHECK(kv.sm.replay("\x09\x02\x01k", 10).code == state_machine_errc::unsupported_version);
  CHECK(kv.sm.replay(std::string("\x01\x02\x01", 3), 10).code == state_machine_errc::truncated);
  CHECK(kv.sm.replay(std::string("\x01\x02\x01k\x07", 5), 10).code
        == state_machine_errc::malformed);
  CHECK(kv.sm.snapshot() == before);
}

TEST_CASE("records merged per batch replay like the records one by one") {
  kv_options opts;
  opts.seed = 4;
  kv_harness kv{opts};
  // The host's rule (shard_host::run_batch): batches of up to 16 commands, merged while
  // may_merge allows, under one LSN per merged record.
  std::mt19937_64 rng{4};
  std::vector<std::pair<lsn, std::string>> log;
  size_t merged_away = 0;
  for (int batch = 0; batch < 400; ++batch) {
    std::string merged;
    for (int i = 0; i < 16; ++i) {
      auto cmd = random_command(rng);
      bool join = kv.sm.may_merge(cmd, merged.size());
      if (!join && !merged.empty()) {
        log.emplace_back(kv.next++, std::move(merged));
        merged.clear();
      }
      auto r = kv.sm.execute(cmd, kv.now(), kv.next);
      if (r.record.empty())
        continue;
      if (join) {
        merged_away += merged.empty() ? 0 : 1;
        kv.sm.merge_record(merged, r.record);
      } else {
        log.emplace_back(kv.next++, std::move(r.record));
      }
    }
    if (!merged.empty())
      log.emplace_back(kv.next++, std::move(merged));
    kv.advance(static_cast<int64_t>(rng() % 20));
  }
  CHECK(merged_away > 1000); // most writes shared a record
  kv_state_machine rebuilt;
  for (auto& [at, record] : log)
    REQUIRE(!rebuilt.replay(record, at));
  CHECK(rebuilt.snapshot() == kv.sm.snapshot());
}

TEST_CASE("a command may join a merged record only while it stays small and without maxmemory") {
  kv_state_machine plain;
  CHECK(plain.may_merge({"SET", "k", "v"}, 0));
  CHECK(plain.may_merge({"SET", "k", "v"}, 60 * 1024));
  CHECK_FALSE(plain.may_merge({"SET", "k", "v"}, 64 * 1024));
  CHECK_FALSE(plain.may_merge({"SET", "k", std::string(70 * 1024, 'x')}, 0));
  kv_options opts;
  opts.maxmemory = 1 << 20;
  kv_state_machine capped{opts};
  CHECK_FALSE(capped.may_merge({"SET", "k", "v"}, 0));
}
