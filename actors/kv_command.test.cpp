#include "actors/kv_command.hpp"

#include <catch2/catch.hpp>

using namespace keel::actors;

TEST_CASE("command names are found in any case") {
  REQUIRE(kv_find_command("get") != nullptr);
  CHECK(kv_find_command("GeT")->id == kv_command_id::get);
  CHECK(kv_find_command("getx") == nullptr);
  CHECK(kv_find_command("") == nullptr);
}

TEST_CASE("classify lists the keys and says whether a command writes") {
  auto get = kv_classify({"GET", "k"});
  CHECK_FALSE(get.writes);
  CHECK(get.keys == std::vector<std::string_view>{"k"});
  auto mset = kv_classify({"MSET", "a", "1", "b", "2"});
  CHECK(mset.writes);
  CHECK(mset.keys == std::vector<std::string_view>{"a", "b"});
  auto del = kv_classify({"del", "a", "b", "a"});
  CHECK(del.keys == std::vector<std::string_view>{"a", "b", "a"});
  auto set = kv_classify({"SET", "k", "v", "EX", "10"});
  CHECK(set.keys == std::vector<std::string_view>{"k"});
  auto keys = kv_classify({"KEYS", "*"});
  CHECK(keys.keyspace);
  CHECK(keys.keys.empty());
}

TEST_CASE("classify lists no keys for a wrong arity or an unknown command") {
  CHECK(kv_classify({"GET"}).arity_ok == false);
  CHECK(kv_classify({"GET"}).keys.empty());
  CHECK(kv_classify({"MSET", "a", "1", "b"}).keys.empty());
  CHECK(kv_classify({"NOPE", "a"}).spec == nullptr);
  CHECK(kv_classify({}).spec == nullptr);
}

TEST_CASE("the unknown command error quotes at most about 128 bytes of arguments") {
  std::string long_arg(300, 'x');
  auto text = kv_unknown_command_error({"nope", long_arg, "next"});
  CHECK(text == "ERR unknown command 'nope', with args beginning with: '" + std::string(128, 'x')
                  + "' ");
}
