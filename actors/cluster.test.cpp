// Two nodes in one actor system: routers reach the other node's shards through its door, a
// lost door makes its shards answer CLUSTERDOWN at once, and requests flow again when it is
// back. The connector stands in for CAF's middleman (runtime tests run real processes).
#include "actors/cluster_door.hpp"
#include "actors/router.hpp"
#include "actors/shard_test_util.hpp"
#include "actors/shards.hpp"
#include "config/node_config.hpp"

#include <map>
#include <set>

using namespace keel::actors;
using namespace keel::actors::test;
using keel::supervision::supervisor_options;

namespace {

using put_atom = caf::atom_constant<caf::atom("put")>;

// Answers connects like CAF's middleman actor: the door published on a port, or an error.
caf::behavior fake_connector(caf::stateful_actor<std::map<uint16_t, caf::actor>>* self) {
  return {
    [self](caf::connect_atom, const std::string&, uint16_t port)
      -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
      auto i = self->state.find(port);
      if (i == self->state.end() || !i->second)
        return caf::make_error(caf::sec::cannot_connect_to_node, "connection refused");
      return {self->home_system().node(), caf::actor_cast<caf::strong_actor_ptr>(i->second),
              std::set<std::string>{}};
    },
    [self](put_atom, uint16_t port, caf::actor& door) { self->state[port] = std::move(door); },
  };
}

constexpr uint32_t shard_count = 2;

// A node hosting shard `k` of 2 (cluster port 7400 + k) with a router that knows the other.
struct node {
  std::shared_ptr<keel::wal::fault_file_system> fs =
    std::make_shared<keel::wal::fault_file_system>();
  caf::actor root;
  caf::actor router;
  uint32_t k;

  node(fixture& fx, uint32_t shard, const caf::actor& connector, const caf::actor& events,
       uint64_t placement = 1)
      : k(shard) {
    keel::config::node_config cfg;
    cfg.node.data_dir = "/data";
    cfg.shards.count = shard_count;
    fs->mkdir("/data");
    auto opts = in_memory_shards(cfg, fs);
    opts.ids = {k};
    supervisor_options so;
    so.name = "root";
    so.children.push_back(shards_child_of<kv_command, kv_reply>(opts, kv_machine_factory()));
    auto sup = keel::supervision::start_supervisor(fx.sys(), std::move(so));
    REQUIRE(sup);
    root = *sup;
    fx.track(root, "root");
    router_options ro;
    ro.shard_count = shard_count;
    ro.via = root;
    ro.path = {"shards"};
    ro.request_timeout = default_timeout();
    ro.owner = {-1, -1};
    ro.owner[1 - k] = 0;
    ro.peers = {router_peer{"node" + std::to_string(1 - k), "127.0.0.1",
                            static_cast<uint16_t>(7400 + 1 - k)}};
    ro.node_name = "node" + std::to_string(k);
    ro.placement = placement;
    ro.connector = connector;
    ro.reconnect_max = std::chrono::milliseconds{50};
    ro.on_peer = [events, k = k](const std::string& peer, bool up, const std::string& why) {
      caf::anon_send(events, k, peer, up, why);
    };
    router = spawn_router(fx.sys(), std::move(ro));
    fx.track(router, "router " + std::to_string(k));
  }

  // A door for this node's shard, published at its port of `connector`.
  caf::actor open_door(fixture& fx, const caf::actor& connector, uint64_t placement = 1) {
    cluster_door_options d;
    d.node_name = "node" + std::to_string(k);
    d.placement = placement;
    d.pos = {-1, -1};
    d.pos[k] = 0;
    d.via = root;
    d.path = {"shards"};
    auto door = spawn_cluster_door(fx.sys(), std::move(d));
    fx.track(door, "door " + std::to_string(k));
    caf::anon_send(connector, put_atom::value, static_cast<uint16_t>(7400 + k), door);
    return door;
  }
};

std::vector<kv_reply> run(fixture& fx, const caf::actor& router, std::vector<kv_command> cmds) {
  auto r = ask<std::vector<kv_reply>>(fx, router,
                                      caf::make_message(kv_batch_atom::value, std::move(cmds)));
  if (!r)
    FAIL("batch failed: " << describe_error(r.error()));
  return *r;
}

// A key of each shard.
std::string key_on(uint32_t k, int n = 0) {
  for (int i = 0;; ++i) {
    auto key = "key:" + std::to_string(i);
    if (shard_of(key, shard_count) == k && n-- == 0)
      return key;
  }
}

// Waits until the router of node `k` reports its peer up (or down: `up` false).
void await_peer(keel::testkit::probe& events, uint32_t k, bool up) {
  events.fish_for(
    [k, up](const caf::message& m) {
      return m.match_elements<uint32_t, std::string, bool, std::string>()
             && m.get_as<uint32_t>(0) == k && m.get_as<bool>(2) == up;
    },
    default_timeout());
}

} // namespace

