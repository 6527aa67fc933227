#include "actors/shard_layout.hpp"

#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using keel::actors::check_shard_layout;
using keel::actors::key_hash;
constexpr auto hash_tags = key_hash::hash_tags;
constexpr auto whole_key = key_hash::whole_key;
using keel::testkit::temp_dir;

namespace {

std::vector<uint32_t> all(uint32_t count) {
  std::vector<uint32_t> out;
  for (uint32_t k = 0; k < count; ++k)
    out.push_back(k);
  return out;
}

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in{p};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the first start records the shard count and later starts must match it") {
  temp_dir tmp;
  auto dir = tmp.path() + "/data";
  CHECK(check_shard_layout(dir, 4, all(4)).empty()); // creates the directory
  auto file = fs::path{dir} / "LAYOUT";
  REQUIRE(fs::exists(file));
  CHECK(contains(read(file), "shards.count: 4\n"));
  CHECK(contains(read(file), "hash: fnv1a64-tags\n"));
  CHECK(check_shard_layout(dir, 4, all(4)).empty());
  auto err = check_shard_layout(dir, 8, all(8));
  CHECK(contains(err, "data_dir " + dir + " was written with shards.count 4"));
  CHECK(contains(err, file.string()));
  CHECK(contains(err, "set shards.count: 4 again"));
  CHECK(contains(read(file), "shards.count: 4\n")); // a refused start changes nothing
  CHECK_FALSE(check_shard_layout(dir, 2, {1}).empty()); // a cluster node too
}

TEST_CASE("a directory without LAYOUT is judged by its shard directories") {
  temp_dir tmp;
  for (int k = 0; k < 4; ++k)
    fs::create_directories(tmp.path() + "/shard-" + std::to_string(k));
  fs::create_directories(tmp.path() + "/shard-x"); // not a shard directory
  auto smaller = check_shard_layout(tmp.path(), 2, all(2), whole_key);
  CHECK(contains(smaller, "holds shard directories shard-0 .. shard-3 (4 of them)"));
  CHECK(contains(smaller, "set shards.count: 4 again"));
  CHECK_FALSE(check_shard_layout(tmp.path(), 8, all(8), whole_key).empty());
  CHECK_FALSE(fs::exists(tmp.path() + "/LAYOUT"));
  // A cluster node holds some shards of a larger count: shard-0..3 fit a count of 8.
  CHECK(check_shard_layout(tmp.path(), 8, {0, 1, 2, 3}, whole_key).empty());
  CHECK(contains(read(tmp.path() + "/LAYOUT"), "shards.count: 8\n"));
  CHECK(contains(read(tmp.path() + "/LAYOUT"), "hash: fnv1a64\n"));
}

TEST_CASE("a directory written with the same count gets its LAYOUT at the next start") {
  temp_dir tmp;
  for (int k = 0; k < 3; ++k)
    fs::create_directories(tmp.path() + "/shard-" + std::to_string(k));
  CHECK(check_shard_layout(tmp.path(), 3, all(3), whole_key).empty());
  CHECK(contains(read(tmp.path() + "/LAYOUT"), "shards.count: 3\n"));
  CHECK_FALSE(check_shard_layout(tmp.path(), 4, all(4), whole_key).empty());
}

TEST_CASE("a data_dir opens only with the key hash it was written with") {
  temp_dir tmp;
  auto file = tmp.path() + "/LAYOUT";
  SECTION("written before LAYOUT: its keys were placed by their whole bytes") {
    for (int k = 0; k < 3; ++k)
      fs::create_directories(tmp.path() + "/shard-" + std::to_string(k));
    auto err = check_shard_layout(tmp.path(), 3, all(3), hash_tags);
    CHECK(contains(err, "data_dir " + tmp.path() + " was written before keel recorded a LAYOUT"));
    CHECK(contains(err, "set shards.hash_tags: false"));
    CHECK_FALSE(fs::exists(file));
    CHECK(check_shard_layout(tmp.path(), 3, all(3), whole_key).empty());
    CHECK(contains(read(file), "hash: fnv1a64\n"));
  }
  SECTION("whole-key LAYOUT, hash tags configured") {
    CHECK(check_shard_layout(tmp.path(), 4, all(4), whole_key).empty());
    auto err = check_shard_layout(tmp.path(), 4, all(4), hash_tags);
    CHECK(contains(err, "places keys by their whole bytes (" + file + " says hash: fnv1a64)"));
    CHECK(contains(err, "--set shards.hash_tags=false"));
    CHECK(contains(read(file), "hash: fnv1a64\n")); // a refused start changes nothing
  }
  SECTION("hash-tag LAYOUT, hash tags turned off") {
    CHECK(check_shard_layout(tmp.path(), 4, all(4), hash_tags).empty());
    auto err = check_shard_layout(tmp.path(), 4, all(4), whole_key);
    CHECK(contains(err, "places keys by their hash tags (" + file + " says hash: fnv1a64-tags)"));
    CHECK(contains(err, "set shards.hash_tags: true"));
    CHECK(check_shard_layout(tmp.path(), 4, all(4), hash_tags).empty());
  }
}

TEST_CASE("a damaged LAYOUT or an unknown hash is refused, naming the file") {
  temp_dir tmp;
  auto file = tmp.path() + "/LAYOUT";
  std::ofstream{file} << "garbage\n";
  auto err = check_shard_layout(tmp.path(), 4, all(4));
  CHECK(contains(err, file + " is damaged"));
  std::ofstream{file} << "shards.count: 4\nhash: murmur3\n";
  err = check_shard_layout(tmp.path(), 4, all(4));
  CHECK(contains(err, "hash 'murmur3'"));
  CHECK(contains(read(file), "murmur3"));
}

TEST_CASE("a cluster node refuses a shard directory that its configuration places elsewhere") {
  temp_dir tmp;
  CHECK(check_shard_layout(tmp.path(), 8, {0, 1, 2}).empty());
  for (int k : {0, 1, 2})
    fs::create_directories(tmp.path() + "/shard-" + std::to_string(k));
  CHECK(check_shard_layout(tmp.path(), 8, {0, 1, 2, 5}).empty()); // gaining a shard is fine
  auto err = check_shard_layout(tmp.path(), 8, {0, 2, 5});
  CHECK(contains(err, "holds shard-1, which the cluster configuration no longer places"));
  CHECK(contains(err, "move " + tmp.path() + "/shard-1 to that node's data_dir"));
}
