// keel::runtime root: the top of a node's actor tree.
//
// The root starts the node's services from the config in order and answers `ready_atom` once
// all of them are up; on an exit message it stops them in reverse order and then quits.
#pragma once

#include "config/node_config.hpp"

#include <caf/fwd.hpp>

namespace keel::runtime {

/// Spawns the root for `cfg` in `sys`. The handle is valid at once; ask `ready_atom` to wait
/// for the tree.
[[nodiscard]] caf::actor spawn_root(caf::actor_system& sys, const config::node_config& cfg);

} // namespace keel::runtime
