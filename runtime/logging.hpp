// keel::runtime logging: one stderr sink for every keel logger, level from YAML or SPDLOG_LEVEL.
//
// Loggers are named per folder (`keel.runtime`, `keel.config`, `keel.wal`, ...). Folders get
// theirs with `keel::runtime::logger(name)`-style helpers of their own (spdlog's registry);
// configure() sets the pattern and level for all of them, existing and future.
// Thread-safety: configure() once at start-up, before actors run; logging is thread-safe.
#pragma once

#include "config/node_config.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace keel::runtime {

/// Sets keel's log pattern and the level from the config; SPDLOG_LEVEL (spdlog's syntax, e.g.
/// `debug` or `keel.wal=trace,info`) overrides it.
void configure_logging(config::log_level level);

/// The logger called `name`, created on first use.
[[nodiscard]] std::shared_ptr<spdlog::logger> logger(const std::string& name);

} // namespace keel::runtime
