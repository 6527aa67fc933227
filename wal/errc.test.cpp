#include "testkit/fixture.hpp"
#include "wal/errc.hpp"

#include <catch2/catch.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

using namespace keel::wal;

TEST_CASE("error code zero is not an error", "[wal][errc]") {
  CHECK(static_cast<int>(errc::none) == 0);
  CHECK(to_string(errc::none) == "none");
}

TEST_CASE("a wal error carries its category, code and context", "[wal][errc]") {
  auto err = make_error(errc::disk_full, "shard 1: no space");
  CHECK(err.category() == caf::atom("keel_wal"));
  CHECK(is(err, errc::disk_full));
  CHECK_FALSE(is(err, errc::corrupt));
  CHECK(describe(err) == "keel_wal: disk_full: shard 1: no space");
}

TEST_CASE("the registered category renders wal errors by name", "[wal][errc]") {
  keel::testkit::fixture_options opts;
  opts.configure = [](caf::actor_system_config& cfg) { add_error_category(cfg); };
  keel::testkit::fixture fx{opts};
  auto text = fx.sys().render(make_error(errc::wal_poisoned, "fdatasync failed"));
  CHECK(text == "keel_wal: wal_poisoned: fdatasync failed");
}
