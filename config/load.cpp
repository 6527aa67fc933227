// load_file / load_string: read the text, parse it, apply the overrides, validate.
#include "config/load.hpp"

#include "config/detail/overrides.hpp"
#include "config/detail/reader.hpp"
#include "config/detail/schema.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <tuple>
#include <utility>
#include <yaml-cpp/yaml.h>

namespace keel::config {

namespace {

/// Diagnostics of the file first, then those of the overrides, each in text order.
void sort_errors(std::vector<diagnostic>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const diagnostic& a, const diagnostic& b) {
    bool a_set = a.file == detail::override_file;
    bool b_set = b.file == detail::override_file;
    return std::tie(a_set, a.line, a.column) < std::tie(b_set, b.line, b.column);
  });
}

/// What makes a YAML text unreadable before parsing: the offset of its first byte that is not
/// well-formed UTF-8 (overlong forms, surrogates and code points past U+10FFFF are not) or that
/// starts a character YAML does not allow in a file (control characters other than tab, line
/// feed and carriage return; DEL; U+FFFE and U+FFFF), with what is wrong.
struct bad_text {
  size_t offset = std::string::npos;
  const char* what = nullptr;
};

bad_text check_text(const std::string& text) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  for (size_t i = 0; i < text.size();) {
    auto c = at(i);
    size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > text.size())
      return {i, "invalid UTF-8"};
    // The second byte's range rules out overlong forms, surrogates and values past U+10FFFF.
    unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      auto b = at(i + k);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
        return {i, "invalid UTF-8"};
      cp = (cp << 6) | (b & 0x3f);
    }
    bool printable = cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0x7e)
                     || cp == 0x85 || (cp >= 0xa0 && cp != 0xfffe && cp != 0xffff);
    if (!printable)
      return {i, "a control character"};
    i += n;
  }
  return {};
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
std::pair<int, int> position(const std::string& text, size_t offset) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

} // namespace

load_result load_string(const std::string& yaml, const std::string& name,
                        const std::vector<std::string>& overrides) {
  load_result result;
  // YAML text is printable Unicode: other bytes would be read as they are but written back by
  // --dump-config as something else (U+FFFD), a different value.
  if (auto bad = check_text(yaml); bad.what != nullptr) {
    auto [line, column] = position(yaml, bad.offset);
    char byte[8];
    std::snprintf(byte, sizeof(byte), "0x%02x", static_cast<unsigned char>(yaml[bad.offset]));
    result.errors.push_back(diagnostic{name, line, column,
                                       std::string{bad.what} + " (byte " + byte
                                         + "); YAML files must be printable UTF-8 text: save the "
                                           "file as UTF-8 and write such characters as escapes "
                                           "in a double-quoted string (\"\\x01\")"});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    auto line = e.mark.is_null() ? 0 : e.mark.line + 1;
    auto column = e.mark.is_null() ? 0 : e.mark.column + 1;
    result.errors.push_back(diagnostic{
        name, line, column, "invalid YAML: " + e.msg + "; fix the syntax at this position"});
    return result;
  }
  detail::override_sites sites;
  detail::apply_overrides(root, overrides, sites, result.errors);
  detail::origin file{detail::location{name, 1, 1}, false};
  detail::reader r{result.errors, sites};
  detail::read_config(root, file, r, result.config);
  sort_errors(result.errors);
  return result;
}

load_result load_file(const std::string& path, const std::vector<std::string>& overrides) {
  auto cannot_read = [&](const std::string& why) {
    load_result result;
    result.errors.push_back(diagnostic{path, 0, 0,
                                       "cannot read the config file: " + why +
                                           "; check the path given to --config and its "
                                           "permissions"});
    return result;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return cannot_read(std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    return cannot_read("it is a directory, not a YAML file");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return cannot_read(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return cannot_read(std::strerror(errno));
  return load_string(text.str(), path, overrides);
}

} // namespace keel::config
