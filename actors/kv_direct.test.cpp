#include "actors/kv_direct.hpp"

#include "actors/kv_client.hpp"
#include "actors/router.hpp"
#include "actors/shard_test_util.hpp"

#include <algorithm>

using namespace keel::actors;
using namespace keel::actors::test;

namespace {

// Sends `cmds` straight to the hosts; the replies arrive at `p` as one message.
bool send_direct(kv_node& node, keel::testkit::probe& p, std::vector<kv_command> cmds) {
  kv_done done = [to = p.handle()](std::vector<kv_reply> replies, caf::execution_unit* ctx) {
    enqueue_from(ctx, to, caf::make_message(std::move(replies)));
  };
  return kv_send_direct(*node.hosts, cmds, done);
}

std::vector<kv_reply> direct(kv_node& node, keel::testkit::probe& p,
                             std::vector<kv_command> cmds) {
  REQUIRE(send_direct(node, p, std::move(cmds)));
  auto [replies] = p.expect_message<std::vector<kv_reply>>();
  return replies;
}

} // namespace

TEST_CASE("the shard directory holds the hosts that serve and forgets stale ones",
          "[direct]") {
  fixture fx{shard_fixture()};
  shard_directory dir{2};
  auto p1 = fx.make_probe();
  auto p2 = fx.make_probe();
  CHECK_FALSE(dir.all_serving());
  CHECK_FALSE(dir.get(0));
  dir.update(0, p1.handle(), true);
  CHECK(dir.get(0) == p1.handle());
  CHECK_FALSE(dir.all_serving());
  dir.update(1, p2.handle(), true);
  CHECK(dir.all_serving());
  // A successor replaces its predecessor, whose late "not serving" then changes nothing.
  dir.update(0, p2.handle(), true);
  dir.update(0, p1.handle(), false);
  CHECK(dir.get(0) == p2.handle());
  CHECK(dir.all_serving());
  dir.update(0, p2.handle(), false);
  CHECK_FALSE(dir.get(0));
  CHECK_FALSE(dir.all_serving());
  dir.update(7, p1.handle(), true); // no such shard
  CHECK_FALSE(dir.get(7));
}

TEST_CASE("a batch sent straight to the shard hosts gets the router's replies", "[direct]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 4};
  // The hosts published themselves before the start returned.
  REQUIRE(node.hosts->all_serving());
  auto p = fx.make_probe();
  auto keys = spread_keys(4, 3);
  auto [mset, mget] = mset_mget(keys);
  std::vector<kv_command> cmds{mset,
                               {"INCR", keys[0] + ":n"},
                               mget,
                               {"EXISTS", keys[0], keys[1], "missing"},
                               {"DEL", keys[2], keys[3], "missing"},
                               {"DBSIZE"},
                               {"GET", keys[2]},
                               {"NOPE"}};
  // A second node answers the same batch through its router: the replies are the same.
  kv_node other{fx, 4};
  auto via_router = batch(fx, other.router, cmds);
  auto r = direct(node, p, cmds);
  CHECK(r == via_router);
  REQUIRE(r.size() == cmds.size());
  CHECK(r[0] == kv_reply::ok());
  CHECK(r[2].elements().size() == keys.size() + 1);
  CHECK(r[5] == kv_reply::integer(static_cast<int64_t>(keys.size()) - 2 + 1));
  CHECK(r[7].is_error());
  // The same state through the router: both paths reach the same hosts.
  CHECK(batch(fx, node.router, {mget, {"GET", keys[0] + ":n"}})
        == direct(node, p, {mget, {"GET", keys[0] + ":n"}}));
  CHECK(direct(node, p, {}).empty());
}

TEST_CASE("a transaction runs in its shard; one across shards is refused without a part sent, "
          "straight and through the router",
          "[direct]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 4};
  auto p = fx.make_probe();
  auto keys = spread_keys(4, 2); // two keys in each shard
  std::vector<std::string> one_shard;
  for (auto& k : keys)
    if (shard_of(k, 4) == shard_of(keys[0], 4))
      one_shard.push_back(k);
  REQUIRE(one_shard.size() == 2);
  auto other = *std::find_if(keys.begin(), keys.end(),
                             [&](auto& k) { return shard_of(k, 4) != shard_of(keys[0], 4); });
  auto txn = kv_transaction({{"SET", one_shard[0], "1"}, {"INCR", one_shard[0]},
                             {"MSET", one_shard[0], "5", one_shard[1], "6"}, {"GET", one_shard[1]}});
  auto across = kv_transaction({{"SET", one_shard[0], "x"}, {"SET", other, "y"}});
  for (auto* to : {&node.router, static_cast<caf::actor*>(nullptr)}) {
    auto run = [&](std::vector<kv_command> cmds) {
      return to != nullptr ? batch(fx, *to, cmds) : direct(node, p, cmds);
    };
    auto r = run({txn});
    REQUIRE(r.size() == 1);
    CHECK(r[0] == kv_reply::array({kv_reply::ok(), kv_reply::integer(2), kv_reply::ok(),
                                   kv_reply::bulk("6")}));
    r = run({across}); // only refused commands: answered without any shard
    REQUIRE(r.size() == 1);
    CHECK(r[0].is_error());
    CHECK(r[0].str().rfind("CROSSSLOT", 0) == 0);
    r = run({{"GET", other}, across, {"GET", one_shard[0]}});
    REQUIRE(r.size() == 3);
    CHECK(r[0] == kv_reply::null());
    CHECK(r[1].is_error());
    CHECK(r[2] == kv_reply::bulk("5"));
  }
}

