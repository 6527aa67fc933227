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
  kv_command get_cmd{"GET", "k"};
  auto get = kv_classify(get_cmd);
  CHECK_FALSE(get.writes);
  CHECK(get.keys == std::vector<std::string_view>{"k"});
  kv_command mset_cmd{"MSET", "a", "1", "b", "2"};
  auto mset = kv_classify(mset_cmd);
  CHECK(mset.writes);
  CHECK(mset.keys == std::vector<std::string_view>{"a", "b"});
  kv_command del_cmd{"del", "a", "b", "a"};
  CHECK(kv_classify(del_cmd).keys == std::vector<std::string_view>{"a", "b", "a"});
  kv_command set_cmd{"SET", "k", "v", "EX", "10"};
  CHECK(kv_classify(set_cmd).keys == std::vector<std::string_view>{"k"});
  kv_command keys_cmd{"KEYS", "*"};
  auto keys = kv_classify(keys_cmd);
  CHECK(keys.keyspace);
  CHECK(keys.keys.empty());
}

TEST_CASE("classify lists no keys for a wrong arity or an unknown command") {
  kv_command get{"GET"};
  CHECK(kv_classify(get).arity_ok == false);
  CHECK(kv_classify(get).keys.empty());
  kv_command mset{"MSET", "a", "1", "b"};
  CHECK(kv_classify(mset).keys.empty());
  kv_command nope{"NOPE", "a"};
  CHECK(kv_classify(nope).spec == nullptr);
  kv_command empty;
  CHECK(kv_classify(empty).spec == nullptr);
}

TEST_CASE("the unknown command error quotes at most about 128 bytes of arguments") {
  std::string long_arg(300, 'x');
  auto text = kv_unknown_command_error({"nope", long_arg, "next"});
  CHECK(text == "ERR unknown command 'nope', with args beginning with: '" + std::string(128, 'x')
                  + "' ");
}
