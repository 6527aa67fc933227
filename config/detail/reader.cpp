#include "config/detail/reader.hpp"

#include "config/detail/scalars.hpp"

#include <utility>

namespace keel::config::detail {

namespace {

std::string display(const place& p) {
  return p.path.empty() ? std::string{"the document root"} : p.path;
}

std::string key_list(const std::vector<field>& fields) {
  std::string out;
  for (auto& f : fields) {
    if (!out.empty())
      out += ", ";
    out += f.key;
  }
  return out;
}

/// The valid key closest to `key`, if it is close enough to be a likely typo.
const char* nearest_key(const std::string& key, const std::vector<field>& fields) {
  const char* best = nullptr;
  size_t best_distance = SIZE_MAX;
  for (auto& f : fields) {
    auto d = edit_distance(key, f.key);
    if (d < best_distance) {
      best = f.key;
      best_distance = d;
    }
  }
  if (best_distance <= 2 || best_distance * 3 <= key.size())
    return best;
  return nullptr;
}

std::string kind_of(const YAML::Node& n) {
  if (n.IsMap())
    return "a map";
  if (n.IsSequence())
    return "a list";
  if (n.IsScalar())
    return "'" + n.Scalar() + "'";
  return "no value";
}

} // namespace

reader::reader(std::vector<diagnostic>& errors, const override_sites& sites)
    : errors_(errors), sites_(sites) {
  // nop
}

void reader::error(const location& at, std::string message) {
  errors_.push_back(diagnostic{at.file, at.line, at.column, std::move(message)});
}

location reader::locate(const YAML::Node& n, const origin& from, const location& fallback) const {
  auto m = n.Mark();
  if (m.is_null())
    return from.is_override ? from.base : fallback;
  location out = from.base;
  out.line += m.line;
  out.column = (m.line == 0 ? from.base.column : 1) + m.column;
  return out;
}

place reader::child(const place& parent, const std::string& key, const YAML::Node& key_node,
                    const YAML::Node& value) const {
  place out;
  out.path = parent.path.empty() ? key : parent.path + '.' + key;
  out.from = parent.from;
  if (auto i = sites_.values.find(out.path); i != sites_.values.end())
    out.from = &i->second;
  if (!key_node.Mark().is_null()) {
    out.key_at = locate(key_node, *parent.from, parent.at);
  } else if (auto k = sites_.keys.find(out.path); k != sites_.keys.end()) {
    out.key_at = k->second;
  } else {
    out.key_at = parent.at;
  }
  // yaml-cpp marks an empty value where the next token starts (often the next line); the key
  // is where the reader will look.
  if (value.IsNull() && !out.from->is_override)
    out.at = out.key_at;
  else
    out.at = locate(value, *out.from, out.key_at);
  return out;
}

place reader::item(const place& parent, size_t index, const YAML::Node& item) const {
  place out;
  out.path = parent.path + '.' + std::to_string(index);
  out.from = parent.from;
  if (auto i = sites_.values.find(out.path); i != sites_.values.end())
    out.from = &i->second;
  out.at = locate(item, *out.from, parent.at);
  out.key_at = out.at;
  return out;
}

std::optional<std::map<std::string, place>> reader::read_map(const YAML::Node& node,
                                                             const place& where,
                                                             const std::string& section,
                                                             const std::vector<field>& fields) {
  std::map<std::string, place> seen;
  if (node.IsNull())
    return seen;
  if (!node.IsMap()) {
    wrong_type(node, where, "a map", "a map with keys " + key_list(fields));
    return std::nullopt;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      error(locate(key_node, *where.from, where.at),
            "a key in section '" + section + "' is " + kind_of(key_node) +
                "; expected a plain name, one of " + key_list(fields));
      continue;
    }
    const auto& key = key_node.Scalar();
    auto p = child(where, key, key_node, value);
    if (auto prev = seen.find(key); prev != seen.end()) {
      error(p.key_at, "duplicate key '" + key + "' in " + section + " (first at line " +
                          std::to_string(prev->second.key_at.line) + "); remove one of them");
      continue;
    }
    const field* f = nullptr;
    for (auto& candidate : fields)
      if (key == candidate.key)
        f = &candidate;
    if (f == nullptr) {
      std::string msg = "unknown key '" + key + "' in section '" + section + "'; ";
      if (auto* near = nearest_key(key, fields))
        msg += "did you mean '" + std::string{near} + "'? ";
      msg += "valid keys: " + key_list(fields);
      error(p.key_at, std::move(msg));
      continue;
    }
    seen.emplace(key, p);
    f->read(value, p);
  }
  return seen;
}

