#include "gateway/memory_backend.hpp"

#include <catch2/catch.hpp>

using namespace keel::gateway;

TEST_CASE("the memory backend sets, gets and deletes keys") {
  memory_backend b;
  CHECK(b.run({"GET", "k"}) == reply::null());
  CHECK(b.run({"set", "k", "v"}) == reply::ok());
  CHECK(b.run({"GET", "k"}) == reply::bulk("v"));
  CHECK(b.run({"EXISTS", "k", "k", "nope"}) == reply::integer(2));
  CHECK(b.run({"DEL", "k", "nope"}) == reply::integer(1));
  CHECK(b.run({"GET", "k"}) == reply::null());
}

TEST_CASE("the memory backend counts keys and flushes them") {
  memory_backend b;
  CHECK(b.run({"MSET", "a", "1", "b", "2"}) == reply::ok());
  CHECK(b.run({"DBSIZE"}) == reply::integer(2));
  CHECK(b.stats().keys == 2);
  CHECK(b.run({"MGET", "a", "x", "b"})
        == reply::array({reply::bulk("1"), reply::null(), reply::bulk("2")}));
  CHECK(b.run({"FLUSHALL"}) == reply::ok());
  CHECK(b.run({"DBSIZE"}) == reply::integer(0));
  CHECK(b.stats().used_memory == 0);
  CHECK_FALSE(b.stats().durable);
}

TEST_CASE("INCR counts from zero and refuses non-integers") {
  memory_backend b;
  CHECK(b.run({"INCR", "n"}) == reply::integer(1));
  CHECK(b.run({"INCR", "n"}) == reply::integer(2));
  CHECK(b.run({"SET", "s", "abc"}) == reply::ok());
  CHECK(b.run({"INCR", "s"}) == reply::error("ERR value is not an integer or out of range"));
}

TEST_CASE("the memory backend answers arity, syntax and unknown-command errors like Redis") {
  memory_backend b;
  CHECK(b.run({"GET"}) == reply::error("ERR wrong number of arguments for 'get' command"));
  CHECK(b.run({"MSET", "a"}) == reply::error("ERR wrong number of arguments for 'mset' command"));
  CHECK(b.run({"SET", "k", "v", "NX"}) == reply::error("ERR syntax error"));
  CHECK(b.run({"LPUSH", "l", "x"})
        == reply::error("ERR unknown command 'LPUSH', with args beginning with: 'l' 'x' "));
}

TEST_CASE("execute answers a batch in order with one reply per command") {
  memory_backend b;
  std::vector<reply> got;
  b.execute({{"SET", "k", "1"}, {"INCR", "k"}, {"GET", "k"}, {"NOPE"}},
            [&](std::vector<reply> r) { got = std::move(r); });
  REQUIRE(got.size() == 4);
  CHECK(got[0] == reply::ok());
  CHECK(got[1] == reply::integer(2));
  CHECK(got[2] == reply::bulk("2"));
  CHECK(got[3].is_error());
}
