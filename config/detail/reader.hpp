// keel::config::detail::reader: walks a YAML document and collects every problem.
//
// The schema (schema.cpp) describes each section as a list of fields; the reader visits a map's
// keys in document order, reports unknown keys (with the nearest valid key), duplicate keys and
// values of the wrong type or out of range, and stores each good value. It never stops at the
// first problem. Positions come from yaml-cpp's 0-based marks, mapped through the `origin` of
// the text a node was parsed from: the config file or one `--set` override.
// Internal to config/. Thread-safety: one reader per load, used by one thread.
#pragma once

#include "config/detail/enum_names.hpp"
#include "config/load.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace keel::config::detail {

/// A 1-based position in a named source; 0:0 when unknown.
struct location {
  std::string file;
  int line = 0;
  int column = 0;
};

/// The text a node was parsed from. Mark line 0 / column 0 of that text is `base`.
struct origin {
  location base;
  bool is_override = false; ///< text of one `--set`: nodes without a mark sit at `base`
};

/// Where the overrides put their text into the document, by dotted path ("shards.count",
/// "pools.0.size").
struct override_sites {
  std::map<std::string, origin> values; ///< full path -> origin of the override's value text
  std::map<std::string, location> keys; ///< path (and each prefix) -> that key's name in --set
};

/// A node being read: its dotted path, the text it came from and where its value is.
struct place {
  std::string path;   ///< "" for the document root
  const origin* from; ///< never null; outlives the place
  location at;        ///< of the value
  location key_at;    ///< of the key that names it (== `at` for the root and list items)
};

/// Reads one value at a place.
using field_reader = std::function<void(const YAML::Node& value, const place& where)>;

/// One key of a section and how to read its value.
struct field {
  const char* key;
  field_reader read;
};

class reader {
public:
  // -- construction ---------------------------------------------------------

  /// `errors` and `sites` must outlive the reader; diagnostics are appended to `errors`.
  reader(std::vector<diagnostic>& errors, const override_sites& sites);

  // -- reporting ------------------------------------------------------------

  /// Appends a diagnostic `at`: `message`.
  void error(const location& at, std::string message);

  /// Number of diagnostics reported so far (lets a caller tell whether a part read cleanly).
  [[nodiscard]] size_t error_count() const { return errors_.size(); }

  // -- places ---------------------------------------------------------------

  /// The place of the value of `key` (whose key node is `key_node`) inside `parent`.
  [[nodiscard]] place child(const place& parent, const std::string& key, const YAML::Node& key_node,
                            const YAML::Node& value) const;

  /// The place of item `index` (node `item`) of the list at `parent`.
  [[nodiscard]] place item(const place& parent, size_t index, const YAML::Node& item) const;

  // -- structure ------------------------------------------------------------

  /// Reads the map `node` (null counts as empty) named `section` ("root", "shards",
  /// "pools.0"): each key once, in document order, via `fields`. Reports a non-map value,
  /// unknown keys and duplicates. Returns the place of each key found (first occurrence), or
  /// nullopt when `node` is not a map.
  std::optional<std::map<std::string, place>> read_map(const YAML::Node& node, const place& where,
                                                       const std::string& section,
                                                       const std::vector<field>& fields);

  // -- scalars (each stores into `out` only a good value) -------------------

  /// An integer in [lo, hi].
  template <class T>
  void read_uint(const YAML::Node& n, const place& p, uint64_t lo, uint64_t hi, T& out) {
    static_assert(std::is_unsigned_v<T>);
    uint64_t v = 0;
    if (read_integer(n, p, lo, hi, v))
      out = static_cast<T>(v);
  }

  /// A byte size (integer or KiB/MiB/GiB suffix) in [lo, hi].
  void read_size(const YAML::Node& n, const place& p, uint64_t lo, uint64_t hi, uint64_t& out);

  /// A boolean.
  void read_bool(const YAML::Node& n, const place& p, bool& out);

  /// A string; `non_empty` rejects "".
  void read_string(const YAML::Node& n, const place& p, bool non_empty, std::string& out);

  /// One of the names of `E`.
  template <class E>
  void read_enum(const YAML::Node& n, const place& p, E& out) {
    std::string text;
    if (!read_name(n, p, name_list<E>(), text))
      return;
    if (auto x = enum_from_name<E>(text))
      out = *x;
    else
      error(p.at, p.path + " is '" + text + "'; expected one of " + name_list<E>());
  }

  /// A list of non-empty strings (an empty list is allowed: it is the default).
  void read_string_list(const YAML::Node& n, const place& p, std::vector<std::string>& out);

  /// A map of names to strings.
  void read_string_map(const YAML::Node& n, const place& p,
                       std::map<std::string, std::string>& out);

  /// Reports that `p` holds the wrong kind of node: "<path> must be <kind>, got ...;
  /// expected <expected>" (or "<path> has no value; ..." for null).
  void wrong_type(const YAML::Node& n, const place& p, const std::string& kind,
                  const std::string& expected);

private:
  bool read_integer(const YAML::Node& n, const place& p, uint64_t lo, uint64_t hi, uint64_t& out);
  bool read_name(const YAML::Node& n, const place& p, const std::string& allowed, std::string& out);
  [[nodiscard]] location locate(const YAML::Node& n, const origin& from,
                                const location& fallback) const;

  std::vector<diagnostic>& errors_;
  const override_sites& sites_;
};

} // namespace keel::config::detail
