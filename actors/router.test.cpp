#include "actors/router.hpp"

#include "actors/kv_client.hpp"
#include "actors/kv_shard.hpp"
#include "actors/shard_test_util.hpp"
#include "actors/shards.hpp"
#include "config/node_config.hpp"

#include <set>

using namespace keel::actors;
using namespace keel::actors::test;

// Crashes are exit messages with a non-normal reason: exit_reason::kill would also kill the
// supervisor through its link to the child (CAF 0.17 treats kill as fatal for linked actors).

namespace {


} // namespace

TEST_CASE("keys hash to shards stably", "[router]") {
  CHECK(shard_of("a", 1) == 0);
  CHECK(shard_of("user:1", 8) == shard_of("user:1", 8));
  std::set<uint32_t> seen;
  for (auto& k : spread_keys(8, 1))
    seen.insert(shard_of(k, 8));
  CHECK(seen.size() == 8);
}

TEST_CASE("the router answers a batch in request order with multi-key commands split across "
          "shards",
          "[router]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 4};
  auto keys = spread_keys(4, 3);
  auto [mset, mget] = mset_mget(keys);
  auto r = batch(fx, node.router,
                 {mset, {"INCR", keys[0] + ":n"}, mget, {"EXISTS", keys[0], keys[1], "missing"},
                  {"DEL", keys[2], keys[3], "missing"}, {"DBSIZE"}, {"GET", keys[2]}});
  REQUIRE(r.size() == 7);
  CHECK(r[0] == kv_reply::ok());
  CHECK(r[1] == kv_reply::integer(1));
  REQUIRE(r[2].elements().size() == keys.size() + 1);
  for (size_t i = 0; i < keys.size(); ++i)
    CHECK(r[2].elements()[i] == kv_reply::bulk("v" + std::to_string(i)));
  CHECK(r[2].elements().back() == kv_reply::null());
  CHECK(r[3] == kv_reply::integer(2));
  CHECK(r[4] == kv_reply::integer(2));
  CHECK(r[5] == kv_reply::integer(static_cast<int64_t>(keys.size()) - 2 + 1));
  CHECK(r[6] == kv_reply::null());
  // Every shard holds some of the keys.
  for (uint32_t k = 0; k < 4; ++k)
    CHECK(info_of(fx, node.shard_sup(fx, k)).next_lsn > 1);
}

TEST_CASE("the router keeps working across shard restarts", "[router][restart]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 3};
  auto keys = spread_keys(3, 2);
  for (auto& k : keys)
    CHECK(batch(fx, node.router, {{"SET", k, "1"}}).front() == kv_reply::ok());
  auto p = fx.make_probe();
  for (int round = 0; round < 3; ++round) {
    // Kill the host of shard 1, then the whole shard supervisor of shard 2.
    auto host = child_of(fx, node.shard_sup(fx, 1), "sm");
    p.watch(host);
    caf::anon_send_exit(host, caf::exit_reason::unhandled_exception); // crash
    p.expect_terminated(host);
    for (auto& k : keys) {
      INFO("round " << round << ", key " << k << " on shard " << shard_of(k, 3));
      CHECK(batch(fx, node.router, {{"INCR", k}}).front() == kv_reply::integer(round * 2 + 2));
    }
    auto shard2 = node.shard_sup(fx, 2);
    p.watch(shard2);
    caf::anon_send_exit(shard2, caf::exit_reason::unhandled_exception); // crash
    p.expect_terminated(shard2);
    for (auto& k : keys) {
      INFO("round " << round << ", key " << k << " on shard " << shard_of(k, 3));
      CHECK(batch(fx, node.router, {{"INCR", k}}).front() == kv_reply::integer(round * 2 + 3));
    }
  }
}