TEST_CASE("routers reach the other node's shards through its door, both ways") {
  fixture fx{shard_fixture()};
  auto connector = fx.spawn(fake_connector);
  auto events = fx.make_probe("peers");
  node a{fx, 0, connector, events.handle()};
  node b{fx, 1, connector, events.handle()};
  a.open_door(fx, connector);
  b.open_door(fx, connector);
  // Both routers report their peer up, in either order.
  std::set<uint32_t> up;
  events.fish_for(
    [&up](const caf::message& m) {
      if (m.match_elements<uint32_t, std::string, bool, std::string>() && m.get_as<bool>(2))
        up.insert(m.get_as<uint32_t>(0));
      return up.size() == 2;
    },
    default_timeout());
  auto k0 = key_on(0);
  auto k1 = key_on(1);
  auto r = run(fx, a.router, {{"SET", k0, "zero"}, {"SET", k1, "one"}, {"INCR", "n"}});
  CHECK(r[0] == kv_reply::ok());
  CHECK(r[1] == kv_reply::ok());
  r = run(fx, b.router, {{"MGET", k0, k1}, {"DBSIZE"}, {"INCR", "n"}});
  CHECK(r[0] == kv_reply::array({kv_reply::bulk("zero"), kv_reply::bulk("one")}));
  CHECK(r[1] == kv_reply::integer(3));
  CHECK(r[2] == kv_reply::integer(2));
  // The key of shard 1 lives on node b only.
  CHECK(exec(fx, child_of(fx, child_of(fx, b.root, "shards"), shard_child_id(0)),
             {"GET", k1}) == kv_reply::bulk("one"));
  // Repeated requests go straight to the remote host and keep working.
  for (int i = 0; i < 20; ++i)
    CHECK(run(fx, a.router, {{"GET", k1}})[0] == kv_reply::bulk("one"));
}

TEST_CASE("a node whose door is gone answers CLUSTERDOWN at once; requests flow again when it is "
          "back") {
  fixture fx{shard_fixture()};
  auto connector = fx.spawn(fake_connector);
  auto events = fx.make_probe("peers");
  node a{fx, 0, connector, events.handle()};
  node b{fx, 1, connector, events.handle()};
  auto door_b = b.open_door(fx, connector);
  await_peer(events, 0, true);
  auto k0 = key_on(0);
  auto k1 = key_on(1);
  REQUIRE(run(fx, a.router, {{"SET", k1, "kept"}})[0] == kv_reply::ok());
  // The link to node b drops, as CAF reports a lost connection.
  caf::anon_send(connector, put_atom::value, uint16_t{7401}, caf::actor{});
  caf::anon_send_exit(door_b, caf::exit_reason::remote_link_unreachable);
  await_peer(events, 0, false);
  auto r = run(fx, a.router, {{"GET", k1}, {"SET", k0, "local"}, {"GET", k0}});
  REQUIRE(r[0].is_error());
  CHECK(r[0].str().rfind("CLUSTERDOWN shard 1 on node node1 unreachable (", 0) == 0);
  CHECK(r[1] == kv_reply::ok());
  CHECK(r[2] == kv_reply::bulk("local"));
  // A whole-keyspace command fails rather than answering for half the store.
  CHECK(run(fx, a.router, {{"DBSIZE"}})[0].is_error());
  // Node b is back: the router reconnects by itself.
  b.open_door(fx, connector);
  await_peer(events, 0, true);
  CHECK(run(fx, a.router, {{"GET", k1}})[0] == kv_reply::bulk("kept"));
}

TEST_CASE("a node with another placement is refused with a message that says so") {
  fixture fx{shard_fixture()};
  auto connector = fx.spawn(fake_connector);
  auto events = fx.make_probe("peers");
  node a{fx, 0, connector, events.handle(), 1};
  node b{fx, 1, connector, events.handle(), 2};
  b.open_door(fx, connector, 2);
  auto m = events.fish_for(
    [](const caf::message& m) {
      return m.match_elements<uint32_t, std::string, bool, std::string>()
             && m.get_as<uint32_t>(0) == 0
             && m.get_as<std::string>(3).find("another cluster placement") != std::string::npos;
    },
    default_timeout());
  CHECK(m.get_as<std::string>(1) == "node1");
  auto r = run(fx, a.router, {{"GET", key_on(1)}});
  REQUIRE(r[0].is_error());
  CHECK(r[0].str().find("has another cluster placement than node 'node0'; give every node the "
                        "same shards.count and cluster.nodes")
        != std::string::npos);
}
