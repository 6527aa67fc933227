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

TEST_CASE("lookups agree with a reference map through inserts, erases, growth, clear and move") {
  kv_keyspace ks;
  std::map<std::string, std::string> ref;
  std::mt19937_64 rng{42};
  auto check_all = [&](const kv_keyspace& k, kv_keyspace& mut) {
    REQUIRE(k.size() == ref.size());
    std::map<std::string, std::string> seen;
    k.for_each([&](const kv_keyspace::node& n) { seen.emplace(n.first, n.second.value); });
    CHECK(seen == ref);
    for (auto& [key, value] : ref) {
      auto* n = mut.find(key);
      REQUIRE(n != nullptr);
      CHECK(n->second.value == value);
    }
  };
  // A small pool of keys keeps the index dense with runs that deletions must shift back.
  for (int step = 0; step < 40000; ++step) {
    auto key = "key:" + std::to_string(rng() % 3000);
    if (rng() % 3 == 0) {
      auto* n = ks.find(key);
      CHECK((n != nullptr) == (ref.count(key) == 1));
      if (n != nullptr)
        ks.erase(*n);
      ref.erase(key);
      CHECK(ks.find(key) == nullptr);
    } else {
      auto value = std::to_string(step);
      ks.assign(ks.upsert(key), value);
      ref[key] = value;
    }
    if (step % 5000 == 0)
      check_all(ks, ks);
  }
  check_all(ks, ks);
  uint64_t bytes = 0;
  for (auto& [key, value] : ref)
    bytes += key.size() + value.size() + kv_entry_overhead;
  CHECK(ks.used_memory() == bytes);
  kv_keyspace moved{std::move(ks)};
  check_all(moved, moved);
  kv_keyspace assigned;
  static_cast<void>(assigned.upsert("dropped"));
  assigned = std::move(moved);
  check_all(assigned, assigned);
  CHECK(assigned.find("dropped") == nullptr);
  assigned.clear();
  ref.clear();
  check_all(assigned, assigned);
  CHECK(assigned.find("key:1") == nullptr);
  static_cast<void>(assigned.upsert("again"));
  CHECK(assigned.size() == 1);
  CHECK(assigned.find("again") != nullptr);
}

TEST_CASE("reserving room keeps every key, before and after the keys it was reserved for") {
  kv_keyspace ks;
  for (int i = 0; i < 100; ++i)
    ks.assign(ks.upsert("k" + std::to_string(i)), std::to_string(i));
  ks.reserve(5000); // rehashes the 100 keys already there
  ks.reserve(10);   // less than present: changes nothing
  for (int i = 100; i < 6000; ++i)
    ks.assign(ks.upsert("k" + std::to_string(i)), std::to_string(i));
  REQUIRE(ks.size() == 6000);
  for (int i = 0; i < 6000; ++i) {
    auto* n = ks.find("k" + std::to_string(i));
    REQUIRE(n != nullptr);
    CHECK(n->second.value == std::to_string(i));
  }
  CHECK(ks.find("k6000") == nullptr);
  std::string_view probe_key{"k4242-and-more", 5};
  REQUIRE(ks.find(probe_key) != nullptr);
  CHECK(&ks.upsert(probe_key) == ks.find("k4242"));
}
