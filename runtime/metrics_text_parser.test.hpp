// A strict parser of Prometheus text exposition format 0.0.4, for tests only.
//
// It accepts what the format's specification allows and rejects the rest, with a message that
// names the line: HELP/TYPE at most once per family and before its samples, a family's samples
// in one group, valid metric and label names, only the three escapes (\\ \" \n) in label values
// and two (\\ \n) in HELP, values as Go's ParseFloat reads them (NaN, +Inf, -Inf included), an
// optional integer timestamp, no duplicate series, every line ending with '\n'. For histograms:
// every bucket has `le`, counts are cumulative, `le="+Inf"` exists and equals `_count`.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keel::runtime::test {

struct parsed_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct parsed_text {
  std::string error; // empty when the text is valid
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> help;
  std::vector<parsed_sample> samples;

  /// The value of `name{labels}`, NaN when absent.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    for (auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return std::nan("");
  }
};

namespace detail {

inline bool name_char(char c, bool colon, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
         (!first && c >= '0' && c <= '9');
}

// Reads a name at `pos`; empty on failure.
inline std::string read_name(const std::string& line, size_t& pos, bool colon) {
  auto start = pos;
  while (pos < line.size() && name_char(line[pos], colon, pos == start))
    ++pos;
  return line.substr(start, pos - start);
}

inline bool parse_float(const std::string& x, double& out) {
  if (x == "NaN" || x == "+Inf" || x == "-Inf" || x == "Inf") {
    out = x == "NaN" ? std::nan("") : (x[0] == '-' ? -HUGE_VAL : HUGE_VAL);
    return true;
  }
  if (x.empty())
    return false;
  for (char c : x)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      return false;
  char* end = nullptr;
  out = std::strtod(x.c_str(), &end);
  return end == x.c_str() + x.size();
}

// The family a sample belongs to, given the declared types.
inline std::string family_of(const std::string& name,
                             const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s{suffix};
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto base = name.substr(0, name.size() - s.size());
      auto i = types.find(base);
      if (i != types.end() && (i->second == "histogram" || i->second == "summary"))
        return base;
    }
  }
  return name;
}

inline std::string check_histograms(const parsed_text& out) {
  // series key (family + labels without le) -> (le -> count), count, sum seen
  struct series {
    std::vector<std::pair<double, double>> buckets;
    bool has_count = false, has_sum = false;
    double count = 0;
  };
  std::map<std::string, series> all;
  for (auto& s : out.samples) {
    auto fam = family_of(s.name, out.types);
    auto t = out.types.find(fam);
    if (t == out.types.end() || t->second != "histogram")
      continue;
    auto labels = s.labels;
    auto le = labels.find("le");
    std::string le_text;
    if (le != labels.end()) {
      le_text = le->second;
      labels.erase(le);
    }
    std::string key = fam;
    for (auto& [k, v] : labels)
      key += "," + k + "=" + v;
    auto& ser = all[key];
    if (s.name == fam + "_bucket") {
      double bound = 0;
      if (le_text.empty() || !parse_float(le_text, bound))
        return "histogram " + fam + ": bucket without a valid le label";
      ser.buckets.emplace_back(bound, s.value);
    } else if (s.name == fam + "_count") {
      ser.has_count = true;
      ser.count = s.value;
    } else if (s.name == fam + "_sum") {
      ser.has_sum = true;
    } else {
      return "histogram " + fam + ": unexpected sample " + s.name;
    }
  }
  for (auto& [key, ser] : all) {
    if (ser.buckets.empty() || !ser.has_count || !ser.has_sum)
      return "histogram series " + key + ": needs buckets, _sum and _count";
    for (size_t i = 1; i < ser.buckets.size(); ++i)
      if (!(ser.buckets[i - 1].first < ser.buckets[i].first) ||
          ser.buckets[i - 1].second > ser.buckets[i].second)
        return "histogram series " + key + ": buckets not sorted or not cumulative";
    if (!std::isinf(ser.buckets.back().first))
      return "histogram series " + key + ": no le=\"+Inf\" bucket";
    if (ser.buckets.back().second != ser.count)
      return "histogram series " + key + ": +Inf bucket differs from _count";
  }
  return {};
}

} // namespace detail

