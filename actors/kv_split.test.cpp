#include "actors/kv_split.hpp"

#include "actors/kv_state_machine.hpp"
#include "actors/kv_test_harness.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace keel::actors;
using namespace keel::actors::test;

namespace {

// Shard = the key's last byte mod 3: easy to reason about.
std::size_t shard3(std::string_view key) {
  return key.empty() ? 0 : static_cast<unsigned char>(key.back()) % 3;
}

// Three shards, each its own state machine; runs a command through split and join.
struct cluster {
  std::vector<kv_state_machine> shards{3};
  lsn next = 1;

  kv_reply run(const kv_command& cmd) {
    auto split = kv_split_by_shard(cmd, shards.size(), shard3);
    std::vector<kv_reply> replies;
    for (auto& part : split.parts)
      replies.push_back(shards[part.shard].execute(part.cmd, time_point{}, next++).reply);
    return kv_join_replies(split, std::move(replies));
  }
};

} // namespace

TEST_CASE("mget is split per shard and joined back in argument order") {
  auto split = kv_split_by_shard({"MGET", "a", "b", "c", "d"}, 3, shard3); // 97 98 99 100
  REQUIRE(split.parts.size() == 3);
  CHECK(split.parts[0].shard == 1);
  CHECK(split.parts[0].cmd == kv_command{"MGET", "a", "d"});
  CHECK(split.parts[0].positions == std::vector<std::size_t>{0, 3});
  CHECK(split.parts[1].cmd == kv_command{"MGET", "b"});
  CHECK(split.parts[2].cmd == kv_command{"MGET", "c"});
  auto joined = kv_join_replies(split, {arr({bulk("A"), nil()}), arr({bulk("B")}), arr({nil()})});
  CHECK(joined == arr({bulk("A"), bulk("B"), nil(), nil()}));
}

TEST_CASE("mset is split into key-value pairs per shard") {
  auto split = kv_split_by_shard({"MSET", "a", "1", "b", "2", "d", "4"}, 3, shard3);
  REQUIRE(split.parts.size() == 2);
  CHECK(split.parts[0].cmd == kv_command{"MSET", "a", "1", "d", "4"});
  CHECK(split.parts[1].cmd == kv_command{"MSET", "b", "2"});
  CHECK(kv_join_replies(split, {ok(), ok()}) == ok());
  CHECK(kv_join_replies(split, {ok(), err("OOM x")}) == err("OOM x"));
}

TEST_CASE("del and exists sum the counts of their shards") {
  cluster c;
  CHECK(c.run({"MSET", "a", "1", "b", "2", "c", "3", "d", "4"}) == ok());
  CHECK(c.run({"EXISTS", "a", "b", "x", "d", "a"}) == num(4));
  CHECK(c.run({"DEL", "a", "b", "x"}) == num(2));
  CHECK(c.run({"MGET", "a", "b", "c", "d"}) == arr({nil(), nil(), bulk("3"), bulk("4")}));
  CHECK(c.run({"DBSIZE"}) == num(2));
}

TEST_CASE("keys, dbsize and flushall go to every shard") {
  cluster c;
  CHECK(c.run({"MSET", "a", "1", "b", "2", "c", "3"}) == ok());
  CHECK(c.run({"KEYS", "*"}).elements().size() == 3);
  CHECK(c.run({"FLUSHALL"}) == ok());
  CHECK(c.run({"DBSIZE"}) == num(0));
  CHECK(c.run({"FLUSHALL", "bad"}) == err("ERR syntax error"));
}

TEST_CASE("randomkey asks every shard and answers one of their keys, nil when none has one") {
  cluster c;
  CHECK(c.run({"RANDOMKEY"}) == nil());
  CHECK(c.run({"SET", "b", "1"}) == ok()); // shard 2 of 3
  for (int i = 0; i < 5; ++i)
    CHECK(c.run({"RANDOMKEY"}) == bulk("b"));
  CHECK(c.run({"MSET", "a", "1", "c", "3"}) == ok());
  std::set<std::string> seen;
  for (int i = 0; i < 200 && seen.size() < 3; ++i)
    seen.insert(c.run({"RANDOMKEY"}).str());
  CHECK(seen == std::set<std::string>{"a", "b", "c"});
  auto split = kv_split_by_shard({"RANDOMKEY"}, 3, shard3);
  CHECK(split.parts.size() == 3);
  CHECK(kv_join_replies(split, {nil(), err("ERR x"), bulk("k")}) == err("ERR x"));
  CHECK(c.run({"RANDOMKEY", "x"})
        == err("ERR wrong number of arguments for 'randomkey' command"));
}

