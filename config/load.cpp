// load_file / load_string: read the text, parse it, apply the overrides, validate.
#include "config/load.hpp"

#include "config/detail/overrides.hpp"
#include "config/detail/reader.hpp"
#include "config/detail/schema.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <tuple>
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

} // namespace

load_result load_string(const std::string& yaml, const std::string& name,
                        const std::vector<std::string>& overrides) {
  load_result result;
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