TEST_CASE("a write sent straight to a host is answered only once it is durable", "[direct]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 2};
  auto p = fx.make_probe();
  auto keys = spread_keys(2, 2);
  CHECK(direct(node, p, {{"SET", "warm", "up"}}).front() == kv_reply::ok());
  node.fs->hold_syncs();
  REQUIRE(send_direct(node, p, {{"SET", keys[0], "a"}, {"SET", keys[1], "b"}, {"GET", keys[0]}}));
  // Both hosts ran their part (they answer shard_info after it); their records are not durable.
  for (uint32_t k = 0; k < 2; ++k) {
    auto info = info_of(fx, node.shard_sup(fx, k));
    CHECK(info.durable_lsn + 1 < info.next_lsn);
  }
  CHECK_FALSE(p.try_next(std::chrono::milliseconds{50}).has_value());
  node.fs->release_syncs();
  auto [r] = p.expect_message<std::vector<kv_reply>>();
  CHECK(r == std::vector<kv_reply>{kv_reply::ok(), kv_reply::ok(), kv_reply::bulk("a")});
  for (uint32_t k = 0; k < 2; ++k) {
    auto m = durable_state(*node.fs, shard_dir("/data", k));
    for (size_t i = 0; i < 2; ++i)
      if (shard_of(keys[i], 2) == k)
        CHECK(get_in(*m, keys[i]) == (i == 0 ? "a" : "b"));
  }
}

TEST_CASE("a host that dies after running its part still has it answered once durable; the "
          "directory names its successor",
          "[direct][restart]") {
  auto mode = shard_fixture();
  mode.event_bus = true; // for await_restart
  fixture fx{mode};
  kv_node node{fx, 2};
  auto p = fx.make_probe();
  auto keys = spread_keys(2, 1);
  CHECK(direct(node, p, {{"SET", keys[0], "1"}, {"SET", keys[1], "1"}})
        == std::vector<kv_reply>{kv_reply::ok(), kv_reply::ok()});
  auto k0 = shard_of(keys[0], 2);
  auto host = child_of(fx, node.shard_sup(fx, k0), "sm");
  CHECK(node.hosts->get(k0) == host);
  node.fs->hold_syncs();
  REQUIRE(send_direct(node, p, {{"INCR", keys[0]}, {"INCR", keys[1]}}));
  (void) info_of(fx, node.shard_sup(fx, k0)); // the host ran its part
  auto w = fx.make_probe();
  w.watch(host);
  caf::anon_send_exit(host, caf::exit_reason::unhandled_exception); // crash
  w.expect_terminated(host);
  // The record was logged before the crash: the writer answers the part once it is durable.
  CHECK_FALSE(p.try_next(std::chrono::milliseconds{50}).has_value());
  node.fs->release_syncs();
  auto [r] = p.expect_message<std::vector<kv_reply>>();
  CHECK(r == std::vector<kv_reply>{kv_reply::integer(2), kv_reply::integer(2)});
  // The successor publishes itself; its state is what the log held.
  auto again = fx.await_restart("shard-" + std::to_string(k0), "sm");
  CHECK(again != host);
  CHECK(node.hosts->get(k0) == again);
  CHECK(node.hosts->all_serving());
  auto logged = get_in(*durable_state(*node.fs, shard_dir("/data", k0)), keys[0]);
  CHECK(direct(node, p, {{"GET", keys[0]}}).front() == kv_reply::bulk(logged));
}

