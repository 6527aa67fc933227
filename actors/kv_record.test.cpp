#include "actors/kv_record.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace keel::actors;
using namespace keel::actors::detail;

TEST_CASE("every effect survives an encode-decode round trip") {
  std::string record;
  kv_record_writer w{record};
  CHECK(w.empty());
  w.put("k", std::string("v\0w", 3), 1'700'000'000'123);
  w.del("gone");
  w.expire("k", 0);
  w.append("log", "line");
  w.flush();
  CHECK(record[0] == static_cast<char>(kv_record_version));
  std::vector<kv_effect> effects;
  REQUIRE(!kv_decode_record(record, effects));
  REQUIRE(effects.size() == 5);
  CHECK(effects[0].op == kv_op::put);
  CHECK(effects[0].key == "k");
  CHECK(effects[0].value == std::string_view("v\0w", 3));
  CHECK(effects[0].expire_at == 1'700'000'000'123);
  CHECK(effects[1].op == kv_op::del);
  CHECK(effects[1].key == "gone");
  CHECK(effects[2].op == kv_op::expire);
  CHECK(effects[2].expire_at == 0);
  CHECK(effects[3].op == kv_op::append);
  CHECK(effects[3].value == "line");
  CHECK(effects[4].op == kv_op::flush);
}

TEST_CASE("a record is compact: a small set takes a few bytes more than key and value") {
  std::string record;
  kv_record_writer{record}.put("key", "value", 1'700'000'000'000);
  CHECK(record.size() <= 1 + 1 + 1 + 3 + 1 + 5 + 6);
}

TEST_CASE("every truncation of a record is reported, except a cut between two effects") {
  std::string record;
  kv_record_writer w{record};
  w.put("key", "value", 123456789);
  auto boundary = record.size();
  w.del("other");
  std::vector<kv_effect> effects;
  for (std::size_t n = 0; n < record.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    auto err = kv_decode_record(std::string_view{record}.substr(0, n), effects);
    if (n == boundary) {
      CHECK(!err); // the shorter record is valid: the WAL's checksum guards whole records
      CHECK(effects.size() == 1);
    } else {
      CHECK(err);
    }
  }
}

TEST_CASE("an unknown version, unknown tag or bare version byte is an error") {
  std::vector<kv_effect> effects;
  auto v2 = kv_decode_record(std::string("\x02\x05", 2), effects);
  CHECK(v2.code == keel::actors::state_machine_errc::unsupported_version);
  CHECK(v2.message.find("version 2") != std::string::npos);
  auto tag = kv_decode_record(std::string("\x01\x09", 2), effects);
  CHECK(tag.code == keel::actors::state_machine_errc::malformed);
  CHECK(tag.message.find("unknown effect tag 9") != std::string::npos);
  CHECK(kv_decode_record(std::string("\x01", 1), effects).code
        == keel::actors::state_machine_errc::malformed);
}