TEST_CASE("single-key commands go to their key's shard and errors pass through") {
  auto split = kv_split_by_shard({"INCR", "b"}, 3, shard3);
  REQUIRE(split.parts.size() == 1);
  CHECK(split.parts[0].shard == 2);
  cluster c;
  CHECK(c.run({"GET"}) == err("ERR wrong number of arguments for 'get' command"));
  CHECK(c.run({"MSET", "a", "1", "b"}) == err("ERR wrong number of arguments for 'mset' command"));
  CHECK(c.run({"NOPE"}) == err("ERR unknown command 'NOPE', with args beginning with: "));
  CHECK(c.run({"SCAN", "x"}) == err("ERR invalid cursor"));
}

TEST_CASE("a scan over all shards visits every key once") {
  cluster c;
  for (int i = 0; i < 200; ++i)
    CHECK(c.run({"SET", "key" + std::to_string(i), "v"}) == ok());
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto r = c.run({"SCAN", cursor, "COUNT", "9"});
    REQUIRE(r.elements().size() == 2);
    cursor = r.elements()[0].str();
    for (auto& k : r.elements()[1].elements())
      seen.insert(k.str());
    REQUIRE(++calls < 1000);
  } while (cursor != "0");
  CHECK(seen.size() == 200);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 200);
}

TEST_CASE("a batch is split into one sub-batch per shard and its replies joined in order") {
  std::vector<kv_command> cmds{{"SET", "a", "1"},     {"MGET", "a", "b", "c"}, {"GET", "b"},
                               {"DEL", "a", "d", "x"}, {"DBSIZE"},              {"GET", "d"}};
  kv_batch_split plan{cmds, 3, shard3};
  CHECK(plan.size() == 6);
  // Whole commands are moved to their shard; split ones appear as their parts, in batch order.
  CHECK(plan.sub[1] == std::vector<kv_command>{{"SET", "a", "1"},
                                               {"MGET", "a"},
                                               {"DEL", "a", "d"},
                                               {"DBSIZE"},
                                               {"GET", "d"}});
  CHECK(plan.sub[2] == std::vector<kv_command>{{"MGET", "b"}, {"GET", "b"}, {"DBSIZE"}});
  CHECK(plan.sub[0] == std::vector<kv_command>{{"MGET", "c"}, {"DEL", "x"}, {"DBSIZE"}});
  // Each shard's machine runs its sub-batch; the joined replies are those of one machine.
  std::vector<kv_state_machine> shards(3);
  kv_state_machine single;
  lsn next = 1;
  CHECK(shards[2].execute({"SET", "b", "2"}, time_point{}, next++).reply == ok());
  CHECK(single.execute({"SET", "b", "2"}, time_point{}, next++).reply == ok());
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(plan.where[k].size() == plan.sub[k].size());
    for (std::size_t i = 0; i < plan.sub[k].size(); ++i)
      plan.slot(plan.where[k][i]) = shards[k].execute(plan.sub[k][i], time_point{}, next++).reply;
  }
  auto joined = plan.finish();
  std::vector<kv_reply> expected;
  for (auto& c : std::vector<kv_command>{{"SET", "a", "1"},     {"MGET", "a", "b", "c"},
                                         {"GET", "b"},           {"DEL", "a", "d", "x"},
                                         {"DBSIZE"},             {"GET", "d"}})
    expected.push_back(single.execute(c, time_point{}, next++).reply);
  CHECK(joined == expected);
  CHECK(joined[1] == arr({bulk("1"), bulk("2"), nil()}));
}

