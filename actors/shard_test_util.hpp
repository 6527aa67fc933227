// Helpers shared by the shard, shards and router tests (not part of the library).
#pragma once

#include "actors/kv_shard.hpp"
#include "actors/kv_state_machine.hpp"
#include "actors/router.hpp"
#include "actors/shard_directory.hpp"
#include "actors/shard.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"
#include "config/node_config.hpp"
#include "supervision/child_ref.hpp"
#include "supervision/client.hpp"
#include "supervision/events.hpp"
#include "testkit/fixture.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace keel::actors::test {

using keel::testkit::default_timeout;
using keel::testkit::fixture;
using keel::testkit::fixture_options;

/// A fixture whose system renders keel_shard, keel_wal and keel_sup errors.
inline fixture_options shard_fixture() {
  fixture_options o;
  o.configure = [](caf::actor_system_config& cfg) { add_error_category(cfg); };
  return o;
}

/// A wall clock the test moves by hand (milliseconds since the epoch).
struct manual_clock {
  std::shared_ptr<std::atomic<int64_t>> ms = std::make_shared<std::atomic<int64_t>>(1000000);

  std::function<time_point()> fn() const {
    return [ms = ms] { return time_point{std::chrono::milliseconds{ms->load()}}; };
  }
  void advance(int64_t d) const { *ms += d; }
};

/// Options of shard `k` on the in-memory file system `fs` under /data (group commit).
inline shard_options kv_shard_options(std::shared_ptr<wal::fault_file_system> fs, uint32_t k = 0,
                                      const manual_clock* clock = nullptr) {
  fs->mkdir("/data");
  shard_options o;
  o.wal.dir = shard_dir("/data", k);
  o.wal.shard = k;
  o.wal.segment_size = 256 * 1024;
  o.wal.preallocate = false;
  o.wal.fs = fs;
  o.host.shard = k;
  o.host.tick_interval = std::chrono::milliseconds{0};
  if (clock != nullptr)
    o.host.clock = clock->fn();
  o.startup_timeout = default_timeout();
  o.flags.intensity = 20;
  return o;
}

/// The shards of `cfg` on the in-memory `fs` (no preallocation, no ticks, 20 restarts allowed).
inline shards_options in_memory_shards(const config::node_config& cfg,
                                       std::shared_ptr<wal::fault_file_system> fs) {
  auto opts = shards_options_from(cfg, caf::actor{});
  opts.shard = [cfg, f = std::move(fs)](uint32_t k) {
    auto o = shard_options_from(cfg, k);
    o.wal.fs = f;
    o.wal.preallocate = false;
    o.host.tick_interval = std::chrono::milliseconds{0};
    o.flags.intensity = 20;
    return o;
  };
  return opts;
}

/// Starts shard supervisor `k` and tracks it.
inline caf::actor start_kv_shard(fixture& fx, shard_options o) {
  auto sup = supervision::start_supervisor(
    fx.sys(), shard_supervisor_options<kv_command, kv_reply>(std::move(o), kv_machine_factory()));
  REQUIRE(sup);
  fx.track(*sup, "shard supervisor");
  return *sup;
}

/// The reply of `msg` sent as a request to `dest` (a child_ref envelope or a plain message).
template <class T>
caf::expected<T> ask(fixture& fx, const caf::actor& dest, caf::message msg) {
  caf::scoped_actor self{fx.sys()};
  caf::expected<T> out{caf::sec::request_timeout};
  self->request(dest, default_timeout(), std::move(msg))
    .receive([&](T& x) { out = std::move(x); }, [&](caf::error& err) { out = std::move(err); });
  return out;
}

/// Runs one KV command on the host of shard supervisor `sup`.
inline kv_reply exec(fixture& fx, const caf::actor& sup, kv_command cmd) {
  supervision::child_ref sm{sup, "sm"};
  auto r = ask<kv_reply>(fx, sup, sm.envelope_of(exec_atom::value, std::move(cmd)));
  if (!r)
    FAIL("exec failed: " << describe_error(r.error()));
  return *r;
}

/// The host's counters.
inline shard_info info_of(fixture& fx, const caf::actor& sup) {
  supervision::child_ref sm{sup, "sm"};
  auto r = ask<shard_info>(fx, sup, sm.envelope_of(shard_info_atom::value));
  if (!r)
    FAIL("shard_info failed: " << describe_error(r.error()));
  return *r;
}

/// The current incarnation of child `id` of `sup`.
inline caf::actor child_of(fixture& fx, const caf::actor& sup, const std::string& id) {
  supervision::supervisor_client c{fx.sys(), sup};
  auto kids = c.which_children();
  REQUIRE(kids);
  for (auto& k : *kids)
    if (k.id == id)
      return k.hdl;
  FAIL("no child " << id);
  return {};
}

