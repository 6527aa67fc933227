#include "actors/shards.hpp"

#include "config/node_config.hpp"

namespace keel::actors {

shards_options shards_options_from(const config::node_config& cfg, caf::actor events) {
  shards_options out;
  out.count = cfg.shards.count;
  out.ids = config::local_shards(cfg);
  out.shard = [cfg](uint32_t k) { return shard_options_from(cfg, k); };
  out.startup_timeout = std::chrono::milliseconds{cfg.shards.startup_timeout_ms};
  out.events = std::move(events);
  return out;
}

std::string shard_child_id(uint32_t i) {
  return "shard#" + std::to_string(i + 1);
}

caf::message shard_host_envelope(const std::vector<std::string>& path, uint32_t i,
                                 caf::message content) {
  auto m = caf::make_message(supervision::forward_atom::value, std::string{"sm"},
                             std::move(content));
  m = caf::make_message(supervision::forward_atom::value, shard_child_id(i), std::move(m));
  for (auto i = path.rbegin(); i != path.rend(); ++i)
    m = caf::make_message(supervision::forward_atom::value, *i, std::move(m));
  return m;
}

namespace detail {

namespace {

struct starter_state {
  // The starter keeps itself alive until it reported: the supervisor's start_context holds it
  // only weakly, and CAF would otherwise destroy it once idle.
  caf::actor keep_alive;
  caf::actor sup;
  bool sup_ready = false;
  uint32_t started = 0;
  bool done = false;
};

// Waits for the shards supervisor (its handle and its ready), then starts all shards at once.
caf::behavior starter(caf::stateful_actor<starter_state>* self, supervision::start_context outer,
                      std::vector<uint32_t> ids, std::chrono::milliseconds timeout) {
  auto count = static_cast<uint32_t>(ids.size());
  auto finish = [self, outer](caf::error err) {
    auto& st = self->state;
    if (st.done)
      return;
    st.done = true;
    if (err)
      outer.fail(std::move(err));
    else
      outer.ready();
    st.sup = nullptr;
    st.keep_alive = nullptr;
    self->quit();
  };
  auto go = [self, ids = std::move(ids), count, timeout, finish] {
    auto& st = self->state;
    if (!st.sup || !st.sup_ready)
      return;
    if (count == 0) {
      finish(caf::error{});
      return;
    }
    // In id order: the supervisor numbers its dynamic children in the order it starts them.
    for (auto k : ids)
      self
        ->request(st.sup, timeout, supervision::start_child_atom::value, caf::make_message(k))
        .then(
          [self, count, finish](const caf::actor&, const std::string&) {
            if (++self->state.started == count)
              finish(caf::error{});
          },
          [finish](caf::error& err) { finish(std::move(err)); });
  };
  self->state.keep_alive = caf::actor_cast<caf::actor>(self);
  return {
    [self, go](caf::actor& sup) {
      self->state.sup = std::move(sup);
      go();
    },
    [self, go](supervision::ready_atom, uint64_t) {
      self->state.sup_ready = true;
      go();
    },
    [finish](supervision::init_fail_atom, uint64_t, caf::error& err) { finish(std::move(err)); },
  };
}

} // namespace

caf::actor start_shards(const supervision::start_context& ctx, supervision::supervisor_options so,
                        std::vector<uint32_t> ids, std::chrono::milliseconds timeout) {
  auto& sys = ctx.system();
  auto helper = sys.spawn(starter, ctx, std::move(ids), timeout);
  auto sup = supervision::spawn_supervisor(sys, std::move(so),
                                           supervision::start_context{sys, helper, ctx.child_id()});
  caf::anon_send(helper, sup);
  return sup;
}

} // namespace detail

} // namespace keel::actors
