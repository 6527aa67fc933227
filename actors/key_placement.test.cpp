#include "actors/key_placement.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using keel::actors::hashed_part;
using keel::actors::key_hash;
using keel::actors::shard_of;

TEST_CASE("a key's hash tag is what lies between its first '{' and the next '}'") {
  CHECK(hashed_part("{user:7}:name") == "user:7");
  CHECK(hashed_part("profile:{user:7}") == "user:7");
  CHECK(hashed_part("a{b}c{d}") == "b");       // the first tag only
  CHECK(hashed_part("{{a}}") == "{a");         // '{' inside a tag is a byte of it
  CHECK(hashed_part("a}{b}") == "b");          // a '}' before the first '{' does not count
  // No tag: the whole key.
  CHECK(hashed_part("plain") == "plain");
  CHECK(hashed_part("{}user") == "{}user");    // empty tag
  CHECK(hashed_part("{}{user}") == "{}{user}"); // the first '{' opens an empty tag: no tag
  CHECK(hashed_part("{user") == "{user");      // never closed
  CHECK(hashed_part("user}") == "user}");
  CHECK(hashed_part("") == "");
  CHECK(hashed_part(std::string_view{"{\0}", 3}) == std::string_view{"\0", 1}); // binary
  // Whole-key placement ignores braces.
  CHECK(hashed_part("{user:7}:name", key_hash::whole_key) == "{user:7}:name");
}

TEST_CASE("keys that share a hash tag share a shard, whatever else they hold") {
  for (uint32_t n : {2u, 3u, 8u, 24u, 4096u}) {
    auto k = shard_of("{order:42}", n);
    for (std::string key : {"x{order:42}", "{order:42}:items", "{order:42}:total{x}",
                            "order:42"}) // the tag's bytes alone
      CHECK(shard_of(key, n) == k);
  }
  // Without tags in use, those keys spread like any other keys do.
  std::set<uint32_t> shards;
  for (std::string key : {"x{order:42}", "{order:42}:items", "{order:42}:total{x}", "order:42",
                          "{order:42}:a", "{order:42}:b", "{order:42}:c", "{order:42}:d"})
    shards.insert(shard_of(key, 8, key_hash::whole_key));
  CHECK(shards.size() > 1);
}

TEST_CASE("a key without a tag is placed by FNV-1a 64 of its bytes under both rules") {
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; the placement of data written before hash tags
  // must not move.
  CHECK(shard_of("a", 1000) == 0xaf63dc4c8601ec8cull % 1000);
  CHECK(shard_of("a", 1000, key_hash::whole_key) == shard_of("a", 1000));
  CHECK(shard_of("{a}", 1000) == shard_of("a", 1000));
  CHECK(shard_of("{a}", 1000, key_hash::whole_key) != shard_of("{a}", 1000));
}
