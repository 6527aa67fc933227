#include "actors/kv_keyspace.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

using namespace keel::actors::detail;

TEST_CASE("freed scan slots are reused and keys keep their slot while they live") {
  kv_keyspace ks;
  for (int i = 0; i < 10; ++i)
    static_cast<void>(ks.upsert("k" + std::to_string(i)));
  auto slot7 = ks.find("k7")->second.slot;
  ks.erase(*ks.find("k3"));
  auto& fresh = ks.upsert("new");
  CHECK(fresh.second.slot == 3);
  CHECK(ks.find("k7")->second.slot == slot7);
}

TEST_CASE("random keys are drawn uniformly enough even with many free slots") {
  kv_keyspace ks;
  for (int i = 0; i < 1000; ++i)
    static_cast<void>(ks.upsert("k" + std::to_string(i)));
  for (int i = 0; i < 1000; ++i)
    if (i % 100 != 0)
      ks.erase(*ks.find("k" + std::to_string(i)));
  REQUIRE(ks.size() == 10);
  kv_rng rng{1};
  std::map<std::string, int> hits;
  for (int i = 0; i < 10000; ++i)
    ++hits[ks.random_key(rng)->first];
  CHECK(hits.size() == 10);
  for (auto& [key, n] : hits)
    CHECK(n > 500);
}

TEST_CASE("volatile sampling sees only keys with a ttl") {
  kv_keyspace ks;
  for (int i = 0; i < 100; ++i) {
    auto& n = ks.upsert("k" + std::to_string(i));
    if (i % 2 == 0)
      ks.set_expire(n, 1000 + i);
  }
  ks.set_expire(*ks.find("k0"), kv_no_expiry);
  CHECK(ks.volatile_size() == 49);
  kv_rng rng{3};
  for (int i = 0; i < 1000; ++i)
    CHECK(ks.random_volatile(rng)->second.expire_at != kv_no_expiry);
  ks.erase(*ks.find("k2"));
  CHECK(ks.volatile_size() == 48);
}

TEST_CASE("an empty keyspace samples nothing and scans to cursor zero") {
  kv_keyspace ks;
  kv_rng rng{1};
  CHECK(ks.random_key(rng) == nullptr);
  CHECK(ks.random_volatile(rng) == nullptr);
  CHECK(ks.scan(0, 10, [](auto&) {}) == 0);
  CHECK(ks.scan(12345, 10, [](auto&) {}) == 0);
}
