#include "supervision/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace keel::supervision {

random_source make_random_source(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen] { return std::uniform_real_distribution<double>{0.0, 1.0}(*gen); };
}

random_source make_random_source() {
  std::random_device rd;
  return make_random_source((static_cast<uint64_t>(rd()) << 32) ^ rd());
}

std::chrono::milliseconds backoff_delay(const backoff_spec& spec, uint32_t attempt, double r) {
  using ms = std::chrono::milliseconds;
  auto min = static_cast<double>(spec.min.count());
  auto max = static_cast<double>(spec.max.count());
  // 2^attempt overflows nothing as a double; clamp before converting back.
  auto base = std::min(max, min * std::pow(2.0, static_cast<double>(std::min(attempt, 62u))));
  auto delay = base * (1.0 + r * spec.jitter);
  return ms{static_cast<ms::rep>(std::llround(delay))};
}

} // namespace keel::supervision