TEST_CASE("RENAME, RENAMENX, MSETNX and COPY run whole in one shard or are refused") {
  // shard3: a, d -> 1; b -> 2; c -> 0
  for (kv_command cmd : {kv_command{"RENAME", "a", "d"}, kv_command{"renamenx", "d", "a"},
                         kv_command{"MSETNX", "a", "1", "d", "2"},
                         kv_command{"COPY", "a", "d", "REPLACE"}}) {
    INFO(cmd[0]);
    CHECK(kv_whole_shard(cmd, 3, shard3) == std::optional<std::size_t>{1});
    auto split = kv_split_by_shard(cmd, 3, shard3);
    REQUIRE(split.parts.size() == 1);
    CHECK(split.parts[0].cmd == cmd);
  }
  for (kv_command cmd : {kv_command{"RENAME", "a", "b"}, kv_command{"MSETNX", "a", "1", "c", "2"},
                         kv_command{"COPY", "b", "d"}}) {
    INFO(cmd[0]);
    CHECK_FALSE(kv_whole_shard(cmd, 3, shard3));
    auto refused = kv_split_by_shard(cmd, 3, shard3);
    CHECK(refused.parts.empty());
    auto reply = kv_join_replies(refused, {});
    REQUIRE(reply.is_error());
    CHECK(reply.str().rfind("CROSSSLOT Keys in request don't hash to the same slot", 0) == 0);
    CHECK(reply.str().find("give its keys one hash tag") != std::string::npos);
    CHECK(kv_whole_shard(cmd, 1, shard3) == std::optional<std::size_t>{0});
  }
  // A malformed one goes to one shard unchanged, which answers Redis' error.
  CHECK(kv_split_by_shard({"MSETNX", "a", "1", "b"}, 3, shard3).parts.size() == 1);
  CHECK(kv_split_by_shard({"RENAME", "a"}, 3, shard3).parts.size() == 1);
}

TEST_CASE("a transaction goes whole to the shard of its keys, and one across shards is refused") {
  // shard3: a, d -> 1; b -> 2; c -> 0
  auto same = kv_transaction({{"SET", "a", "1"}, {"MGET", "a", "d"}, {"PING"}});
  CHECK(kv_whole_shard(same, 3, shard3) == std::optional<std::size_t>{1});
  auto split = kv_split_by_shard(same, 3, shard3);
  REQUIRE(split.parts.size() == 1);
  CHECK(split.parts[0].shard == 1);
  CHECK(kv_whole_shard(kv_transaction({{"PING"}}), 3, shard3) == std::optional<std::size_t>{0});

  auto across = kv_transaction({{"SET", "a", "1"}, {"SET", "b", "2"}});
  CHECK_FALSE(kv_whole_shard(across, 3, shard3));
  auto refused = kv_split_by_shard(across, 3, shard3);
  CHECK(refused.parts.empty());
  auto reply = kv_join_replies(refused, {});
  REQUIRE(reply.is_error());
  CHECK(reply.str().rfind("CROSSSLOT Keys in request don't hash to the same slot (the keys of "
                          "a transaction live in shards 1 and 2)", 0) == 0);
  auto keyspace = kv_split_by_shard(kv_transaction({{"SET", "a", "1"}, {"DBSIZE"}}), 3, shard3);
  CHECK(kv_join_replies(keyspace, {}).str().rfind("CROSSSLOT dbsize reads or writes every shard",
                                                  0) == 0);
  // With one shard everything is in it.
  CHECK(kv_whole_shard(across, 1, shard3) == std::optional<std::size_t>{0});

  // In a batch, the refused one is answered in its place; nothing of it reaches a shard.
  std::vector<kv_command> cmds{{"GET", "c"}, across, same};
  kv_batch_split batch{cmds, 3, shard3};
  CHECK(batch.sub[0].size() == 1);
  CHECK(batch.sub[1].size() == 1);
  CHECK(batch.sub[2].empty());
}

TEST_CASE("a transaction split to its shard runs there as one unit") {
  cluster c;
  CHECK(c.run(kv_transaction({{"SET", "a", "1"}, {"INCR", "a"}, {"GET", "d"}}))
        == arr({ok(), num(2), nil()}));
  CHECK(c.run({"GET", "a"}) == bulk("2"));
  CHECK(c.shards[1].size() == 1);
  CHECK(c.run(kv_transaction({{"SET", "a", "1"}, {"SET", "b", "2"}})).is_error());
  CHECK(c.run({"GET", "b"}) == nil());
}
