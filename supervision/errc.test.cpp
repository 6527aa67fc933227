#include "supervision/errc.hpp"
#include "testkit/fixture.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace keel::supervision;

TEST_CASE("error code zero is not an error", "[supervision][errc]") {
  CHECK_FALSE(make_error(errc::none));
  CHECK_FALSE(make_error(errc::none, "context"));
}

TEST_CASE("a supervision error carries its category, code and advice", "[supervision][errc]") {
  auto err = make_error(errc::child_unavailable, "child 'db' is restarting; retry");
  CHECK(err.category() == errc_category);
  CHECK(is(err, errc::child_unavailable));
  CHECK_FALSE(is(err, errc::start_failed));
  CHECK(describe(err) == "keel_sup: child_unavailable: child 'db' is restarting; retry");
}

TEST_CASE("an errc converts to a caf::error implicitly", "[supervision][errc]") {
  caf::error err = errc::start_timeout;
  CHECK(is(err, errc::start_timeout));
}

TEST_CASE("the registered category renders through the actor system", "[supervision][errc]") {
  keel::testkit::fixture_options opts;
  opts.configure = [](caf::actor_system_config& cfg) { add_error_category(cfg); };
  keel::testkit::fixture fx{opts};
  auto text = fx.sys().render(make_error(errc::intensity_exceeded, "gave up"));
  CHECK(text == "keel_sup: intensity_exceeded: gave up");
}

TEST_CASE("normal, user_shutdown and give-up reasons count as shutdown reasons",
          "[supervision][errc]") {
  CHECK(is_shutdown_reason(caf::error{}));
  CHECK(is_shutdown_reason(caf::exit_reason::normal));
  CHECK(is_shutdown_reason(caf::exit_reason::user_shutdown));
  CHECK(is_shutdown_reason(make_error(errc::intensity_exceeded, "x")));
  CHECK(is_shutdown_reason(make_error(errc::auto_shutdown, "x")));
  CHECK_FALSE(is_shutdown_reason(caf::sec::runtime_error));
  CHECK_FALSE(is_shutdown_reason(caf::exit_reason::kill));
}
