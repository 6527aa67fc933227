#include "supervision/introspection.hpp"

namespace keel::supervision {

const char* to_string(child_status x) {
  switch (x) {
    case child_status::running: return "running";
    case child_status::starting: return "starting";
    case child_status::restarting: return "restarting";
    case child_status::stopping: return "stopping";
    case child_status::stopped: return "stopped";
  }
  return "unknown";
}

} // namespace keel::supervision
