// diagnostic::str: the one place that formats `file:line:col: message`.
#include "config/load.hpp"

namespace keel::config {

std::string diagnostic::str() const {
  return file + ':' + std::to_string(line) + ':' + std::to_string(column) + ": " + message;
}

} // namespace keel::config