void reader::wrong_type(const YAML::Node& n, const place& p, const std::string& kind,
                        const std::string& expected) {
  if (n.IsNull())
    error(p.at, display(p) + " has no value; expected " + expected);
  else
    error(p.at, display(p) + " must be " + kind + ", got " + kind_of(n) + "; expected " + expected);
}

bool reader::read_integer(const YAML::Node& n, const place& p, uint64_t lo, uint64_t hi,
                          uint64_t& out) {
  auto expected = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!n.IsScalar()) {
    wrong_type(n, p, "an integer", expected);
    return false;
  }
  auto x = parse_integer(n.Scalar());
  if (!x) {
    wrong_type(n, p, "an integer", expected);
    return false;
  }
  if (x->negative || !x->in_range || x->value < lo || x->value > hi) {
    error(p.at, p.path + " is " + n.Scalar() + "; expected " + expected);
    return false;
  }
  out = x->value;
  return true;
}

void reader::read_size(const YAML::Node& n, const place& p, uint64_t lo, uint64_t hi,
                       uint64_t& out) {
  auto expected = "a byte size from " + format_size(lo) + " to " + format_size(hi) +
                  " (an integer, or a number with suffix KiB, MiB or GiB like 64MiB)";
  if (!n.IsScalar()) {
    wrong_type(n, p, "a byte size", expected);
    return;
  }
  auto x = parse_size(n.Scalar());
  if (!x) {
    wrong_type(n, p, "a byte size", expected);
    return;
  }
  if (x->negative || !x->in_range || x->value < lo || x->value > hi) {
    error(p.at, p.path + " is " + n.Scalar() + "; expected " + expected);
    return;
  }
  out = x->value;
}

void reader::read_bool(const YAML::Node& n, const place& p, bool& out) {
  std::optional<bool> x;
  if (n.IsScalar())
    x = parse_bool(n.Scalar());
  if (!x) {
    wrong_type(n, p, "a boolean", "true or false");
    return;
  }
  out = *x;
}

void reader::read_string(const YAML::Node& n, const place& p, bool non_empty, std::string& out) {
  auto expected = non_empty ? "a non-empty string" : "a string";
  if (!n.IsScalar()) {
    wrong_type(n, p, "a string", expected);
    return;
  }
  if (non_empty && n.Scalar().empty()) {
    error(p.at, p.path + " is empty; expected " + expected);
    return;
  }
  out = n.Scalar();
}

bool reader::read_name(const YAML::Node& n, const place& p, const std::string& allowed,
                       std::string& out) {
  if (!n.IsScalar()) {
    wrong_type(n, p, "a string", "one of " + allowed);
    return false;
  }
  out = n.Scalar();
  return true;
}

void reader::read_string_list(const YAML::Node& n, const place& p, std::vector<std::string>& out) {
  static const std::string expected = "a list of strings, the program first, e.g. [worker, -v]";
  if (!n.IsSequence()) {
    wrong_type(n, p, "a list", expected);
    return;
  }
  std::vector<std::string> result;
  bool good = true;
  for (size_t i = 0; i < n.size(); ++i) {
    auto elem = n[i];
    auto ep = item(p, i, elem);
    std::string s;
    if (!elem.IsScalar()) {
      wrong_type(elem, ep, "a string", "a non-empty string");
      good = false;
    } else if (elem.Scalar().empty()) {
      error(ep.at, ep.path + " is empty; expected a non-empty string");
      good = false;
    } else {
      result.push_back(elem.Scalar());
    }
  }
  if (good)
    out = std::move(result);
}

void reader::read_string_map(const YAML::Node& n, const place& p,
                             std::map<std::string, std::string>& out) {
  if (n.IsNull()) {
    out.clear();
    return;
  }
  if (!n.IsMap()) {
    wrong_type(n, p, "a map", "a map of names to strings, e.g. {LANG: C}");
    return;
  }
  std::map<std::string, std::string> result;
  std::map<std::string, int> first_line;
  bool good = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar() || key_node.Scalar().empty()) {
      error(locate(key_node, *p.from, p.at),
            "a key in " + p.path + " is " + kind_of(key_node) + "; expected a non-empty name");
      good = false;
      continue;
    }
    auto vp = child(p, key_node.Scalar(), key_node, value);
    if (auto prev = first_line.find(key_node.Scalar()); prev != first_line.end()) {
      error(vp.key_at, "duplicate key '" + key_node.Scalar() + "' in " + p.path +
                           " (first at line " + std::to_string(prev->second) +
                           "); remove one of them");
      good = false;
      continue;
    }
    first_line.emplace(key_node.Scalar(), vp.key_at.line);
    if (!value.IsScalar()) {
      wrong_type(value, vp, "a string", "a string");
      good = false;
      continue;
    }
    result.emplace(key_node.Scalar(), value.Scalar());
  }
  if (good)
    out = std::move(result);
}

} // namespace keel::config::detail
