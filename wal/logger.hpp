// The `keel.wal` spdlog logger (created on first use, shared with spdlog's registry).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace keel::wal::detail {

/// The logger named `keel.wal`: the registered one, or a new stdout color logger.
std::shared_ptr<spdlog::logger> logger();

} // namespace keel::wal::detail
