// to_string for the config enums, from the tables in detail/enum_names.hpp.
#include "config/detail/enum_names.hpp"

#include "config/load.hpp"

namespace keel::config {

const char* to_string(log_level x) {
  return detail::name_of(x);
}

const char* to_string(sync_policy x) {
  return detail::name_of(x);
}

const char* to_string(recovery_mode x) {
  return detail::name_of(x);
}

const char* to_string(eviction_policy x) {
  return detail::name_of(x);
}

const char* to_string(pool_kind x) {
  return detail::name_of(x);
}

const char* to_string(pool_strategy x) {
  return detail::name_of(x);
}

const char* to_string(on_worker_death x) {
  return detail::name_of(x);
}

} // namespace keel::config
