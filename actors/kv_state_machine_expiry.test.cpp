#include "actors/kv_state_machine.hpp"

#include "actors/kv_test_harness.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace keel::actors;
using namespace keel::actors::test;

TEST_CASE("a key expires lazily: reads see it missing once now passes its expire time") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "PX", "100"}) == ok());
  kv.advance(100);
  CHECK(kv({"GET", "k"}) == bulk("v")); // expired only when now > expire time
  kv.advance(1);
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv({"EXISTS", "k"}) == num(0));
  CHECK(kv({"STRLEN", "k"}) == num(0));
  CHECK(kv({"MGET", "k"}) == arr({nil()}));
}

TEST_CASE("a read of an expired key logs nothing and the next expire cycle deletes it") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "PX", "10"}) == ok());
  kv.advance(11);
  auto before = kv.log.size();
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv.log.size() == before);
  CHECK(kv.sm.size() == 1); // still there, as in Redis' DBSIZE before deletion
  CHECK(kv.cycle(0) == 1);  // queued by the read: deleted even with no sampling budget
  CHECK(kv.sm.size() == 0);
  CHECK(kv.log.size() == before + 1);
}

TEST_CASE("RANDOMKEY never answers an expired key and queues those it meets for deletion") {
  kv_harness kv;
  for (int i = 0; i < 200; ++i)
    REQUIRE(kv({"SET", "gone:" + std::to_string(i), "v", "PX", "10"}) == ok());
  CHECK(kv({"SET", "live", "v"}) == ok());
  kv.advance(11);
  // 200 expired keys and one live one: random picks mostly meet expired keys, the walk after
  // them still finds the live one.
  for (int i = 0; i < 20; ++i)
    CHECK(kv({"RANDOMKEY"}) == bulk("live"));
  CHECK(kv({"DEL", "live"}) == num(1));
  auto before = kv.log.size();
  CHECK(kv({"RANDOMKEY"}) == nil());
  CHECK(kv.log.size() == before); // a read logs nothing itself
  CHECK(kv.cycle(0) > 0);          // the expired keys it met are deleted by the next cycle
  CHECK(kv.sm.size() < 200);
}

TEST_CASE("a write that meets an expired key deletes it and treats it as missing") {
  kv_harness kv;
  CHECK(kv({"SET", "n", "41", "PX", "10"}) == ok());
  CHECK(kv({"SET", "d", "x", "PX", "10"}) == ok());
  CHECK(kv({"SET", "x", "x", "PX", "10"}) == ok());
  kv.advance(11);
  CHECK(kv({"INCR", "n"}) == num(1));
  CHECK(kv({"TTL", "n"}) == num(-1));
  CHECK(kv({"DEL", "d"}) == num(0));
  CHECK(kv({"SET", "x", "y", "XX", "GET"}) == nil());
  CHECK(kv({"APPEND", "a", "b"}) == num(1));
  CHECK(kv.sm.size() == 2);
  CHECK(kv.sm.expired_keys() == 3);
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("the expire cycle deletes expired keys and keeps the others") {
  kv_harness kv;
  for (int i = 0; i < 100; ++i)
    static_cast<void>(kv({"SET", "short:" + std::to_string(i), "v", "PX", "10"}));
  for (int i = 0; i < 100; ++i)
    static_cast<void>(kv({"SET", "long:" + std::to_string(i), "v", "EX", "100"}));
  for (int i = 0; i < 100; ++i)
    static_cast<void>(kv({"SET", "forever:" + std::to_string(i), "v"}));
  kv.advance(11);
  std::size_t deleted = 0;
  for (int round = 0; round < 200 && kv.sm.size() > 200; ++round)
    deleted += kv.cycle(100);
  CHECK(deleted == 100);
  CHECK(kv.sm.size() == 200);
  CHECK(kv({"KEYS", "short:*"}) == arr({}));
  CHECK(kv({"KEYS", "long:*"}).elements().size() == 100);
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("the expire cycle looks at no more keys than its budget") {
  kv_harness kv;
  for (int i = 0; i < 1000; ++i)
    static_cast<void>(kv({"SET", "k" + std::to_string(i), "v", "PX", "10"}));
  kv.advance(11);
  auto r = kv.sm.expire_cycle(kv.now(), 50, kv.next);
  CHECK(r.sampled == 50);
  CHECK(r.expired <= 50);
  CHECK(r.expired > 0);
}

TEST_CASE("the expire cycle stops early when at most a quarter of a sample expired") {
  kv_harness kv;
  for (int i = 0; i < 1000; ++i)
    static_cast<void>(kv({"SET", "k" + std::to_string(i), "v", "EX", "100"}));
  static_cast<void>(kv({"SET", "gone", "v", "PX", "1"}));
  kv.advance(2);
  auto r = kv.sm.expire_cycle(kv.now(), 1000, kv.next);
  CHECK(r.sampled == 20); // one round: nothing (or almost nothing) was expired
}

TEST_CASE("tick runs the expire cycle and returns its record") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "PX", "5"}) == ok());
  CHECK(kv.sm.tick(kv.now(), kv.next).empty());
  kv.advance(6);
  auto record = kv.sm.tick(kv.now(), kv.next);
  CHECK(!record.empty());
  CHECK(kv.sm.size() == 0);
}

TEST_CASE("set with an absolute expire time in the past stores a key that is already gone") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "PXAT", "1"}) == ok());
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv({"TTL", "k"}) == num(-2));
}

TEST_CASE("expiry records carry absolute times so replay at any later time agrees") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "EX", "10"}) == ok());
  kv.advance(5000);
  kv_state_machine fresh;
  for (auto& [at, record] : kv.log)
    REQUIRE(!fresh.replay(record, at));
  auto r = fresh.execute({"PTTL", "k"}, kv.now(), kv.next);
  CHECK(r.reply == num(5000));
}
