#include "runtime/node.hpp"
#include "runtime/scheduler.hpp"

#include "supervision/client.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using keel::runtime::node;

namespace {

keel::config::node_config small_config(const keel::testkit::temp_dir& data) {
  keel::config::node_config cfg;
  cfg.node.data_dir = data.path();
  cfg.node.scheduler_threads = 2;
  cfg.shards.count = 2;
  cfg.gateway.enabled = false;
  cfg.http.enabled = false;
  return cfg;
}

} // namespace

TEST_CASE("a node starts its services under the root supervisor and stops cleanly") {
  keel::testkit::temp_dir data{"node"};
  node n{small_config(data)};
  REQUIRE_FALSE(n.start());
  REQUIRE(n.root());
  REQUIRE(n.events());
  keel::supervision::supervisor_client root{n.sys(), n.root()};
  auto children = root.which_children();
  REQUIRE(children);
  REQUIRE(children->size() >= 1);
  CHECK(children->front().id == "event_log");
  CHECK(children->front().hdl);
  CHECK_FALSE(n.stop());
  CHECK_FALSE(n.root());
}

TEST_CASE("a node reports its root going down to the start callback") {
  keel::testkit::temp_dir data{"node"};
  node n{small_config(data)};
  std::promise<caf::error> down;
  REQUIRE_FALSE(n.start([&](const caf::error& reason) { down.set_value(reason); }));
  n.request_stop();
  auto fut = down.get_future();
  REQUIRE(fut.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  CHECK(fut.get() == caf::exit_reason::user_shutdown);
  CHECK_FALSE(n.stop()); // already down: stop only collects it
}

TEST_CASE("a node whose root fails reports the failure from stop") {
  keel::testkit::temp_dir data{"node"};
  node n{small_config(data)};
  REQUIRE_FALSE(n.start());
  caf::anon_send_exit(n.root(), caf::exit_reason::kill);
  CHECK(n.stop() == caf::exit_reason::kill);
}

TEST_CASE("a node runs one scheduler thread per core, less one for the gateway's I/O thread") {
  using keel::runtime::scheduler_threads;
  CHECK(scheduler_threads(0, true, 2) == 1);
  CHECK(scheduler_threads(0, false, 2) == 2);
  CHECK(scheduler_threads(0, true, 16) == 15);
  CHECK(scheduler_threads(0, true, 1) == 1);
  CHECK(scheduler_threads(0, false, 0) == 1); // core count unknown
  CHECK(scheduler_threads(3, true, 16) == 3); // node.scheduler_threads wins
  keel::testkit::temp_dir data{"node"};
  auto cfg = small_config(data);
  cfg.node.scheduler_threads = 0; // the gateway is off here
  node n{cfg};
  REQUIRE_FALSE(n.start());
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(caf::get_or(n.sys().config(), "scheduler.max-threads", size_t{0}) == cores);
  CHECK_FALSE(n.stop());
}

TEST_CASE("a node runs one router lane per scheduler thread unless shards.routers says") {
  using keel::runtime::router_lanes;
  CHECK(router_lanes(0, false, 15) == 15);
  CHECK(router_lanes(0, false, 1) == 1);
  CHECK(router_lanes(0, true, 15) == 1); // a cluster: one lane keeps one link per peer
  CHECK(router_lanes(4, true, 15) == 4); // shards.routers wins
  CHECK(router_lanes(0, false, 0) == 1);
  auto lanes_of = [](keel::config::node_config cfg) {
    node n{cfg};
    REQUIRE_FALSE(n.start());
    keel::supervision::supervisor_client root{n.sys(), n.root()};
    auto children = root.which_children();
    REQUIRE(children);
    std::vector<std::string> ids;
    for (auto& c : *children)
      if (c.id.rfind("router", 0) == 0 && c.hdl)
        ids.push_back(c.id);
    CHECK_FALSE(n.stop());
    return ids;
  };
  keel::testkit::temp_dir data{"node"};
  auto cfg = small_config(data); // 2 scheduler threads
  CHECK(lanes_of(cfg) == std::vector<std::string>{"router", "router#2"});
  cfg.shards.routers = 3;
  CHECK(lanes_of(cfg) == std::vector<std::string>{"router", "router#2", "router#3"});
}
