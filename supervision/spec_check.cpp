#include "supervision/spec_check.hpp"

#include "supervision/errc.hpp"

#include <cmath>
#include <set>

namespace keel::supervision {

namespace {

std::string ms_str(std::chrono::milliseconds x) {
  return std::to_string(x.count()) + " ms";
}

caf::error invalid(const child_spec& spec, const std::string& what) {
  return make_error(errc::invalid_child_spec, "child '" + spec.id + "': " + what);
}

caf::error check_id(const child_spec& spec) {
  if (spec.id.empty())
    return make_error(errc::invalid_child_spec,
                      "child '': invalid_id \"\": give every child a non-empty, unique id");
  return {};
}

caf::error check_start(const child_spec& spec) {
  if (!spec.start)
    return invalid(spec, "invalid_start (empty factory): set child_spec::start to a function "
                         "that spawns the child");
  return {};
}

caf::error check_restart(const child_spec& spec) {
  switch (spec.restart) {
    case restart_type::permanent:
    case restart_type::transient:
    case restart_type::temporary:
      return {};
  }
  return invalid(spec, "invalid_restart_type " + std::to_string(static_cast<int>(spec.restart))
                         + ": use permanent, transient or temporary");
}

caf::error check_type(const child_spec& spec) {
  switch (spec.type) {
    case child_type::worker:
    case child_type::supervisor:
      return {};
  }
  return invalid(spec, "invalid_child_type " + std::to_string(static_cast<int>(spec.type))
                         + ": use worker or supervisor");
}

caf::error check_shutdown(const child_spec& spec) {
  if (!spec.shutdown)
    return {};
  switch (spec.shutdown->how) {
    case shutdown_policy::kind::brutal_kill:
    case shutdown_policy::kind::infinity:
      return {};
    case shutdown_policy::kind::timeout:
      if (spec.shutdown->after.count() > 0)
        return {};
      return invalid(spec, "invalid_shutdown timeout(" + ms_str(spec.shutdown->after)
                             + "): a shutdown timeout must be > 0 ms; use brutal_kill to "
                               "kill at once");
  }
  return invalid(spec, "invalid_shutdown kind "
                         + std::to_string(static_cast<int>(spec.shutdown->how))
                         + ": use brutal_kill, timeout(ms) or infinity");
}

caf::error check_significant(const child_spec& spec, auto_shutdown_policy auto_shutdown) {
  if (!spec.significant)
    return {};
  if (spec.restart == restart_type::permanent)
    return invalid(spec, "bad_combination [restart permanent, significant true]: a permanent "
                         "child never exits for good; make it transient or temporary");
  if (auto_shutdown == auto_shutdown_policy::never)
    return invalid(spec, "bad_combination [auto_shutdown never, significant true]: set the "
                         "supervisor's auto_shutdown or make the child not significant");
  return {};
}

caf::error check_backoff(const child_spec& spec) {
  if (!spec.backoff)
    return {};
  auto& b = *spec.backoff;
  if (b.min.count() <= 0)
    return invalid(spec, "invalid_backoff min " + ms_str(b.min) + ": must be > 0 ms");
  if (b.max < b.min)
    return invalid(spec, "invalid_backoff max " + ms_str(b.max) + ": must be >= min ("
                           + ms_str(b.min) + ")");
  if (!std::isfinite(b.jitter) || b.jitter < 0)
    return invalid(spec, "invalid_backoff jitter " + std::to_string(b.jitter)
                           + ": must be a finite number >= 0 (0.2 = up to 20% longer)");
  if (b.reset_after.count() < 0)
    return invalid(spec, "invalid_backoff reset_after " + ms_str(b.reset_after)
                           + ": must be >= 0 ms");
  return {};
}

caf::error check_start_timeout(const child_spec& spec) {
  if (spec.start_timeout && spec.start_timeout->count() <= 0)
    return invalid(spec, "invalid_start_timeout " + ms_str(*spec.start_timeout)
                           + ": must be > 0 ms");
  return {};
}

} // namespace

caf::error check_child_spec(const child_spec& spec, auto_shutdown_policy auto_shutdown) {
  for (auto check : {check_id, check_start, check_restart, check_type, check_shutdown,
                     check_backoff, check_start_timeout})
    if (auto err = check(spec))
      return err;
  return check_significant(spec, auto_shutdown);
}

caf::error check_child_specs(const std::vector<child_spec>& specs,
                             auto_shutdown_policy auto_shutdown) {
  std::set<std::string> ids;
  for (auto& spec : specs) {
    if (auto err = check_child_spec(spec, auto_shutdown))
      return err;
    if (!ids.insert(spec.id).second)
      return make_error(errc::invalid_child_spec,
                        "child '" + spec.id + "': duplicate_child_name '" + spec.id
                          + "': ids must be unique within a supervisor");
  }
  return {};
}

caf::error check_flags(const supervisor_flags& flags, size_t num_specs) {
  if (flags.period.count() <= 0)
    return make_error(errc::invalid_child_spec,
                      "supervisor flags: invalid_period " + ms_str(flags.period)
                        + ": must be > 0 ms (OTP's default is 5000)");
  switch (flags.strategy) {
    case restart_strategy::one_for_one:
    case restart_strategy::one_for_all:
    case restart_strategy::rest_for_one:
      break;
    case restart_strategy::simple_one_for_one:
      if (num_specs != 1)
        return make_error(errc::invalid_child_spec,
                          "supervisor flags: bad_start_spec: simple_one_for_one needs exactly "
                          "one child spec (the template), got "
                            + std::to_string(num_specs));
      break;
    default:
      return make_error(errc::invalid_child_spec,
                        "supervisor flags: invalid_strategy "
                          + std::to_string(static_cast<int>(flags.strategy)));
  }
  switch (flags.auto_shutdown) {
    case auto_shutdown_policy::never:
    case auto_shutdown_policy::any_significant:
    case auto_shutdown_policy::all_significant:
      return {};
  }
  return make_error(errc::invalid_child_spec,
                    "supervisor flags: invalid_auto_shutdown "
                      + std::to_string(static_cast<int>(flags.auto_shutdown)));
}

child_spec with_defaults(child_spec spec) {
  if (!spec.shutdown)
    spec.shutdown = spec.type == child_type::supervisor ? shutdown_policy::infinity()
                                                        : shutdown_policy::timeout(
                                                          std::chrono::milliseconds{5000});
  return spec;
}

} // namespace keel::supervision
