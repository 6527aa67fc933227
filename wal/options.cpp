#include "wal/options.hpp"

#include "wal/errc.hpp"

namespace keel::wal {

std::string to_string(sync_policy x) {
  switch (x) {
    case sync_policy::group:
      return "group";
    case sync_policy::interval:
      return "interval";
    case sync_policy::none:
      return "none";
  }
  return "?";
}

std::string to_string(recovery_mode x) {
  switch (x) {
    case recovery_mode::tolerate_torn_tail:
      return "tolerate_torn_tail";
    case recovery_mode::absolute:
      return "absolute";
    case recovery_mode::point_in_time:
      return "point_in_time";
    case recovery_mode::skip:
      return "skip";
  }
  return "?";
}

std::optional<sync_policy> parse_sync_policy(std::string_view x) {
  for (auto p : {sync_policy::group, sync_policy::interval, sync_policy::none})
    if (x == to_string(p))
      return p;
  return std::nullopt;
}

std::optional<recovery_mode> parse_recovery_mode(std::string_view x) {
  for (auto m : {recovery_mode::tolerate_torn_tail, recovery_mode::absolute,
                 recovery_mode::point_in_time, recovery_mode::skip})
    if (x == to_string(m))
      return m;
  return std::nullopt;
}

caf::error validate(const options& opts) {
  if (opts.dir.empty())
    return make_error(errc::invalid_argument, "wal.dir: must not be empty");
  if (opts.segment_size < 4096 || opts.segment_size % record_alignment != 0)
    return make_error(errc::invalid_argument,
                      "wal.segment_size: " + std::to_string(opts.segment_size)
                        + " is invalid (at least 4096 and a multiple of 8)");
  if (opts.sync == sync_policy::interval && opts.sync_interval.count() <= 0)
    return make_error(errc::invalid_argument,
                      "wal.sync_interval: " + std::to_string(opts.sync_interval.count())
                        + " ms is invalid (must be positive with sync: interval)");
  return caf::none;
}

} // namespace keel::wal
