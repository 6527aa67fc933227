#include "runtime/http_errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace keel::runtime {

const char* to_string(http_errc x) {
  switch (x) {
  case http_errc::none:
    return "none";
  case http_errc::invalid_address:
    return "invalid_address";
  case http_errc::bind_failed:
    return "bind_failed";
  case http_errc::already_running:
    return "already_running";
  }
  return "unknown";
}

caf::error make_error(http_errc x, std::string context) {
  return caf::error{static_cast<uint8_t>(x), http_errc_category,
                    caf::make_message(std::move(context))};
}

void add_http_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(http_errc_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = "keel_http: ";
                           out += to_string(static_cast<http_errc>(code));
                           if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
                             out += ": ";
                             out += ctx.get_as<std::string>(0);
                           }
                           return out;
                         });
}

} // namespace keel::runtime
