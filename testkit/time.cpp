#include "testkit/time.hpp"

#include <cstdlib>

namespace keel::testkit {

double time_factor() {
  static const double factor = [] {
    const char* env = std::getenv("KEEL_TEST_TIME_FACTOR");
    if (env == nullptr)
      return 1.0;
    char* end = nullptr;
    double x = std::strtod(env, &end);
    return (end != env && x > 0) ? x : 1.0;
  }();
  return factor;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds base) {
  return std::chrono::milliseconds{static_cast<int64_t>(static_cast<double>(base.count()) *
                                                        time_factor())};
}

} // namespace keel::testkit
