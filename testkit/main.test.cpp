// Tests of keel's test main (catch_main.cpp): the watchdog every test case runs under.
#include "testkit/child_process.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <future>
#include <string>

#include <unistd.h>

namespace {

std::string this_binary() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  REQUIRE(n > 0);
  return {buf, static_cast<size_t>(n)};
}

} // namespace

TEST_CASE("(child) a test case that never ends", "[.watchdog_child]") {
  std::promise<void> never;
  never.get_future().wait();
}

TEST_CASE("the test main's watchdog names a test case that hangs and aborts the binary",
          "[watchdog]") {
  keel::testkit::child_process run{
    {this_binary(), "[.watchdog_child]"},
    {{"KEEL_TEST_CASE_LIMIT_S", "0.2"}, {"KEEL_TEST_TIME_FACTOR", "1"}}};
  auto rc = run.wait_exit();
  INFO(run.output());
  REQUIRE(rc);
  CHECK(*rc == 128 + SIGABRT);
  CHECK(run.output().find("keel testkit: test case '(child) a test case that never ends' is "
                          "still running after 0.2 s: it hangs.")
        != std::string::npos);
}

TEST_CASE("(child) a quick test case", "[.watchdog_quick]") {
  CHECK(std::string{"quick"}.size() == 5);
}

TEST_CASE("(child) another quick test case", "[.watchdog_quick]") {
  CHECK(std::string{"quicker"}.size() == 7);
}

TEST_CASE("test cases within the watchdog's limit run to their end and the binary exits",
          "[watchdog]") {
  // Armed and disarmed per test case: the limit applies to each, not to the whole run.
  keel::testkit::child_process run{{this_binary(), "[.watchdog_quick]"},
                                   {{"KEEL_TEST_CASE_LIMIT_S", "30"}}};
  CHECK(run.wait_exit() == 0);
  INFO(run.output());
  CHECK(run.output().find("2 test cases") != std::string::npos);
}
