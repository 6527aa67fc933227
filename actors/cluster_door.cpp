#include "actors/cluster_door.hpp"

#include "actors/router.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"

namespace keel::actors {

namespace {

struct door_state {
  std::string node_name;
  uint64_t placement = 0;
  std::vector<int32_t> pos;
  caf::weak_actor_ptr via;
  std::vector<std::string> path;

  static inline const char* name = "keel.cluster_door";
};

caf::behavior door(caf::stateful_actor<door_state>* self, cluster_door_options opts) {
  auto& st = self->state;
  st.node_name = std::move(opts.node_name);
  st.placement = opts.placement;
  st.pos = std::move(opts.pos);
  st.via = caf::actor_cast<caf::weak_actor_ptr>(opts.via);
  st.path = std::move(opts.path);
  return {
    [self](hello_atom, const std::string& peer, uint64_t placement) -> caf::result<std::string> {
      auto& st = self->state;
      if (placement != st.placement)
        return make_error(shard_errc::bad_request,
                          "node '" + st.node_name + "' has another cluster placement than node '"
                            + peer + "'; give every node the same shards.count and "
                                     "cluster.nodes");
      return st.node_name;
    },
    [self](batch_atom, uint32_t k, uint64_t id, std::vector<kv_command>& cmds) {
      auto& st = self->state;
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (k >= st.pos.size() || st.pos[k] < 0) {
        if (to)
          self->send(to, result_atom::value, id,
                     make_error(shard_errc::bad_request,
                                "shard " + std::to_string(k) + " is not hosted by node '"
                                  + st.node_name
                                  + "'; check that cluster.nodes is the same on every node"));
        return;
      }
      auto via = caf::actor_cast<caf::actor>(st.via);
      if (!via) {
        if (to)
          self->send(to, result_atom::value, id,
                     make_error(shard_errc::shutting_down,
                                "node '" + st.node_name + "' is shutting down"));
        return;
      }
      auto rp = self->make_response_promise();
      rp.delegate(via, shard_host_envelope(st.path, static_cast<uint32_t>(st.pos[k]),
                                           caf::make_message(batch_atom::value, id,
                                                             std::move(cmds))));
    },
  };
}

} // namespace

caf::actor spawn_cluster_door(caf::actor_system& sys, cluster_door_options opts) {
  return sys.spawn(door, std::move(opts));
}

} // namespace keel::actors
