#include "config/detail/overrides.hpp"

#include "config/detail/scalars.hpp"

#include <utility>

namespace keel::config::detail {

namespace {

constexpr const char* syntax_hint = "expected path.to.key=value, e.g. shards.count=16";

/// One dotted part of an override's path and its 1-based column in the override text.
struct part {
  std::string text;
  int column;
};

std::string entries(size_t n) {
  return n == 1 ? "1 entry" : std::to_string(n) + " entries";
}

std::string describe(const YAML::Node& n) {
  if (n.IsSequence())
    return "a list";
  if (n.IsScalar())
    return "'" + n.Scalar() + "'";
  return "a map";
}

class applier {
public:
  applier(std::vector<diagnostic>& errors, int line) : errors_(errors), line_(line) {
    // nop
  }

  void error(int column, std::string message) {
    errors_.push_back(diagnostic{override_file, line_, column, std::move(message)});
  }

  /// Index of the entry of list `seq` that `p` names (index or `name`), or nullopt after
  /// reporting.
  std::optional<size_t> index_in(const YAML::Node& seq, const part& p, const std::string& where,
                                 const std::string& path) {
    auto n = seq.size();
    auto expected =
        n == 0 ? std::string{"add the entry in the config file first"}
               : "expected an index from 0 to " + std::to_string(n - 1) + " or an entry's name";
    if (auto idx = parse_integer(p.text); idx && !idx->negative && idx->in_range) {
      if (idx->value < n)
        return static_cast<size_t>(idx->value);
      error(p.column,
            "cannot set '" + path + "': " + where + " has " + entries(n) + "; " + expected);
      return std::nullopt;
    }
    for (size_t i = 0; i < n; ++i) {
      const YAML::Node item = seq[i];
      if (item.IsMap() && item["name"] && item["name"].IsScalar() &&
          item["name"].Scalar() == p.text)
        return i;
    }
    error(p.column, "cannot set '" + path + "': no entry of " + where + " is named '" + p.text +
                        "'; " + expected);
    return std::nullopt;
  }

private:
  std::vector<diagnostic>& errors_;
  int line_;
};

bool is_index(const std::string& s) {
  auto x = parse_integer(s);
  return x && !x->negative && s.front() != '+' && s.front() != '-';
}

void apply_one(YAML::Node& root, const std::string& text, int line, override_sites& sites,
               std::vector<diagnostic>& errors) {
  applier a{errors, line};
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    a.error(1, "override '" + text + "' has no '='; " + syntax_hint);
    return;
  }
  // -- split the path ---------------------------------------------------------
  std::vector<part> parts;
  std::string path = text.substr(0, eq);
  size_t begin = 0;
  for (;;) {
    auto dot = path.find('.', begin);
    auto end = dot == std::string::npos ? path.size() : dot;
    parts.push_back(part{path.substr(begin, end - begin), static_cast<int>(begin) + 1});
    if (parts.back().text.empty()) {
      a.error(parts.back().column,
              "override path '" + path + "' has an empty part; " + syntax_hint);
      return;
    }
    if (dot == std::string::npos)
      break;
    begin = dot + 1;
  }
  // -- parse the value --------------------------------------------------------
  origin value_origin{location{override_file, line, static_cast<int>(eq) + 2}, true};
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    auto col = value_origin.base.column + (e.mark.is_null() ? 0 : e.mark.column);
    a.error(col, "invalid YAML in the value of '" + path + "': " + e.msg +
                     "; quote the value or fix its syntax");
    return;
  }
  // -- walk to the parent, creating maps on the way ---------------------------
  if (!root.IsDefined() || root.IsNull())
    root = YAML::Node(YAML::NodeType::Map);
  YAML::Node cur;
  cur.reset(root);
  std::string canonical;
  std::string shown = "the document root";
  std::vector<std::pair<std::string, location>> key_sites;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    bool last = i + 1 == parts.size();
    std::string key = p.text;
    YAML::Node next;
    if (cur.IsSequence()) {
      auto idx = a.index_in(cur, p, shown, path);
      if (!idx)
        return;
      key = std::to_string(*idx);
      if (!last)
        next.reset(cur[*idx]);
    } else if (cur.IsMap()) {
      if (!last) {
        next.reset(cur[key]);
        if (!next.IsDefined() || next.IsNull()) {
          if (is_index(parts[i + 1].text)) {
            a.error(parts[i + 1].column, "cannot set '" + path + "': " +
                                             (canonical.empty() ? key : canonical + '.' + key) +
                                             " has no entries; add the entry in the config "
                                             "file first");
            return;
          }
          next = YAML::Node(YAML::NodeType::Map); // writes through into cur[key]
        }
      }
    } else {
      a.error(parts[i - 1].column, "cannot set '" + path + "': " + shown + " is " + describe(cur) +
                                       ", not a map; set " + shown +
                                       " itself or fix it in the config file");
      return;
    }
    canonical = canonical.empty() ? key : canonical + '.' + key;
    shown = canonical;
    key_sites.emplace_back(canonical, location{override_file, line, p.column});
    if (last) {
      if (cur.IsSequence()) {
        YAML::Node target = cur[std::stoul(key)];
        target = value;
      } else {
        cur[key] = value;
      }
    } else {
      cur.reset(next);
    }
  }
  // -- record where its text is -----------------------------------------------
  for (auto& [k, at] : key_sites)
    sites.keys[k] = at;
  auto prefix = canonical + '.';
  for (auto i = sites.values.lower_bound(prefix);
       i != sites.values.end() && i->first.compare(0, prefix.size(), prefix) == 0;)
    i = sites.values.erase(i);
  sites.values[canonical] = value_origin;
}

} // namespace

void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     override_sites& sites, std::vector<diagnostic>& errors) {
  for (size_t i = 0; i < overrides.size(); ++i)
    apply_one(root, overrides[i], static_cast<int>(i) + 1, sites, errors);
}

} // namespace keel::config::detail