TEST_CASE("router lanes share the shards, and a lane's restart leaves the others answering",
          "[router][lanes]") {
  auto mode = shard_fixture();
  mode.event_bus = true; // for await_restart
  fixture fx{mode};
  kv_node node{fx, 3, 3};
  CHECK(router_lane_id(0) == "router");
  CHECK(router_lane_id(2) == "router#3");
  std::vector<caf::actor> lanes;
  for (uint32_t i = 0; i < 3; ++i)
    lanes.push_back(child_of(fx, node.root, router_lane_id(i)));
  CHECK(lanes[0] == node.router);
  CHECK(lanes[1] != lanes[0]);
  auto keys = spread_keys(3, 2);
  // Each write goes through one lane and is read through every lane.
  for (size_t i = 0; i < keys.size(); ++i)
    CHECK(batch(fx, lanes[i % 3], {{"SET", keys[i], std::to_string(i)}}).front()
          == kv_reply::ok());
  for (auto& lane : lanes)
    for (size_t i = 0; i < keys.size(); ++i)
      CHECK(batch(fx, lane, {{"GET", keys[i]}}).front() == kv_reply::bulk(std::to_string(i)));
  auto p = fx.make_probe();
  p.watch(lanes[1]);
  caf::anon_send_exit(lanes[1], caf::exit_reason::unhandled_exception); // crash
  p.expect_terminated(lanes[1]);
  // The other lanes answer whether or not lane 1 is back yet.
  CHECK(batch(fx, lanes[0], {{"INCR", "n"}}).front() == kv_reply::integer(1));
  CHECK(batch(fx, lanes[2], {{"INCR", "n"}}).front() == kv_reply::integer(2));
  auto again = fx.await_restart("root", router_lane_id(1));
  CHECK(again != lanes[1]);
  CHECK(batch(fx, again, {{"INCR", "n"}, {"MGET", keys[0], keys[5]}})
        == std::vector<kv_reply>{kv_reply::integer(3),
                                 kv_reply::array({kv_reply::bulk("0"), kv_reply::bulk("5")})});
}

TEST_CASE("a checkpoint through the router snapshots every shard", "[router][checkpoint]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 3};
  auto keys = spread_keys(3, 1);
  for (auto& k : keys)
    CHECK(batch(fx, node.router, {{"SET", k, "x"}}).front() == kv_reply::ok());
  auto lsns = ask<std::vector<uint64_t>>(fx, node.router, caf::make_message(checkpoint_atom::value));
  REQUIRE(lsns);
  CHECK(*lsns == std::vector<uint64_t>{1, 1, 1});
  for (uint32_t k = 0; k < 3; ++k)
    CHECK(info_of(fx, node.shard_sup(fx, k)).snapshot_lsn == 1);
}

TEST_CASE("the in-process client offers blocking and callback calls", "[router][client]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 2};
  keel::kv::client c{fx.sys(), node.router, default_timeout()};
  CHECK(!c.set("a", "1"));
  auto a = c.get("a");
  REQUIRE(a);
  CHECK(*a == std::optional<std::string>{"1"});
  auto missing = c.get("nope");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  auto n = c.incr("counter", 5);
  REQUIRE(n);
  CHECK(*n == 5);
  auto bad = c.incr("a", 1);
  CHECK(bad); // "1" is a number
  CHECK(!c.set("text", "abc"));
  CHECK_FALSE(c.incr("text"));
  auto d = c.del({"a", "text", "nope"});
  REQUIRE(d);
  CHECK(*d == 2);
  auto p = fx.make_probe();
  auto to = p.handle();
  c.async({"GET", "counter"}, [to](caf::expected<kv_reply> r) {
    caf::anon_send(to, r ? r->str() : std::string{"error"});
  });
  auto [got] = p.expect_message<std::string>();
  CHECK(got == "5");
  auto piped = c.pipeline({{"SET", "x", "1"}, {"GET", "x"}});
  REQUIRE(piped);
  CHECK(piped->at(1) == kv_reply::bulk("1"));
}

TEST_CASE("a shard that never answers fails its part after the request timeout; the others "
          "answer",
          "[router][timeout]") {
  fixture fx{shard_fixture()};
  // A "tree" that swallows everything: no shard ever answers (requests included).
  auto tree = fx.sys().spawn([](caf::event_based_actor* self) -> caf::behavior {
    self->set_default_handler(
      [](caf::scheduled_actor* s, caf::message_view&) -> caf::result<caf::message> {
        return s->make_response_promise(); // never delivered
      });
    return {[](int) {}};
  });
  fx.track(tree, "tree");
  router_options opts;
  opts.shard_count = 2;
  opts.via = tree;
  opts.request_timeout = std::chrono::milliseconds{50};
  auto router = spawn_router(fx.sys(), opts);
  fx.track(router, "router");
  auto keys = spread_keys(2, 1);
  auto replies = batch(fx, router, {{"GET", keys[0]}, {"GET", keys[1]}, {"MGET", keys[0], keys[1]}});
  REQUIRE(replies.size() == 3);
  for (auto& r : replies) {
    REQUIRE(r.is_error());
    CHECK_THAT(r.str(), Catch::Contains("unavailable: no answer within 50 ms"));
  }
  // The router goes on: a second batch times out the same way, not earlier.
  auto again = batch(fx, router, {{"GET", keys[0]}});
  REQUIRE(again.size() == 1);
  CHECK_THAT(again.front().str(), Catch::Contains("no answer within 50 ms"));
}
