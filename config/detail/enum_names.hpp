// keel::config::detail::enum_names: the YAML spelling of every config enum, in one table each.
//
// Index i of `names<E>::values` is the name of the enumerator with value i; both to_string and
// the YAML reader use these tables, so a name is spelled in exactly one place. Internal to
// config/. Thread-safety: constant data.
#pragma once

#include "config/node_config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keel::config::detail {

/// The YAML names of `E`'s values, indexed by the enumerator's value.
template <class E>
struct names;

template <>
struct names<sync_policy> {
  static constexpr const char* values[] = {"group", "interval", "none"};
};

template <>
struct names<recovery_mode> {
  static constexpr const char* values[] = {"tolerate_torn_tail", "absolute", "point_in_time",
                                           "skip"};
};

template <>
struct names<eviction_policy> {
  static constexpr const char* values[] = {"noeviction", "allkeys-lru"};
};

template <>
struct names<log_level> {
  static constexpr const char* values[] = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};
};

template <>
struct names<pool_kind> {
  static constexpr const char* values[] = {"actor", "process"};
};

template <>
struct names<pool_strategy> {
  static constexpr const char* values[] = {"round_robin", "least_busy"};
};

template <>
struct names<on_worker_death> {
  static constexpr const char* values[] = {"retry", "fail"};
};

/// Number of names of `E`.
template <class E>
constexpr size_t name_count = sizeof(names<E>::values) / sizeof(names<E>::values[0]);

/// The YAML name of `x`. @pre `x` is a declared enumerator.
template <class E>
[[nodiscard]] const char* name_of(E x) {
  return names<E>::values[static_cast<size_t>(x)];
}

/// The enumerator spelled `str` (exact, case-sensitive), or nullopt.
template <class E>
[[nodiscard]] std::optional<E> enum_from_name(std::string_view str) {
  for (size_t i = 0; i < name_count<E>; ++i)
    if (str == names<E>::values[i])
      return static_cast<E>(i);
  return std::nullopt;
}

/// "group, interval, none": every name of `E`, for messages.
template <class E>
[[nodiscard]] std::string name_list() {
  std::string out;
  for (size_t i = 0; i < name_count<E>; ++i) {
    if (i > 0)
      out += ", ";
    out += names<E>::values[i];
  }
  return out;
}

} // namespace keel::config::detail
