#include "supervision/spec_check.hpp"

#include "supervision/errc.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace keel::supervision;
using std::chrono::milliseconds;

namespace {

child_spec valid(std::string id) {
  child_spec spec;
  spec.id = std::move(id);
  spec.start = ready_on_spawn([](caf::actor_system&) { return caf::actor{}; });
  return spec;
}

std::string problem(const caf::error& err) {
  REQUIRE(is(err, errc::invalid_child_spec));
  return describe(err);
}

} // namespace

TEST_CASE("a spec with only id and start is valid", "[supervision][spec]") {
  CHECK_FALSE(check_child_spec(valid("a")));
  CHECK_FALSE(check_child_specs({valid("a"), valid("b")}));
}

TEST_CASE("an empty id is invalid_id", "[supervision][spec]") {
  CHECK_THAT(problem(check_child_spec(valid(""))), Catch::Contains("invalid_id"));
}

TEST_CASE("a missing start factory is invalid_start naming the child", "[supervision][spec]") {
  auto spec = valid("db");
  spec.start = nullptr;
  auto text = problem(check_child_spec(spec));
  CHECK_THAT(text, Catch::Contains("child 'db'"));
  CHECK_THAT(text, Catch::Contains("invalid_start"));
}

TEST_CASE("a zero shutdown timeout is invalid_shutdown with its value", "[supervision][spec]") {
  auto spec = valid("db");
  spec.shutdown = shutdown_policy::timeout(milliseconds{0});
  auto text = problem(check_child_spec(spec));
  CHECK_THAT(text, Catch::Contains("invalid_shutdown timeout(0 ms)"));
}

TEST_CASE("an out-of-range restart type is invalid_restart_type", "[supervision][spec]") {
  auto spec = valid("db");
  spec.restart = static_cast<restart_type>(7);
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_restart_type 7"));
}

TEST_CASE("an out-of-range child type is invalid_child_type", "[supervision][spec]") {
  auto spec = valid("db");
  spec.type = static_cast<child_type>(9);
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_child_type 9"));
}

TEST_CASE("a significant permanent child is a bad_combination", "[supervision][spec]") {
  auto spec = valid("db");
  spec.significant = true;
  CHECK_THAT(problem(check_child_spec(spec, auto_shutdown_policy::any_significant)),
             Catch::Contains("bad_combination [restart permanent, significant true]"));
}

TEST_CASE("a significant child needs auto_shutdown", "[supervision][spec]") {
  auto spec = valid("db");
  spec.restart = restart_type::transient;
  spec.significant = true;
  CHECK_THAT(problem(check_child_spec(spec)),
             Catch::Contains("bad_combination [auto_shutdown never, significant true]"));
  CHECK_FALSE(check_child_spec(spec, auto_shutdown_policy::all_significant));
}

TEST_CASE("backoff fields are checked one by one", "[supervision][spec]") {
  auto spec = valid("db");
  spec.backoff = backoff_spec{milliseconds{0}, milliseconds{10}, 0.0, milliseconds{0}};
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_backoff min 0 ms"));
  spec.backoff = backoff_spec{milliseconds{10}, milliseconds{5}, 0.0, milliseconds{0}};
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_backoff max 5 ms"));
  spec.backoff = backoff_spec{milliseconds{10}, milliseconds{50}, -1.0, milliseconds{0}};
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_backoff jitter"));
  spec.backoff = backoff_spec{milliseconds{10}, milliseconds{50}, 0.1, milliseconds{-1}};
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_backoff reset_after"));
}

TEST_CASE("a non-positive start timeout is invalid_start_timeout", "[supervision][spec]") {
  auto spec = valid("db");
  spec.start_timeout = milliseconds{0};
  CHECK_THAT(problem(check_child_spec(spec)), Catch::Contains("invalid_start_timeout"));
}

TEST_CASE("duplicate ids are duplicate_child_name", "[supervision][spec]") {
  CHECK_THAT(problem(check_child_specs({valid("a"), valid("b"), valid("a")})),
             Catch::Contains("duplicate_child_name 'a'"));
}

TEST_CASE("flags need a positive period and one template for simple_one_for_one",
          "[supervision][spec]") {
  supervisor_flags flags;
  CHECK_FALSE(check_flags(flags, 3));
  flags.period = milliseconds{0};
  CHECK_THAT(problem(check_flags(flags, 3)), Catch::Contains("invalid_period"));
  flags.period = milliseconds{5000};
  flags.strategy = restart_strategy::simple_one_for_one;
  CHECK_THAT(problem(check_flags(flags, 2)), Catch::Contains("bad_start_spec"));
  CHECK_FALSE(check_flags(flags, 1));
}

TEST_CASE("defaults give workers a 5 s shutdown and supervisors infinity",
          "[supervision][spec]") {
  auto w = with_defaults(valid("w"));
  REQUIRE(w.shutdown);
  CHECK(w.shutdown->how == shutdown_policy::kind::timeout);
  CHECK(w.shutdown->after == milliseconds{5000});
  auto s = valid("s");
  s.type = child_type::supervisor;
  CHECK(with_defaults(s).shutdown->how == shutdown_policy::kind::infinity);
}
