#include "supervision/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace keel::supervision {

const char* to_string(errc x) {
  switch (x) {
    case errc::none: return "none";
    case errc::child_unavailable: return "child_unavailable";
    case errc::start_failed: return "start_failed";
    case errc::start_timeout: return "start_timeout";
    case errc::invalid_child_spec: return "invalid_child_spec";
    case errc::intensity_exceeded: return "intensity_exceeded";
    case errc::child_not_found: return "child_not_found";
    case errc::already_present: return "already_present";
    case errc::child_running: return "child_running";
    case errc::wrong_strategy: return "wrong_strategy";
    case errc::auto_shutdown: return "auto_shutdown";
    case errc::shutting_down: return "shutting_down";
  }
  return "unknown";
}

caf::error make_error(errc x, std::string context) {
  if (x == errc::none)
    return caf::error{};
  return caf::error{static_cast<uint8_t>(x), errc_category,
                    caf::make_message(std::move(context))};
}

caf::error make_error(errc x) {
  if (x == errc::none)
    return caf::error{};
  return caf::error{static_cast<uint8_t>(x), errc_category};
}

bool is(const caf::error& err, errc x) {
  return err.category() == errc_category && err.code() == static_cast<uint8_t>(x);
}

namespace {

std::string render(uint8_t code, const caf::message& ctx) {
  std::string out = "keel_sup: ";
  out += to_string(static_cast<errc>(code));
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  } else if (!ctx.empty()) {
    out += ": ";
    out += caf::to_string(ctx);
  }
  return out;
}

} // namespace

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() == errc_category)
    return render(err.code(), err.context());
  if (err.category() == caf::atom("exit"))
    return "exit: " + caf::to_string(static_cast<caf::exit_reason>(err.code()));
  if (err.category() == caf::atom("system")) {
    auto out = "system: " + caf::to_string(static_cast<caf::sec>(err.code()));
    if (!err.context().empty())
      out += " " + caf::to_string(err.context());
    return out;
  }
  return caf::to_string(err);
}

bool is_shutdown_reason(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal
         || reason == caf::exit_reason::user_shutdown || is(reason, errc::intensity_exceeded)
         || is(reason, errc::auto_shutdown);
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(errc_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return render(code, ctx);
                         });
}

} // namespace keel::supervision
