#include "actors/cluster_door.hpp"

#include "actors/router.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"

namespace keel::actors {

namespace {

struct door_state {
  cluster_door_options opts; // but `via`, held weakly below
  caf::weak_actor_ptr via;

  static inline const char* name = "keel.cluster_door";
};

caf::behavior door(caf::stateful_actor<door_state>* self, cluster_door_options opts) {
  auto& st = self->state;
  st.via = caf::actor_cast<caf::weak_actor_ptr>(opts.via);
  opts.via = nullptr;
  st.opts = std::move(opts);
  return {
    [self](hello_atom, const std::string& peer, uint64_t placement) -> caf::result<std::string> {
      auto& st = self->state;
      if (placement != st.opts.placement)
        return make_error(shard_errc::bad_request,
                          "node '" + st.opts.node_name
                            + "' has another cluster placement than node '" + peer
                            + "'; give every node the same shards.count and cluster.nodes");
      return st.opts.node_name;
    },
    [self](batch_atom, uint32_t k, uint64_t id, std::vector<kv_command>& cmds) {
      auto& st = self->state;
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (k >= st.opts.pos.size() || st.opts.pos[k] < 0) {
        if (to)
          self->send(to, result_atom::value, id,
                     make_error(shard_errc::bad_request,
                                "shard " + std::to_string(k) + " is not hosted by node '"
                                  + st.opts.node_name
                                  + "'; check that cluster.nodes is the same on every node"));
        return;
      }
      auto via = caf::actor_cast<caf::actor>(st.via);
      if (!via) {
        if (to)
          self->send(to, result_atom::value, id,
                     make_error(shard_errc::shutting_down,
                                "node '" + st.opts.node_name + "' is shutting down"));
        return;
      }
      auto rp = self->make_response_promise();
      rp.delegate(via, shard_host_envelope(st.opts.path, static_cast<uint32_t>(st.opts.pos[k]),
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
