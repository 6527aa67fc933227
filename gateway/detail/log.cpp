#include "gateway/detail/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace keel::gateway::detail {

std::shared_ptr<spdlog::logger> log() {
  if (auto existing = spdlog::get("keel.gateway"))
    return existing;
  try {
    return spdlog::stderr_color_mt("keel.gateway");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("keel.gateway"); // created by another thread in between
  }
}

} // namespace keel::gateway::detail
