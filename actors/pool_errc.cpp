#include "actors/pool_errc.hpp"

#include "supervision/errc.hpp"

#include <caf/make_message.hpp>

namespace keel::actors {

const char* to_string(pool_errc x) {
  switch (x) {
    case pool_errc::none: return "none";
    case pool_errc::checkout_timeout: return "checkout_timeout";
    case pool_errc::pool_full: return "pool_full";
    case pool_errc::worker_died: return "worker_died";
    case pool_errc::request_timeout: return "request_timeout";
    case pool_errc::shutting_down: return "shutting_down";
    case pool_errc::circuit_open: return "circuit_open";
    case pool_errc::port_failed: return "port_failed";
    case pool_errc::unknown_lease: return "unknown_lease";
  }
  return "unknown";
}

caf::error make_error(pool_errc x, std::string context) {
  return caf::error{static_cast<uint8_t>(x), pool_errc_category,
                    caf::make_message(std::move(context))};
}

bool is(const caf::error& err, pool_errc x) {
  return err.category() == pool_errc_category && err.code() == static_cast<uint8_t>(x);
}

std::string describe_pool_error(const caf::error& err) {
  if (err.category() != pool_errc_category)
    return supervision::describe(err);
  std::string out = "keel_pool: ";
  out += to_string(static_cast<pool_errc>(err.code()));
  if (err.context().match_elements<std::string>()) {
    out += ": ";
    out += err.context().get_as<std::string>(0);
  }
  return out;
}

} // namespace keel::actors
