// Message tags of runtime/ (CAF atoms: at most 10 characters).
#pragma once

#include <caf/atom.hpp>

namespace keel::runtime {

/// `ready_atom` -> `ready_atom`: answered once the tree below the root is up.
using ready_atom = caf::atom_constant<caf::atom("ready")>;

} // namespace keel::runtime
