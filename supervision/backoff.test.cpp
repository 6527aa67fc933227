#include "supervision/backoff.hpp"

#include <catch2/catch.hpp>

using namespace keel::supervision;
using std::chrono::milliseconds;

TEST_CASE("backoff doubles from min and stops at max", "[supervision][backoff]") {
  backoff_spec b{milliseconds{100}, milliseconds{1000}, 0.0, milliseconds{5000}};
  CHECK(backoff_delay(b, 0, 0.5) == milliseconds{100});
  CHECK(backoff_delay(b, 1, 0.5) == milliseconds{200});
  CHECK(backoff_delay(b, 2, 0.5) == milliseconds{400});
  CHECK(backoff_delay(b, 3, 0.5) == milliseconds{800});
  CHECK(backoff_delay(b, 4, 0.5) == milliseconds{1000});
  CHECK(backoff_delay(b, 200, 0.5) == milliseconds{1000});
}

TEST_CASE("jitter lengthens the delay by the random draw times the factor",
          "[supervision][backoff]") {
  backoff_spec b{milliseconds{100}, milliseconds{1000}, 0.5, milliseconds{5000}};
  CHECK(backoff_delay(b, 0, 0.0) == milliseconds{100});
  CHECK(backoff_delay(b, 0, 0.5) == milliseconds{125});
  CHECK(backoff_delay(b, 4, 0.5) == milliseconds{1250});
}

TEST_CASE("a seeded random source repeats its draws", "[supervision][backoff]") {
  auto a = make_random_source(42);
  auto b = make_random_source(42);
  for (int i = 0; i < 10; ++i) {
    auto x = a();
    CHECK(x == b());
    CHECK(x >= 0.0);
    CHECK(x < 1.0);
  }
}
