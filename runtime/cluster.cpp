#include "runtime/cluster.hpp"

#include "actors/cluster_door.hpp"
#include "actors/kv_shard.hpp"
#include "actors/router.hpp"
#include "actors/shard_errc.hpp"
#include "runtime/logging.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <set>

namespace keel::runtime {

namespace {

struct publisher_state {
  caf::actor keep_alive; // the start_context holds its notify actor only weakly
};

// Publishes `door` at this node's address, then reports to the supervisor that starts it.
caf::behavior publisher(caf::stateful_actor<publisher_state>* self,
                        supervision::start_context ctx, caf::actor door, caf::actor connector,
                        std::string name, config::cluster_node where,
                        std::chrono::milliseconds timeout) {
  self->state.keep_alive = caf::actor_cast<caf::actor>(self);
  auto address = where.host + ":" + std::to_string(where.port);
  self
    ->request(connector, timeout, caf::publish_atom::value, where.port,
              caf::actor_cast<caf::strong_actor_ptr>(door), std::set<std::string>{}, where.host,
              true)
    .then(
      [self, ctx, door, connector, name, address, port = where.port](uint16_t) {
        logger("keel.cluster")
          ->info("cluster: node '{}' serves its shards to the other nodes on {}", name, address);
        // The port closes with the door, so a restarted door can listen on it again.
        door->attach_functor([connector, addr = door.address(), port] {
          caf::anon_send(connector, caf::unpublish_atom::value, addr, port);
        });
        ctx.ready();
        self->state.keep_alive = nullptr;
        self->quit();
      },
      [self, ctx, door, address](caf::error& err) {
        ctx.fail(actors::make_error(
          actors::shard_errc::bad_request,
          "cannot listen for cluster peers on " + address + ": "
            + self->home_system().render(err)
            + "; free that port or change this node's address in cluster.nodes"));
        caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
        self->state.keep_alive = nullptr;
        self->quit();
      });
  return {[](caf::unit_t) {}};
}

} // namespace

void configure_cluster(caf::actor_system_config& sys_cfg, const config::node_config& cfg) {
  if (cfg.cluster.nodes.empty())
    return;
  sys_cfg.load<caf::io::middleman>();
  // A peer that goes silent without closing its connection (a partition, a frozen host) is
  // dropped after 5 s without traffic; heartbeats keep idle links alive meanwhile.
  sys_cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds{1}});
  sys_cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{5}});
  actors::add_kv_message_types(sys_cfg);
}

caf::actor cluster_connector(caf::actor_system& sys, const config::node_config&) {
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

supervision::child_spec cluster_child(const config::node_config& cfg) {
  supervision::child_spec spec;
  spec.id = "cluster";
  spec.start = [cfg](const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    auto* self_node = config::this_node(cfg);
    if (self_node == nullptr)
      return actors::make_error(actors::shard_errc::bad_request,
                                "cluster.name '" + cfg.cluster.name
                                  + "' is not among cluster.nodes");
    std::vector<int32_t> owner(cfg.shards.count, 0);
    for (auto k : self_node->shards)
      owner[k] = -1;
    actors::cluster_door_options d;
    d.node_name = cfg.cluster.name;
    d.placement = config::placement_fingerprint(cfg);
    d.pos = actors::local_positions(cfg.shards.count, owner);
    d.via = ctx.notify();
    d.path = {"shards"};
    auto& sys = ctx.system();
    auto door = actors::spawn_cluster_door(sys, std::move(d));
    sys.spawn(publisher, ctx, door, cluster_connector(sys, cfg), cfg.cluster.name, *self_node,
              std::chrono::milliseconds{cfg.cluster.connect_timeout_ms} * 2);
    return door;
  };
  return spec;
}

std::function<void(const std::string&, bool, const std::string&)>
on_peer_logger(metrics_registry& registry) {
  return [&registry](const std::string& peer, bool up, const std::string& why) {
    registry
      .gauge("keel_cluster_peer_up", "1 while this node is connected to the peer, else 0.",
             {{"node", peer}})
      .set(up ? 1 : 0);
    if (up)
      logger("keel.cluster")->info("cluster: node '{}' is up", peer);
    else
      logger("keel.cluster")
        ->warn("cluster: node '{}' is unreachable ({}); its shards answer CLUSTERDOWN until it "
               "is back, retrying",
               peer, why);
  };
}

} // namespace keel::runtime
