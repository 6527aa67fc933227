#include "wal/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace keel::wal {

std::string to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::wal_poisoned:
      return "wal_poisoned";
    case errc::disk_full:
      return "disk_full";
    case errc::corrupt:
      return "corrupt";
    case errc::locked:
      return "locked";
    case errc::io_error:
      return "io_error";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::too_large:
      return "too_large";
    case errc::not_found:
      return "not_found";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

caf::error make_error(errc x) {
  return caf::error{static_cast<uint8_t>(x), error_category};
}

caf::error make_error(errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), error_category, caf::make_message(std::move(what))};
}

bool is(const caf::error& err, errc x) {
  return err && err.category() == error_category && err.code() == static_cast<uint8_t>(x);
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != error_category)
    return caf::to_string(err);
  std::string out = "keel_wal: " + to_string(static_cast<errc>(err.code()));
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string out = "keel_wal: " + to_string(static_cast<errc>(code));
    if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
      out += ": ";
      out += ctx.get_as<std::string>(0);
    }
    return out;
  });
}

} // namespace keel::wal