/// Parses `text`; `error` names the first violation and its line.
inline parsed_text parse_prometheus_text(const std::string& text) {
  using namespace detail;
  parsed_text out;
  if (!text.empty() && text.back() != '\n') {
    out.error = "text does not end with a line feed";
    return out;
  }
  std::set<std::string> closed;      // families whose group of lines has ended
  std::set<std::string> with_sample; // families that had a sample
  std::set<std::string> series_seen;
  std::string current;
  size_t line_no = 0;
  size_t begin = 0;
  auto fail = [&](const std::string& why) {
    out.error = "line " + std::to_string(line_no) + ": " + why;
    return out;
  };
  auto enter = [&](const std::string& fam) {
    if (fam == current)
      return true;
    if (closed.count(fam))
      return false;
    if (!current.empty())
      closed.insert(current);
    current = fam;
    return true;
  };
  while (begin < text.size()) {
    auto end = text.find('\n', begin);
    auto line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (line.empty())
      continue;
    if (line[0] == '#') {
      if (line.rfind("# HELP ", 0) != 0 && line.rfind("# TYPE ", 0) != 0)
        continue; // a plain comment
      bool is_help = line[2] == 'H';
      size_t pos = 7;
      auto name = read_name(line, pos, true);
      if (name.empty())
        return fail("invalid metric name in " + line);
      if (!enter(name))
        return fail("family " + name + " appears in two groups");
      if (is_help) {
        if (pos < line.size() && line[pos] != ' ')
          return fail("HELP name followed by junk");
        auto raw = pos < line.size() ? line.substr(pos + 1) : std::string{};
        std::string help;
        for (size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] != '\\') {
            help += raw[i];
            continue;
          }
          if (++i == raw.size() || (raw[i] != '\\' && raw[i] != 'n'))
            return fail("invalid escape in HELP");
          help += raw[i] == 'n' ? '\n' : '\\';
        }
        if (!out.help.emplace(name, help).second)
          return fail("second HELP for " + name);
      } else {
        if (pos >= line.size() || line[pos] != ' ')
          return fail("TYPE without a type");
        auto type = line.substr(pos + 1);
        static const std::set<std::string> types{"counter", "gauge", "histogram", "summary",
                                                 "untyped"};
        if (!types.count(type))
          return fail("unknown type '" + type + "'");
        if (with_sample.count(name))
          return fail("TYPE of " + name + " after its samples");
        if (!out.types.emplace(name, type).second)
          return fail("second TYPE for " + name);
      }
      continue;
    }
    parsed_sample s;
    size_t pos = 0;
    s.name = read_name(line, pos, true);
    if (s.name.empty())
      return fail("invalid metric name at the start of '" + line + "'");
    std::string label_text;
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      for (;;) {
        if (pos < line.size() && line[pos] == '}') {
          ++pos;
          break;
        }
        auto key = read_name(line, pos, false);
        if (key.empty() || key.rfind("__", 0) == 0)
          return fail("invalid label name in '" + line + "'");
        if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"')
          return fail("label " + key + " without =\"");
        pos += 2;
        std::string value;
        for (;;) {
          if (pos >= line.size())
            return fail("unterminated label value");
          char c = line[pos++];
          if (c == '"')
            break;
          if (c == '\\') {
            if (pos >= line.size())
              return fail("unterminated escape");
            char e = line[pos++];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else
              return fail(std::string{"invalid escape \\"} + e + " in label value");
          } else {
            value += c;
          }
        }
        if (!s.labels.emplace(key, value).second)
          return fail("label " + key + " repeated");
        if (pos < line.size() && line[pos] == ',')
          ++pos;
        else if (pos >= line.size() || line[pos] != '}')
          return fail("expected , or } after a label");
      }
    }
    if (pos >= line.size() || line[pos] != ' ')
      return fail("expected one space before the value in '" + line + "'");
    auto rest = line.substr(pos + 1);
    auto space = rest.find(' ');
    auto value_text = rest.substr(0, space);
    if (!parse_float(value_text, s.value))
      return fail("invalid value '" + value_text + "'");
    if (space != std::string::npos) {
      auto ts = rest.substr(space + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos)
        return fail("invalid timestamp '" + ts + "'");
    }
    auto fam = family_of(s.name, out.types);
    if (!enter(fam))
      return fail("family " + fam + " appears in two groups");
    with_sample.insert(fam);
    auto t = out.types.find(fam);
    if (t != out.types.end() && t->second == "counter" && !(s.value >= 0))
      return fail("counter " + s.name + " is negative");
    for (auto& [k, v] : s.labels)
      label_text += k + "=" + v + ",";
    if (!series_seen.insert(s.name + "{" + label_text + "}").second)
      return fail("duplicate series " + s.name + "{" + label_text + "}");
    out.samples.push_back(std::move(s));
  }
  out.error = check_histograms(out);
  return out;
}

} // namespace keel::runtime::test
