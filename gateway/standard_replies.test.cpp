#include "gateway/standard_replies.hpp"

#include <catch2/catch.hpp>

using namespace keel::gateway;

TEST_CASE("an unknown command is answered with Redis' exact text") {
  CHECK(unknown_command({"foo", "a", "b"}).str()
        == "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  CHECK(unknown_command({"foo"}).str() == "ERR unknown command 'foo', with args beginning with: ");
  CHECK(unknown_command({"foo"}).is_error());
}

TEST_CASE("the unknown-command text shows at most about 128 bytes of arguments") {
  std::string big(200, 'x');
  auto text = unknown_command({"foo", big, "next"}).str();
  CHECK(text == "ERR unknown command 'foo', with args beginning with: '" + std::string(128, 'x')
                  + "' ");
  auto name = unknown_command({std::string(300, 'n')}).str();
  CHECK(name == "ERR unknown command '" + std::string(128, 'n') + "', with args beginning with: ");
}

TEST_CASE("arity errors name the command in lower case") {
  CHECK(wrong_arity("GET").str() == "ERR wrong number of arguments for 'get' command");
  CHECK(noauth().str() == "NOAUTH Authentication required.");
}
