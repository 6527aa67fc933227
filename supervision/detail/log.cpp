#include "supervision/detail/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace keel::supervision::detail {

std::shared_ptr<spdlog::logger> logger() {
  constexpr const char* name = "keel.supervision";
  if (auto lg = spdlog::get(name))
    return lg;
  try {
    return spdlog::stderr_color_mt(name);
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered it first.
    return spdlog::get(name);
  }
}

} // namespace keel::supervision::detail
