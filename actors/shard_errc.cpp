#include "actors/shard_errc.hpp"

#include "supervision/errc.hpp"
#include "wal/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace keel::actors {

namespace {

std::string render(uint8_t code, const caf::message& ctx) {
  std::string out = "keel_shard: ";
  out += to_string(static_cast<shard_errc>(code));
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

} // namespace

const char* to_string(shard_errc x) {
  switch (x) {
    case shard_errc::none:
      return "none";
    case shard_errc::not_durable:
      return "not_durable";
    case shard_errc::wal_down:
      return "wal_down";
    case shard_errc::recovery_failed:
      return "recovery_failed";
    case shard_errc::unavailable:
      return "unavailable";
    case shard_errc::shutting_down:
      return "shutting_down";
    case shard_errc::bad_request:
      return "bad_request";
    case shard_errc::bad_layout:
      return "bad_layout";
  }
  return "unknown";
}

caf::error make_error(shard_errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), shard_error_category,
                    caf::make_message(std::move(what))};
}

bool is(const caf::error& err, shard_errc x) {
  return err && err.category() == shard_error_category && err.code() == static_cast<uint8_t>(x);
}

std::string describe_error(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() == shard_error_category)
    return render(err.code(), err.context());
  if (err.category() == wal::error_category)
    return wal::describe(err);
  if (err.category() == supervision::errc_category)
    return supervision::describe(err);
  return caf::to_string(err);
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(shard_error_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return render(code, ctx);
                         });
  wal::add_error_category(cfg);
  supervision::add_error_category(cfg);
}

} // namespace keel::actors
