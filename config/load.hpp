// keel::config loading: YAML text -> validated node_config, with every problem reported.
//
// Validation never stops at the first problem: a result carries all diagnostics, each as
// `file:line:col: what is wrong; what is expected`. Thread-safety: free functions, no state.
#pragma once

#include "config/node_config.hpp"

#include <string>
#include <vector>

namespace keel::config {

/// One problem found in a configuration, with where it is (1-based line and column).
struct diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message; ///< "what is wrong; what is expected"

  /// `file:line:col: message`.
  [[nodiscard]] std::string str() const;
};

/// A config plus every problem found while building it. `config` holds defaults wherever a
/// value was missing or wrong; use it only when `ok()`.
struct load_result {
  node_config config;
  std::vector<diagnostic> errors;

  [[nodiscard]] bool ok() const { return errors.empty(); }
};

/// Loads and validates the YAML file at `path`, then applies `overrides` ("path.to.key=value",
/// as given to `--set`) and validates them the same way.
[[nodiscard]] load_result load_file(const std::string& path,
                                    const std::vector<std::string>& overrides = {});

/// Like load_file, for YAML text; `name` stands in for the file name in diagnostics.
[[nodiscard]] load_result load_string(const std::string& yaml, const std::string& name,
                                      const std::vector<std::string>& overrides = {});

/// The effective config as YAML (every key, defaults included); load_string of the result gives
/// an equal config.
[[nodiscard]] std::string dump(const node_config& cfg);

/// Field-by-field equality (for round-trip checks).
[[nodiscard]] bool operator==(const node_config& a, const node_config& b);

/// spdlog's name of a level ("info", ...).
[[nodiscard]] const char* to_string(log_level x);
[[nodiscard]] const char* to_string(sync_policy x);
[[nodiscard]] const char* to_string(recovery_mode x);
[[nodiscard]] const char* to_string(eviction_policy x);
/// The YAML name of a pool kind ("actor", "process").
[[nodiscard]] const char* to_string(pool_kind x);
/// The YAML name of a pool strategy ("round_robin", "least_busy").
[[nodiscard]] const char* to_string(pool_strategy x);
/// The YAML name of an on_worker_death policy ("retry", "fail").
[[nodiscard]] const char* to_string(on_worker_death x);

} // namespace keel::config
