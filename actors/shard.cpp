#include "actors/shard.hpp"

#include "config/node_config.hpp"
#include "wal/writer_actor.hpp"

#include <caf/all.hpp>

namespace keel::actors {

namespace {

wal::sync_policy convert(config::sync_policy x) {
  switch (x) {
    case config::sync_policy::group:
      return wal::sync_policy::group;
    case config::sync_policy::interval:
      return wal::sync_policy::interval;
    case config::sync_policy::none:
      return wal::sync_policy::none;
  }
  return wal::sync_policy::group;
}

wal::recovery_mode convert(config::recovery_mode x) {
  switch (x) {
    case config::recovery_mode::tolerate_torn_tail:
      return wal::recovery_mode::tolerate_torn_tail;
    case config::recovery_mode::absolute:
      return wal::recovery_mode::absolute;
    case config::recovery_mode::point_in_time:
      return wal::recovery_mode::point_in_time;
    case config::recovery_mode::skip:
      return wal::recovery_mode::skip;
  }
  return wal::recovery_mode::tolerate_torn_tail;
}

} // namespace

std::string shard_dir(const std::string& data_dir, uint32_t k) {
  std::string out = data_dir;
  if (!out.empty() && out.back() != '/')
    out += '/';
  return out + "shard-" + std::to_string(k);
}

shard_options shard_options_from(const config::node_config& cfg, uint32_t k) {
  shard_options out;
  out.wal.dir = shard_dir(cfg.node.data_dir, k);
  out.wal.shard = k;
  out.wal.segment_size = cfg.shards.segment_bytes;
  out.wal.sync = convert(cfg.shards.sync);
  out.wal.sync_interval = std::chrono::milliseconds{cfg.shards.sync_interval_ms};
  out.wal.recovery = convert(cfg.shards.recovery);
  out.host.shard = k;
  out.host.snapshot_threshold_bytes = cfg.shards.snapshot_threshold_bytes;
  out.startup_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  out.host.recovery_timeout = out.startup_timeout;
  return out;
}

supervision::child_spec wal_writer_child(wal::options opts, std::shared_ptr<writer_slot> slot,
                                         std::chrono::milliseconds startup_timeout) {
  supervision::child_spec spec;
  spec.id = "wal";
  spec.start_timeout = startup_timeout;
  spec.start = [opts = std::move(opts), slot = std::move(slot),
                startup_timeout](const supervision::start_context& ctx)
    -> caf::expected<caf::actor> {
    if (auto err = wal::validate(opts))
      return err;
    auto w = wal::spawn_writer(ctx.system(), opts);
    slot->writer = w.address();
    // The writer answers only after its recovery: its first answer means "ready"; its exit
    // before that carries the reason (locked, corrupt, ...).
    ctx.system().spawn([w, ctx, startup_timeout](caf::event_based_actor* self) {
      self->set_down_handler([self, ctx](caf::down_msg& dm) {
        ctx.fail(dm.reason ? dm.reason : caf::make_error(caf::sec::runtime_error));
        self->quit();
      });
      self->monitor(w);
      self->request(w, startup_timeout, wal::status_atom::value)
        .then(
          [self, ctx](const wal::writer_status&) {
            ctx.ready();
            self->quit();
          },
          [self, ctx](caf::error& err) {
            if (err == caf::sec::request_receiver_down)
              return; // the down message carries the real reason
            ctx.fail(std::move(err));
            self->quit();
          });
    });
    return w;
  };
  return spec;
}

} // namespace keel::actors
