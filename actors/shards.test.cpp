#include "actors/shards.hpp"

#include "actors/shard_test_util.hpp"
#include "config/node_config.hpp"

using namespace keel::actors;
using namespace keel::actors::test;
using keel::supervision::supervisor_client;
using keel::supervision::supervisor_options;

namespace {

// The KV shards of `cfg` on the in-memory `fs` (the config's data_dir inside it).
keel::supervision::child_spec kv_shards(const keel::config::node_config& cfg,
                                        std::shared_ptr<keel::wal::fault_file_system> fs) {
  fs->mkdir(cfg.node.data_dir);
  auto opts = shards_options_from(cfg, caf::actor{});
  opts.shard = [cfg, fs](uint32_t k) {
    auto o = shard_options_from(cfg, k);
    o.wal.fs = fs;
    o.wal.preallocate = false;
    o.host.tick_interval = std::chrono::milliseconds{0};
    return o;
  };
  return shards_child_of<kv_command, kv_reply>(opts, kv_machine_factory());
}

keel::config::node_config small_node(uint32_t shards) {
  keel::config::node_config cfg;
  cfg.node.data_dir = "/data";
  cfg.shards.count = shards;
  cfg.shards.segment_bytes = 1 << 20;
  return cfg;
}

} // namespace

TEST_CASE("shard options come from the node config", "[shards][config]") {
  auto cfg = small_node(3);
  cfg.node.data_dir = "/var/lib/keel/";
  cfg.shards.sync = keel::config::sync_policy::interval;
  cfg.shards.sync_interval_ms = 7;
  cfg.shards.recovery = keel::config::recovery_mode::point_in_time;
  cfg.shards.snapshot_threshold_bytes = 4096;
  cfg.shards.startup_timeout_ms = 1234;
  auto o = shard_options_from(cfg, 2);
  CHECK(o.wal.dir == "/var/lib/keel/shard-2");
  CHECK(o.wal.shard == 2);
  CHECK(o.wal.sync == keel::wal::sync_policy::interval);
  CHECK(o.wal.sync_interval == std::chrono::milliseconds{7});
  CHECK(o.wal.recovery == keel::wal::recovery_mode::point_in_time);
  CHECK(o.wal.segment_size == (1u << 20));
  CHECK(o.host.snapshot_threshold_bytes == 4096);
  CHECK(o.startup_timeout == std::chrono::milliseconds{1234});
  auto all = shards_options_from(cfg, caf::actor{});
  CHECK(all.count == 3);
  CHECK(all.startup_timeout == std::chrono::milliseconds{1234});
  CHECK(shard_child_id(0) == "shard#1");
}

TEST_CASE("the shards subtree starts every configured shard in its own directory",
          "[shards]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  auto cfg = small_node(4);
  fixture fx{shard_fixture()};
  supervisor_options root;
  root.name = "root";
  root.children.push_back(kv_shards(cfg, fs));
  auto sup = keel::supervision::start_supervisor(fx.sys(), std::move(root));
  REQUIRE(sup);
  fx.track(*sup, "root");
  auto shards = child_of(fx, *sup, "shards");
  REQUIRE(shards);
  supervisor_client c{fx.sys(), shards};
  auto kids = c.which_children();
  REQUIRE(kids);
  REQUIRE(kids->size() == 4);
  for (uint32_t k = 0; k < 4; ++k) {
    CHECK((*kids)[k].id == shard_child_id(k));
    CHECK((*kids)[k].hdl);
    CHECK(fs->exists("/data/shard-" + std::to_string(k) + "/LOCK"));
    auto shard_sup = child_of(fx, shards, shard_child_id(k));
    CHECK(info_of(fx, shard_sup).shard == k);
  }
}

TEST_CASE("a shard that does not start within the configured start-up timeout fails the start "
          "naming that timeout",
          "[shards][config]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  auto cfg = small_node(2);
  cfg.shards.startup_timeout_ms = 150;
  fixture fx{shard_fixture()};
  auto before = fx.sys().registry().running();
  supervisor_options root;
  root.name = "root";
  root.children.push_back(kv_shards(cfg, fs));
  // The writers' first segment sync never returns: recovery cannot finish.
  fs->hold_syncs();
  auto sup = keel::supervision::start_supervisor(fx.sys(), std::move(root));
  fs->release_syncs();
  REQUIRE_FALSE(sup);
  auto text = describe_error(sup.error());
  INFO(text);
  // The subtree's shards start in parallel: it gets twice the per-shard 150 ms.
  CHECK(text.find("'shards' did not report ready within 300 ms") != std::string::npos);
  // The abandoned writers leave once their sync returned.
  CHECK(await_running(fx.sys(), before));
}
