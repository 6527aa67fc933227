#include "gateway/errc.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace keel::gateway {

std::string to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::invalid_options:
      return "invalid_options";
    case errc::bind_failed:
      return "bind_failed";
    case errc::already_started:
      return "already_started";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
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
  std::string out = "keel_gw: " + to_string(static_cast<errc>(err.code()));
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

} // namespace keel::gateway
