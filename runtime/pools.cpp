#include "runtime/pools.hpp"

#include "actors/pool.hpp"
#include "actors/pool_atoms.hpp"
#include "actors/port.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace keel::runtime {

namespace {

caf::behavior echo_worker(caf::event_based_actor*) {
  return {
    [](actors::call_atom, caf::message& req) {
      return caf::make_message(actors::reply_atom::value, std::move(req));
    },
  };
}

} // namespace

supervision::start_fn echo_actor_worker() {
  return [](const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    auto w = ctx.system().spawn(echo_worker);
    ctx.ready();
    return w;
  };
}

supervision::child_spec pools_child(const config::node_config& cfg, caf::actor bus) {
  supervision::supervisor_options so;
  so.name = "pools";
  so.events = bus;
  so.flags.strategy = supervision::restart_strategy::one_for_one;
  so.flags.intensity = 5;
  so.flags.period = std::chrono::seconds{10};
  std::chrono::milliseconds total{0};
  for (auto& pc : cfg.pools) {
    auto worker = pc.kind == config::pool_kind::process
                    ? actors::port_worker(actors::port_options_from(pc))
                    : echo_actor_worker();
    auto opts = actors::pool_options_from(pc);
    opts.events = bus;
    so.start_timeout = std::max(so.start_timeout, opts.start_timeout);
    total += opts.start_timeout;
    so.children.push_back(actors::pool_child(std::move(opts), std::move(worker)));
  }
  // Pools start one after the other (ordered start), each pool's workers in parallel.
  auto spec = supervision::supervisor_child("pools", std::move(so));
  spec.start_timeout = total;
  return spec;
}

} // namespace keel::runtime
