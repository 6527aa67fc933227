#include "wal/logger.hpp"

#include "wal/reporter.hpp"

#include <mutex>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace keel::wal {

namespace detail {

std::shared_ptr<spdlog::logger> logger() {
  if (auto lg = spdlog::get("keel.wal"))
    return lg;
  static std::mutex mtx;
  std::lock_guard<std::mutex> guard{mtx};
  if (auto lg = spdlog::get("keel.wal"))
    return lg;
  return spdlog::stderr_color_mt("keel.wal");
}

} // namespace detail

reporter::~reporter() = default;

void log_reporter::corruption(const std::string& file, uint64_t offset, uint64_t bytes,
                              const std::string& reason) {
  detail::logger()->warn("shard {}: WAL {} bad at offset {} ({}), {} bytes dropped", shard_, file,
                         offset, reason, bytes);
}

} // namespace keel::wal
