// keel::config::detail::apply_overrides: `--set path.to.key=value` into a parsed document.
//
// Each override's value is parsed as YAML and put at its path before validation, so an
// override is checked exactly like the file. Paths are dotted keys; inside a list (`pools`) a
// part is an index (`pools.0.size`) or the `name` of an entry (`pools.render.size`). Where each
// override's text went is recorded in `override_sites`, so that diagnostics about it read
// `--set:<n>:<col>` with n the override's 1-based position and col pointing into its text.
// Internal to config/. Thread-safety: no state.
#pragma once

#include "config/detail/reader.hpp"
#include "config/load.hpp"

#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace keel::config::detail {

/// The file name used in diagnostics about overrides.
inline constexpr const char* override_file = "--set";

/// Applies `overrides` to `root` in order (a later one wins). A malformed override (no `=`, an
/// empty path part, invalid YAML in the value, a path through a scalar or past the end of a
/// list) is reported to `errors` and skipped. `root` may be null (an empty file): it becomes a
/// map. Records in `sites` where each applied override's key parts and value are.
void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     override_sites& sites, std::vector<diagnostic>& errors);

} // namespace keel::config::detail
