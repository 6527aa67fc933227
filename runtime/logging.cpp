#include "runtime/logging.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace keel::runtime {

namespace {

spdlog::level::level_enum to_spdlog(config::log_level x) {
  switch (x) {
    case config::log_level::trace: return spdlog::level::trace;
    case config::log_level::debug: return spdlog::level::debug;
    case config::log_level::info: return spdlog::level::info;
    case config::log_level::warn: return spdlog::level::warn;
    case config::log_level::error: return spdlog::level::err;
    case config::log_level::critical: return spdlog::level::critical;
    case config::log_level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

} // namespace

void configure_logging(config::log_level level) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
  spdlog::set_level(to_spdlog(level));
  spdlog::cfg::load_env_levels();
  spdlog::flush_on(spdlog::level::info);
}

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  try {
    return spdlog::stderr_color_mt(name);
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get(name); // created by another thread in between
  }
}

} // namespace keel::runtime
