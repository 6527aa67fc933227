#include "runtime/node.hpp"

#include "actors/kv_shard.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shard_layout.hpp"
#include "runtime/cluster.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics_subscriber.hpp"
#include "runtime/root.hpp"
#include "runtime/scheduler.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "wal/errc.hpp"

namespace keel::runtime {

node::node(config::node_config cfg) : cfg_(std::move(cfg)) {
  // nop
}

node::~node() {
  if (root_)
    stop();
}

caf::error node::start(down_callback on_down, shutdown_callback on_shutdown) {
  auto layout = actors::check_shard_layout(cfg_.node.data_dir, cfg_.shards.count,
                                           config::local_shards(cfg_),
                                           actors::key_hash_of(cfg_.shards));
  if (!layout.empty())
    return actors::make_error(actors::shard_errc::bad_layout, layout);
  sys_cfg_ = std::make_unique<caf::actor_system_config>();
  auto threads = scheduler_threads(cfg_.node.scheduler_threads, cfg_.gateway.enabled);
  sys_cfg_->set("scheduler.max-threads", threads);
  sys_cfg_->set("logger.verbosity", caf::atom("quiet"));
  tune_scheduler(*sys_cfg_);
  supervision::add_error_category(*sys_cfg_);
  wal::add_error_category(*sys_cfg_);
  actors::add_error_category(*sys_cfg_);
  configure_cluster(*sys_cfg_, cfg_);
  sys_ = std::make_unique<caf::actor_system>(*sys_cfg_);
  logger("keel.runtime")->debug("actor system up with {} scheduler threads", threads);
  bus_ = supervision::spawn_event_bus(*sys_);
  metrics_subscriber_ = spawn_metrics_subscriber(*sys_, metrics_, bus_);
  // The shards subtree gets twice the per-shard start-up timeout (shards.hpp); pools follow.
  auto timeout =
    std::chrono::milliseconds{cfg_.shards.startup_timeout_ms} * 3 + std::chrono::seconds{5};
  for (auto& pc : cfg_.pools)
    timeout += std::chrono::milliseconds{pc.request_timeout_ms} + std::chrono::seconds{30};
  auto root = supervision::start_supervisor(
    *sys_, root_options(cfg_, bus_, metrics_, std::move(on_shutdown)), timeout);
  if (!root) {
    caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(metrics_subscriber_, caf::exit_reason::user_shutdown);
    bus_ = nullptr;
    metrics_subscriber_ = nullptr;
    sys_.reset();
    sys_cfg_.reset();
    return std::move(root.error());
  }
  root_ = std::move(*root);
  if (on_down) {
    // The node keeps a handle: CAF terminates an actor that nobody can reach anymore.
    watcher_ = sys_->spawn([root = root_, on_down](caf::event_based_actor* self) -> caf::behavior {
      self->monitor(root);
      self->set_down_handler([self, on_down](caf::down_msg& dm) {
        on_down(dm.reason);
        self->quit();
      });
      return {[](int) {}};
    });
  }
  return caf::none;
}

void node::request_stop() {
  if (root_)
    caf::anon_send_exit(root_, caf::exit_reason::user_shutdown);
}

caf::error node::stop() {
  if (!root_)
    return caf::none;
  caf::error reason;
  {
    caf::scoped_actor self{*sys_, true};
    self->monitor(root_);
    self->send_exit(root_, caf::exit_reason::user_shutdown);
    self->receive([&](caf::down_msg& dm) { reason = std::move(dm.reason); });
  }
  caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(metrics_subscriber_, caf::exit_reason::user_shutdown);
  root_ = nullptr;
  watcher_ = nullptr;
  bus_ = nullptr;
  metrics_subscriber_ = nullptr;
  sys_.reset(); // waits for every actor of the tree
  sys_cfg_.reset();
  if (reason == caf::exit_reason::user_shutdown)
    return caf::none;
  return reason;
}

} // namespace keel::runtime
