// keel::runtime pools: the `pools:` section of the YAML as a supervised subtree.
//
//   "pools" supervisor (one_for_one)
//   ├── <pool 1 name>: a pool (actors/pool.hpp) of its workers
//   └── ...
//
// `kind: process` workers are external programs (actors/port.hpp: `command`, `env`, the
// length-prefixed frame protocol). `kind: actor` workers are in-process echo actors: keel-node
// runs no application code, so they answer each call with its request; applications that
// embed keel start pools of their own actors with actors::pool_child. All pools, and all
// workers of a pool, start in parallel.
#pragma once

#include "config/node_config.hpp"
#include "supervision/spec.hpp"

#include <caf/actor.hpp>

namespace keel::runtime {

/// The in-process worker keel-node uses for `kind: actor`: replies to (call_atom, msg) with
/// (reply_atom, msg).
[[nodiscard]] supervision::start_fn echo_actor_worker();

/// The child spec (id "pools") of every pool in `cfg.pools`, events to `bus` (may be invalid).
/// @pre !cfg.pools.empty()
[[nodiscard]] supervision::child_spec pools_child(const config::node_config& cfg, caf::actor bus);

} // namespace keel::runtime