/// The KV state a crash of `fs` right now would leave in shard directory `dir`.
inline std::unique_ptr<kv_state_machine> durable_state(const wal::fault_file_system& fs,
                                                       const std::string& dir) {
  auto image = fs.crash_image();
  auto r = wal::test::run_recovery(*image, dir, wal::recovery_mode::tolerate_torn_tail, false);
  REQUIRE(!r.err);
  auto m = std::make_unique<kv_state_machine>();
  if (r.has_snapshot)
    REQUIRE(!m->restore(r.snapshot));
  for (auto& rec : r.records)
    REQUIRE(!m->replay(rec.payload, rec.lsn));
  return m;
}

/// GET `key` on a machine, as a test would see it (bulk value or "(nil)").
inline std::string get_in(kv_state_machine& m, const std::string& key, lsn next = 1u << 30) {
  auto r = m.execute({"GET", key}, time_point{std::chrono::milliseconds{1000000}}, next);
  return r.reply.type() == kv_reply::kind::bulk ? r.reply.str() : "(nil)";
}

/// keel-node's layout: root -> {"shards", "router", "router#2", ...} on the in-memory `fs`.
struct kv_node {
  std::shared_ptr<keel::wal::fault_file_system> fs =
    std::make_shared<keel::wal::fault_file_system>();
  caf::actor root;
  caf::actor router; // lane 0
  uint32_t count;
  std::shared_ptr<shard_directory> hosts; // where the shard hosts publish themselves

  kv_node(fixture& fx, uint32_t n, uint32_t lanes = 1)
    : count(n), hosts(std::make_shared<shard_directory>(n)) {
    keel::config::node_config cfg;
    cfg.node.data_dir = "/data";
    cfg.shards.count = n;
    cfg.shards.segment_bytes = 1 << 20;
    cfg.shards.startup_timeout_ms = static_cast<uint32_t>(default_timeout().count());
    fs->mkdir("/data");
    auto opts = in_memory_shards(cfg, fs);
    opts.events = fx.events(); // invalid unless the fixture has an event bus
    opts.shard = [make = opts.shard, d = hosts](uint32_t k) {
      auto o = make(k);
      o.host.on_serving = shard_directory::publisher(d, k);
      return o;
    };
    supervision::supervisor_options so;
    so.name = "root";
    so.flags.intensity = 10;
    so.events = fx.events(); // invalid unless the fixture has an event bus
    so.children.push_back(shards_child_of<kv_command, kv_reply>(opts, kv_machine_factory()));
    for (auto& r : router_children(cfg, lanes))
      so.children.push_back(std::move(r));
    auto sup = supervision::start_supervisor(fx.sys(), std::move(so));
    REQUIRE(sup);
    root = *sup;
    fx.track(root, "root");
    router = child_of(fx, root, "router");
  }

  caf::actor shard_sup(fixture& fx, uint32_t k) const {
    return child_of(fx, child_of(fx, root, "shards"), shard_child_id(k));
  }
};

/// The replies to `cmds` sent to `router` as one batch (fails the test on an error).
inline std::vector<kv_reply> batch(fixture& fx, const caf::actor& router, std::vector<kv_command> cmds) {
  auto r = ask<std::vector<kv_reply>>(fx, router,
                                      caf::make_message(kv_batch_atom::value, std::move(cmds)));
  if (!r)
    FAIL("batch failed: " << describe_error(r.error()));
  return *r;
}

/// `per_shard` keys for each of `n` shards (router.hpp's shard_of).
inline std::vector<std::string> spread_keys(uint32_t n, size_t per_shard) {
  std::vector<std::string> out;
  std::vector<size_t> have(n, 0);
  for (int i = 0; out.size() < n * per_shard; ++i) {
    auto key = "key:" + std::to_string(i);
    auto k = shard_of(key, n);
    if (have[k] < per_shard) {
      ++have[k];
      out.push_back(key);
    }
  }
  return out;
}

/// MSET of keys[i] to "v<i>" for every key, and MGET of every key then "missing".
inline std::pair<kv_command, kv_command> mset_mget(const std::vector<std::string>& keys) {
  kv_command mset{"MSET"};
  kv_command mget{"MGET"};
  for (size_t i = 0; i < keys.size(); ++i) {
    mset.push_back(keys[i]);
    mset.push_back("v" + std::to_string(i));
    mget.push_back(keys[i]);
  }
  mget.push_back("missing");
  return {mset, mget};
}

using keel::testkit::await_running;

} // namespace keel::actors::test
