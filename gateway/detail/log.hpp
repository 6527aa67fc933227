// keel::gateway::detail::log: the gateway's spdlog logger `keel.gateway` (internal).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace keel::gateway::detail {

/// The logger named "keel.gateway": the registered one, or a new stderr logger.
[[nodiscard]] std::shared_ptr<spdlog::logger> log();

} // namespace keel::gateway::detail
