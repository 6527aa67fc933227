// Internal to keel::supervision: the folder's spdlog logger, `keel.supervision`.
#pragma once

#include <spdlog/logger.h>

#include <memory>

namespace keel::supervision::detail {

/// Returns the logger named `keel.supervision`, creating it (stderr, colour) when the
/// application did not register one. Thread-safe.
[[nodiscard]] std::shared_ptr<spdlog::logger> logger();

} // namespace keel::supervision::detail
