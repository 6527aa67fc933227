// Fuzz target for keel::config::load_string: the input is a node.yaml.
//
// Checked: loading never crashes or throws, whatever the text. Every diagnostic names the file,
// a line and column (1-based, line within the text) and says what is wrong. A config that
// loads dumps to YAML that loads again, without diagnostics, to an equal config.
#include "config/load.hpp"
#include "fuzz/fuzz_check.hpp"

#include <algorithm>
#include <string>

using keel::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml{reinterpret_cast<const char*>(data), size};
  auto lines = 1 + static_cast<int>(std::count(yaml.begin(), yaml.end(), '\n'));
  keel::config::load_result r;
  try {
    r = keel::config::load_string(yaml, "fuzz.yaml");
  } catch (...) {
    check(false, "load_string throws");
  }
  for (auto& d : r.errors) {
    check(d.file == "fuzz.yaml", "a diagnostic names the file");
    check(d.line >= 1 && d.line <= lines + 1 && d.column >= 1, "a diagnostic has line and column");
    check(!d.message.empty(), "a diagnostic says what is wrong");
  }
  if (!r.ok())
    return 0;
  auto dumped = keel::config::dump(r.config);
  auto again = keel::config::load_string(dumped, "dump.yaml");
  check(again.ok(), "a dumped config loads");
  check(again.config == r.config, "a dumped config loads to an equal config");
  return 0;
}
