// keel::config::detail::read_config: the schema of node.yaml, section by section.
//
// Each field is one small check (type, range, allowed names) that names the field and the
// value; cross-field checks (pool names unique, process pools need a command, distinct ports)
// run after the fields they compare were read without errors. The ranges live in schema.cpp.
// Internal to config/. Thread-safety: no state.
#pragma once

#include "config/detail/reader.hpp"
#include "config/node_config.hpp"

#include <yaml-cpp/yaml.h>

namespace keel::config::detail {

/// Reads `root` (parsed from `from`) into `out`, which holds defaults on entry. Every problem
/// is reported to `r`; a field with a problem keeps its default.
void read_config(const YAML::Node& root, const origin& from, reader& r, node_config& out);

} // namespace keel::config::detail