TEST_CASE("a batch whose host drops it unanswered is failed, not lost", "[direct]") {
  fixture fx{shard_fixture()};
  shard_directory dir{1};
  // A "host" that quits on its first batch without answering it.
  auto host = fx.sys().spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](batch_atom, request_sink_ptr<kv_command, kv_reply>& sink) {
      (void) sink->take(); // taken, then dropped unanswered: it was in flight
      self->quit();
    }};
  });
  fx.track(host, "host");
  auto p = fx.make_probe();
  dir.update(0, host, true);
  std::vector<kv_command> cmds{{"GET", "a"}, {"GET", "b"}};
  kv_done done = [to = p.handle()](std::vector<kv_reply> replies, caf::execution_unit*) {
    caf::anon_send(to, std::move(replies));
  };
  REQUIRE(kv_send_direct(dir, cmds, done));
  auto [r] = p.expect_message<std::vector<kv_reply>>();
  REQUIRE(r.size() == 2);
  for (auto& x : r)
    CHECK_THAT(x.str(), Catch::Contains("ERR shard 0 unavailable: the shard restarted while the "
                                        "command was in flight"));
  // A batch that reaches the host only after it is gone never ran: "not applied".
  p.watch(host);
  p.expect_terminated(host);
  std::vector<kv_command> late{{"SET", "a", "1"}};
  kv_done late_done = [to = p.handle()](std::vector<kv_reply> replies, caf::execution_unit*) {
    caf::anon_send(to, std::move(replies));
  };
  REQUIRE(kv_send_direct(dir, late, late_done));
  auto [r2] = p.expect_message<std::vector<kv_reply>>();
  REQUIRE(r2.size() == 1);
  CHECK_THAT(r2[0].str(), Catch::Contains("ERR shard 0 unavailable: the shard restarted before "
                                          "the command reached it; it was not applied, retry"));
  // No host, no direct path: the caller keeps its batch for the router.
  dir.update(0, host, false);
  std::vector<kv_command> more{{"GET", "a"}};
  CHECK_FALSE(kv_send_direct(dir, more, done));
  CHECK(more == std::vector<kv_command>{{"GET", "a"}});
}

TEST_CASE("a write whose sync fails is answered with an error naming the shard, not OK",
          "[direct][restart]") {
  auto mode = shard_fixture();
  mode.event_bus = true; // to wait for the restart
  fixture fx{mode};
  kv_node node{fx, 1};
  auto p = fx.make_probe();
  CHECK(direct(node, p, {{"SET", "before", "1"}}).front() == kv_reply::ok());
  // Held until the host handed its replies over: a hand-over that reaches the writer after it
  // left is failed as "unavailable" instead (also an error, but not the one checked here).
  node.fs->hold_syncs();
  node.fs->fail_nth(keel::wal::fault_file_system::op::fdatasync, 1, EIO);
  REQUIRE(send_direct(node, p, {{"SET", "a", "1"}, {"SET", "b", "2"}}));
  REQUIRE(node.fs->await_held_syncs(1, keel::testkit::default_timeout()));
  (void) info_of(fx, node.shard_sup(fx, 0));
  node.fs->release_syncs();
  auto [r] = p.expect_message<std::vector<kv_reply>>();
  REQUIRE(r.size() == 2);
  for (auto& x : r) {
    REQUIRE(x.is_error());
    CHECK_THAT(x.str(), Catch::Contains("shard 0")
                          && Catch::Contains("the WAL failed to store these writes"));
  }
  // The shard restarts from its log, which holds what was acknowledged (writer first).
  using keel::supervision::event_type;
  for (auto [type, child] : {std::pair{event_type::child_exited, "wal"},
                             std::pair{event_type::child_started, "wal"},
                             std::pair{event_type::child_started, "sm"}})
    fx.await_event([type = type, child = child](const keel::supervision::event& ev) {
      return ev.type == type && ev.supervisor == "shard-0" && ev.child == child;
    });
  auto sup = node.shard_sup(fx, 0);
  CHECK(exec(fx, sup, {"GET", "before"}) == kv_reply::bulk("1"));
}

TEST_CASE("the in-process client sends straight to the hosts when given the directory",
          "[direct][client]") {
  fixture fx{shard_fixture()};
  kv_node node{fx, 3};
  // No router: only the hosts can answer.
  keel::kv::client c{fx.sys(), caf::actor{}, default_timeout(), node.hosts};
  auto keys = spread_keys(3, 1);
  for (auto& k : keys)
    CHECK(!c.set(k, "v:" + k));
  auto piped = c.pipeline({{"MGET", keys[0], keys[1], keys[2]}, {"INCR", "n"}, {"DBSIZE"}});
  REQUIRE(piped);
  CHECK(piped->at(0)
        == kv_reply::array({kv_reply::bulk("v:" + keys[0]), kv_reply::bulk("v:" + keys[1]),
                            kv_reply::bulk("v:" + keys[2])}));
  CHECK(piped->at(1) == kv_reply::integer(1));
  CHECK(piped->at(2) == kv_reply::integer(4));
  auto n = c.incr("n", 4);
  REQUIRE(n);
  CHECK(*n == 5);
  auto p = fx.make_probe();
  auto to = p.handle();
  c.async({"GET", "n"}, [to](caf::expected<kv_reply> r) {
    caf::anon_send(to, r ? r->str() : std::string{"error"});
  });
  CHECK(std::get<0>(p.expect_message<std::string>()) == "5");
  // What went straight to the hosts is what the router sees.
  keel::kv::client via_router{fx.sys(), node.router, default_timeout()};
  auto v = via_router.get(keys[1]);
  REQUIRE(v);
  CHECK(*v == std::optional<std::string>{"v:" + keys[1]});
}
