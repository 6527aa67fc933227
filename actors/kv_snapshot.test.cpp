#include "actors/kv_snapshot.hpp"

#include "actors/kv_state_machine.hpp"
#include "actors/kv_test_harness.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace keel::actors;
using namespace keel::actors::test;

TEST_CASE("a snapshot restores keys, values and absolute ttls") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "b", std::string("\0\xff", 2)}) == ok());
  CHECK(kv({"SET", "t", "x", "PX", "5000"}) == ok());
  auto image = kv.sm.snapshot();
  kv_state_machine other;
  REQUIRE(!other.restore(image));
  CHECK(other.snapshot() == image);
  auto later = time_point{std::chrono::milliseconds{start_ms + 1000}};
  CHECK(other.execute({"PTTL", "t"}, later, 1).reply == num(4000));
  CHECK(other.execute({"GET", "b"}, later, 1).reply == bulk(std::string("\0\xff", 2)));
  CHECK(other.size() == 3);
  CHECK(other.used_memory() == kv.sm.used_memory());
}

TEST_CASE("equal states give equal images whatever their history") {
  kv_harness x;
  kv_harness y;
  CHECK(x({"MSET", "a", "1", "b", "2", "c", "3"}) == ok());
  CHECK(y({"SET", "c", "3"}) == ok());
  CHECK(y({"SET", "z", "0"}) == ok());
  CHECK(y({"SET", "b", "2"}) == ok());
  CHECK(y({"DEL", "z"}) == num(1));
  CHECK(y({"SET", "a", "1"}) == ok());
  CHECK(x.sm.snapshot() == y.sm.snapshot());
}

TEST_CASE("restore replaces the state rather than merging") {
  kv_harness kv;
  CHECK(kv({"SET", "old", "1"}) == ok());
  kv_state_machine empty;
  REQUIRE(!kv.sm.restore(empty.snapshot()));
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv.sm.used_memory() == 0);
}

TEST_CASE("restore rejects a corrupt image, says why, and keeps the state") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "b", "2"}) == ok());
  auto image = kv.sm.snapshot();
  kv_state_machine target;
  CHECK(target.execute({"SET", "mine", "x"}, kv.now(), 1).reply == ok());
  auto before = target.snapshot();

  auto bad_magic = target.restore("xx" + image.substr(2));
  CHECK(bad_magic.code == state_machine_errc::unsupported_version);
  CHECK(bad_magic.message.find("magic") != std::string::npos);

  auto v9 = image;
  v9[2] = 9;
  auto bad_version = target.restore(v9);
  CHECK(bad_version.code == state_machine_errc::unsupported_version);
  CHECK(bad_version.message.find("version 9") != std::string::npos);

  for (std::size_t n = 0; n < image.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(target.restore(image.substr(0, n)));
  }
  auto trailing = target.restore(image + "x");
  CHECK(trailing.code == state_machine_errc::malformed);
  CHECK(trailing.message.find("trailing") != std::string::npos);

  auto swapped = image; // keys "a" and "b": make both "a"
  swapped[swapped.find('b')] = 'a';
  auto duplicate = target.restore(swapped);
  CHECK(duplicate.code == state_machine_errc::malformed);
  CHECK(duplicate.message.find("entry 1 of 2") != std::string::npos);

  auto huge = std::string("kv\x01\xff\xff\xff\xff\x0f", 8);
  CHECK(target.restore(huge).code == state_machine_errc::malformed);

  CHECK(target.snapshot() == before);
}
