#include "actors/kv_state_machine.hpp"

#include "actors/kv_test_harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace keel::actors;
using namespace keel::actors::test;

namespace {

const char* const not_int = "ERR value is not an integer or out of range";
const char* const syntax = "ERR syntax error";

} // namespace

TEST_CASE("get returns the value that set stored and nil for a missing key") {
  kv_harness kv;
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"get", "k"}) == bulk("v"));
  CHECK(kv({"GeT", "k"}) == bulk("v"));
}

TEST_CASE("keys and values are binary safe") {
  kv_harness kv;
  std::string key("a\0b\r\n", 5);
  std::string value("\0\xff\x01", 3);
  CHECK(kv({"SET", key, value}) == ok());
  CHECK(kv({"GET", key}) == bulk(value));
  CHECK(kv({"GET", std::string("a\0c\r\n", 5)}) == nil());
  CHECK(kv({"STRLEN", key}) == num(3));
}

TEST_CASE("a wrong number of arguments is reported with the lower-case command name") {
  kv_harness kv;
  CHECK(kv({"GET"}) == err("ERR wrong number of arguments for 'get' command"));
  CHECK(kv({"GET", "a", "b"}) == err("ERR wrong number of arguments for 'get' command"));
  CHECK(kv({"SET", "k"}) == err("ERR wrong number of arguments for 'set' command"));
  CHECK(kv({"DEL"}) == err("ERR wrong number of arguments for 'del' command"));
  CHECK(kv({"MSET", "a"}) == err("ERR wrong number of arguments for 'mset' command"));
  CHECK(kv({"MSET", "a", "1", "b"}) == err("ERR wrong number of arguments for 'mset' command"));
  CHECK(kv({"INCRBY", "a"}) == err("ERR wrong number of arguments for 'incrby' command"));
  CHECK(kv({"DBSIZE", "x"}) == err("ERR wrong number of arguments for 'dbsize' command"));
  CHECK(kv({"TTL"}) == err("ERR wrong number of arguments for 'ttl' command"));
  CHECK(kv({"EXPIRE", "k"}) == err("ERR wrong number of arguments for 'expire' command"));
  CHECK(kv({"SCAN"}) == err("ERR wrong number of arguments for 'scan' command"));
  CHECK(kv.log.empty());
}

TEST_CASE("an unknown command is reported with its first arguments") {
  kv_harness kv;
  CHECK(kv({"FOO", "a", "b"})
        == err("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "));
  CHECK(kv({"foo"}) == err("ERR unknown command 'foo', with args beginning with: "));
}

TEST_CASE("set with nx writes only a missing key and with xx only an existing key") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "1", "XX"}) == nil());
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv({"SET", "k", "1", "NX"}) == ok());
  CHECK(kv({"SET", "k", "2", "nx"}) == nil());
  CHECK(kv({"GET", "k"}) == bulk("1"));
  CHECK(kv({"SET", "k", "3", "xx"}) == ok());
  CHECK(kv({"GET", "k"}) == bulk("3"));
  CHECK(kv({"SET", "k", "4", "NX", "XX"}) == err(syntax));
  CHECK(kv({"SET", "k", "4", "XX", "NX"}) == err(syntax));
  CHECK(kv({"SET", "k", "4", "NX", "NX"}) == nil());
}

TEST_CASE("set with get returns the old value, also when nx or xx prevent the write") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "1", "GET"}) == nil());
  CHECK(kv({"SET", "k", "2", "GET"}) == bulk("1"));
  CHECK(kv({"SET", "k", "3", "NX", "GET"}) == bulk("2"));
  CHECK(kv({"GET", "k"}) == bulk("2"));
  CHECK(kv({"SET", "m", "1", "XX", "GET"}) == nil());
  CHECK(kv({"GET", "m"}) == nil());
  CHECK(kv({"SET", "k", "4", "XX", "GET"}) == bulk("2"));
  CHECK(kv({"GET", "k"}) == bulk("4"));
}

TEST_CASE("set with ex px exat pxat stores an absolute expiry") {
  kv_harness kv;
  CHECK(kv({"SET", "a", "v", "EX", "10"}) == ok());
  CHECK(kv({"PTTL", "a"}) == num(10000));
  CHECK(kv({"SET", "b", "v", "PX", "1500"}) == ok());
  CHECK(kv({"PTTL", "b"}) == num(1500));
  CHECK(kv({"TTL", "b"}) == num(2));
  CHECK(kv({"SET", "c", "v", "EXAT", std::to_string(start_ms / 1000 + 100)}) == ok());
  CHECK(kv({"TTL", "c"}) == num(100));
  CHECK(kv({"SET", "d", "v", "PXAT", std::to_string(start_ms + 42)}) == ok());
  CHECK(kv({"PTTL", "d"}) == num(42));
  CHECK(kv({"SET", "d", "v", "ex", "5", "EX", "7"}) == ok()); // Redis: the last one wins
  CHECK(kv({"TTL", "d"}) == num(7));
}

TEST_CASE("set without keepttl clears the ttl and with keepttl keeps it") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "EX", "10"}) == ok());
  CHECK(kv({"SET", "k", "w", "KEEPTTL"}) == ok());
  CHECK(kv({"TTL", "k"}) == num(10));
  CHECK(kv({"GET", "k"}) == bulk("w"));
  CHECK(kv({"SET", "k", "x"}) == ok());
  CHECK(kv({"TTL", "k"}) == num(-1));
  CHECK(kv({"SET", "n", "x", "KEEPTTL"}) == ok());
  CHECK(kv({"TTL", "n"}) == num(-1));
}

TEST_CASE("set rejects conflicting, dangling and unknown options as a syntax error") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v", "EX", "1", "PX", "1"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "PX", "1", "EXAT", "1"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "EXAT", "1", "PXAT", "1"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "KEEPTTL", "EX", "1"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "EX", "1", "KEEPTTL"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "EX"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "FOO"}) == err(syntax));
  CHECK(kv({"SET", "k", "v", "PERSIST"}) == err(syntax));
  CHECK(kv({"GET", "k"}) == nil());
  CHECK(kv.log.empty());
}

TEST_CASE("set rejects an expire time that is not a positive integer") {
  kv_harness kv;
  auto invalid = err("ERR invalid expire time in 'set' command");
  CHECK(kv({"SET", "k", "v", "EX", "0"}) == invalid);
  CHECK(kv({"SET", "k", "v", "PX", "-5"}) == invalid);
  CHECK(kv({"SET", "k", "v", "EXAT", "0"}) == invalid);
  CHECK(kv({"SET", "k", "v", "EX", "9223372036854775"}) == invalid);
  CHECK(kv({"SET", "k", "v", "PX", "9223372036854775807"}) == invalid);
  CHECK(kv({"SET", "k", "v", "EX", "1.5"}) == err(not_int));
  CHECK(kv({"SET", "k", "v", "EX", "ten"}) == err(not_int));
  CHECK(kv({"SET", "k", "v", "EX", "10", "GET"}) == nil());
  CHECK(kv({"GET", "k"}) == bulk("v"));
}

TEST_CASE("setnx writes only a missing key and says whether it did") {
  kv_harness kv;
  CHECK(kv({"SETNX", "k", "1"}) == num(1));
  CHECK(kv({"SETNX", "k", "2"}) == num(0));
  CHECK(kv({"GET", "k"}) == bulk("1"));
  CHECK(kv.log.size() == 1);
  CHECK(kv({"PEXPIRE", "k", "5"}) == num(1));
  kv.advance(6); // a key lives until its expiry time has passed, as in Redis
  CHECK(kv({"SETNX", "k", "3"}) == num(1)); // an expired key counts as missing
  CHECK(kv({"TTL", "k"}) == num(-1));
  CHECK(kv({"GET", "k"}) == bulk("3"));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("setex and psetex store a value with a ttl and reject a ttl that is not positive") {
  kv_harness kv;
  CHECK(kv({"SETEX", "a", "10", "v"}) == ok());
  CHECK(kv({"PTTL", "a"}) == num(10000));
  CHECK(kv({"PSETEX", "b", "1500", "w"}) == ok());
  CHECK(kv({"PTTL", "b"}) == num(1500));
  CHECK(kv({"GET", "b"}) == bulk("w"));
  CHECK(kv({"SETEX", "a", "0", "x"}) == err("ERR invalid expire time in 'setex' command"));
  CHECK(kv({"PSETEX", "a", "-1", "x"}) == err("ERR invalid expire time in 'psetex' command"));
  CHECK(kv({"SETEX", "a", "9223372036854775807", "x"})
        == err("ERR invalid expire time in 'setex' command"));
  CHECK(kv({"SETEX", "a", "ten", "x"}) == err(not_int));
  CHECK(kv({"GET", "a"}) == bulk("v"));
  CHECK(kv.log.size() == 2);
  kv.advance(1500);
  CHECK(kv({"GET", "b"}) == bulk("w"));
  kv.advance(1);
  CHECK(kv({"GET", "b"}) == nil());
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("getset and getdel return the old value and clear or remove the key") {
  kv_harness kv;
  CHECK(kv({"GETSET", "k", "1"}) == nil());
  CHECK(kv({"SET", "k", "2", "EX", "100"}) == ok());
  CHECK(kv({"GETSET", "k", "3"}) == bulk("2"));
  CHECK(kv({"TTL", "k"}) == num(-1)); // like SET without KEEPTTL
  CHECK(kv({"GETDEL", "k"}) == bulk("3"));
  CHECK(kv({"EXISTS", "k"}) == num(0));
  auto records = kv.log.size();
  CHECK(kv({"GETDEL", "k"}) == nil());
  CHECK(kv.log.size() == records); // nothing deleted: no record
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("unlink deletes like del and type says string or none") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "b", "2"}) == ok());
  CHECK(kv({"TYPE", "a"}) == simple("string"));
  CHECK(kv({"UNLINK", "a", "b", "c", "a"}) == num(2));
  CHECK(kv({"TYPE", "a"}) == simple("none"));
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv({"UNLINK"}) == err("ERR wrong number of arguments for 'unlink' command"));
  CHECK(kv({"TYPE", "a", "b"}) == err("ERR wrong number of arguments for 'type' command"));
}

TEST_CASE("getex returns the value and sets, replaces or removes its ttl") {
  kv_harness kv;
  CHECK(kv({"GETEX", "k", "EX", "10"}) == nil());
  CHECK(kv({"GETEX", "k", "EX", "0"}) == nil()); // a missing key: no error, as Redis
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"GETEX", "k"}) == bulk("v"));
  CHECK(kv({"TTL", "k"}) == num(-1));
  CHECK(kv({"GETEX", "k", "EX", "10"}) == bulk("v"));
  CHECK(kv({"PTTL", "k"}) == num(10000));
  CHECK(kv({"GETEX", "k", "px", "500", "PX", "700"}) == bulk("v")); // the last one wins
  CHECK(kv({"PTTL", "k"}) == num(700));
  CHECK(kv({"GETEX", "k", "PXAT", std::to_string(start_ms + 42)}) == bulk("v"));
  CHECK(kv({"PTTL", "k"}) == num(42));
  CHECK(kv({"GETEX", "k", "PERSIST"}) == bulk("v"));
  CHECK(kv({"TTL", "k"}) == num(-1));
  CHECK(kv({"GETEX", "k", "EX", "0"}) == err("ERR invalid expire time in 'getex' command"));
  CHECK(kv({"GETEX", "k", "EX", "x"}) == err(not_int));
  for (auto opts : std::vector<kv_command>{{"PERSIST", "EX", "1"}, {"EX", "1", "PERSIST"},
                                           {"EX", "1", "PX", "1"}, {"EX"}, {"KEEPTTL"}, {"GET"}}) {
    kv_command cmd{"GETEX", "k"};
    cmd.insert(cmd.end(), opts.begin(), opts.end());
    CHECK(kv(cmd) == err(syntax));
  }
  CHECK(kv({"GETEX", "k", "EXAT", "1"}) == bulk("v")); // in the past: the key goes
  CHECK(kv({"EXISTS", "k"}) == num(0));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("getrange and substr count from either end and clamp to the value") {
  kv_harness kv;
  CHECK(kv({"GETRANGE", "k", "0", "-1"}) == bulk(""));
  CHECK(kv({"SET", "k", "Hello World"}) == ok());
  CHECK(kv({"GETRANGE", "k", "0", "4"}) == bulk("Hello"));
  CHECK(kv({"GETRANGE", "k", "-5", "-1"}) == bulk("World"));
  CHECK(kv({"GETRANGE", "k", "-100", "2"}) == bulk("Hel"));
  CHECK(kv({"GETRANGE", "k", "6", "100"}) == bulk("World"));
  CHECK(kv({"GETRANGE", "k", "5", "2"}) == bulk(""));
  CHECK(kv({"GETRANGE", "k", "-1", "-5"}) == bulk(""));
  CHECK(kv({"SUBSTR", "k", "0", "0"}) == bulk("H"));
  CHECK(kv({"GETRANGE", "k", "a", "1"}) == err(not_int));
  CHECK(kv({"GETRANGE", "k", "0"}) == err("ERR wrong number of arguments for 'getrange' command"));
}

TEST_CASE("setrange overwrites from an offset, pads with zero bytes and keeps the ttl") {
  kv_harness kv;
  CHECK(kv({"SETRANGE", "k", "5", ""}) == num(0));
  CHECK(kv({"EXISTS", "k"}) == num(0)); // nothing to write: no key
  CHECK(kv({"SETRANGE", "k", "2", "ab"}) == num(4));
  CHECK(kv({"GET", "k"}) == bulk(std::string("\0\0ab", 4)));
  CHECK(kv({"SET", "k", "Hello World", "EX", "100"}) == ok());
  CHECK(kv({"SETRANGE", "k", "6", "Redis"}) == num(11));
  CHECK(kv({"GET", "k"}) == bulk("Hello Redis"));
  CHECK(kv({"TTL", "k"}) == num(100));
  CHECK(kv({"SETRANGE", "k", "0", ""}) == num(11));
  CHECK(kv({"SETRANGE", "k", "-1", "x"}) == err("ERR offset is out of range"));
  CHECK(kv({"SETRANGE", "k", "536870911", "xy"})
        == err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  CHECK(kv({"GET", "k"}) == bulk("Hello Redis"));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("incrbyfloat adds long doubles, keeps the ttl and refuses what is not a float") {
  kv_harness kv;
  CHECK(kv({"INCRBYFLOAT", "k", "10.5"}) == bulk("10.5"));
  CHECK(kv({"INCRBYFLOAT", "k", "0.1"}) == bulk("10.6"));
  CHECK(kv({"INCRBYFLOAT", "k", "-5e-1"}) == bulk("10.1"));
  CHECK(kv({"PEXPIRE", "k", "5000"}) == num(1));
  CHECK(kv({"INCRBYFLOAT", "k", "2.0e2"}) == bulk("210.10000000000000001")); // as redis-server
  CHECK(kv({"PTTL", "k"}) == num(5000));
  CHECK(kv({"INCRBYFLOAT", "k", "abc"}) == err("ERR value is not a valid float"));
  CHECK(kv({"INCRBYFLOAT", "k", "inf"}) == err("ERR increment would produce NaN or Infinity"));
  CHECK(kv({"SET", "s", "hello"}) == ok());
  CHECK(kv({"INCRBYFLOAT", "s", "1"}) == err("ERR value is not a valid float"));
  CHECK(kv({"GET", "k"}) == bulk("210.10000000000000001"));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("touch counts existing keys; expiretime and pexpiretime give the absolute expiry") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "b", "2"}) == ok());
  CHECK(kv({"TOUCH", "a", "b", "c", "a"}) == num(3));
  CHECK(kv({"EXPIRETIME", "c"}) == num(-2));
  CHECK(kv({"EXPIRETIME", "a"}) == num(-1));
  CHECK(kv({"PEXPIREAT", "a", std::to_string(start_ms + 1499)}) == num(1));
  CHECK(kv({"PEXPIRETIME", "a"}) == num(start_ms + 1499));
  CHECK(kv({"EXPIRETIME", "a"}) == num((start_ms + 1499 + 500) / 1000)); // rounded, as Redis
  CHECK(kv({"FLUSHDB", "ASYNC"}) == ok());
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv({"FLUSHDB", "later"}) == err(syntax));
}

TEST_CASE("a transaction runs its commands in order, logs one record and replies an array") {
  kv_harness kv;
  CHECK(kv({"SET", "n", "1"}) == ok());
  auto records = kv.log.size();
  auto r = kv.run(kv_transaction({{"INCR", "n"}, {"SET", "s", "x"}, {"INCR", "s"},
                                  {"GET", "n"}, {"NOPE"}, {"APPEND", "s", "y"}}));
  CHECK(r == arr({num(2), ok(), err(not_int), bulk("2"),
                  err("ERR unknown command 'NOPE', with args beginning with: "), num(2)}));
  CHECK(kv.log.size() == records + 1); // all effects in one record: all or nothing on replay
  CHECK(kv.last_depends == kv.next - 1);
  CHECK(kv({"GET", "s"}) == bulk("xy"));
  CHECK(kv.run(kv_transaction({{"GET", "n"}})) == arr({bulk("2")}));
  CHECK(kv.log.size() == records + 1); // a read-only transaction logs nothing
  CHECK(kv.run(kv_transaction({})) == arr({}));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("a transaction runs only while its watched keys keep the versions WATCH gave") {
  kv_harness kv;
  CHECK(kv({"SET", "a", "1"}) == ok());
  auto versions = kv({"WATCH", "a", "missing"});
  REQUIRE(versions.elements().size() == 2);
  auto va = versions.elements()[0].str();
  auto vm = versions.elements()[1].str();
  auto guarded = [&](kv_command cmd) {
    return kv.run(kv_transaction({{"WATCHED", "a", va, "missing", vm}, std::move(cmd)}));
  };
  CHECK(kv({"GET", "a"}) == bulk("1")); // reads change nothing
  CHECK(guarded({"INCR", "a"}) == arr({num(2)}));
  CHECK(guarded({"INCR", "a"}) == nil()); // the INCR above changed a: nothing runs
  CHECK(kv({"GET", "a"}) == bulk("2"));
  va = kv({"WATCH", "a"}).elements()[0].str();
  CHECK(kv({"SET", "other", "x"}) == ok()); // another key: no matter
  CHECK(guarded({"GET", "a"}) == arr({bulk("2")}));
  CHECK(kv({"DEL", "other"}) == num(1)); // another key's deletion: no matter (unless its
  CHECK(guarded({"GET", "a"}) == arr({bulk("2")})); // hash bucket is missing's: 1 in 1024)
  CHECK(kv({"SET", "missing", "x"}) == ok());
  CHECK(kv({"DEL", "missing"}) == num(1)); // created and deleted: missing again, but changed
  CHECK(guarded({"GET", "a"}) == nil());
  vm = kv({"WATCH", "missing"}).elements()[0].str();
  CHECK(kv({"FLUSHALL"}) == ok()); // FLUSHALL changes every key, missing ones too
  CHECK(kv.run(kv_transaction({{"WATCHED", "missing", vm}, {"PING"}})) == nil());
  // A machine restarted from the same log gives other versions: nothing runs after a restart.
  kv_state_machine again;
  for (auto& [at, record] : kv.log)
    REQUIRE_FALSE(again.replay(record, at));
  auto now = kv_harness{}.now();
  auto fresh = kv({"WATCH", "a"}).elements()[0].str();
  CHECK(again.execute(kv_transaction({{"WATCHED", "a", fresh}, {"GET", "a"}}), now, kv.next)
          .reply == nil());
  CHECK(kv({"WATCHED", "a", "1"}).is_error()); // only inside a transaction
}

TEST_CASE("a WATCH in a batch closes the merged record, so a write after it gets a new lsn") {
  kv_state_machine sm;
  CHECK(sm.may_merge({"SET", "a", "1"}, 0));
  CHECK_FALSE(sm.may_merge({"WATCH", "a"}, 0));
  CHECK_FALSE(sm.may_merge({"watch", "a"}, 10));
}

TEST_CASE("a malformed or nested transaction is refused") {
  kv_harness kv;
  CHECK(kv({"EXEC", "2", "GET"}) == err("ERR EXEC without MULTI"));
  CHECK(kv({"EXEC", "x", "GET"}) == err("ERR EXEC without MULTI"));
  CHECK(kv({"EXEC", "0"}) == err("ERR EXEC without MULTI"));
  auto nested = kv_transaction({{"SET", "a", "1"}, kv_transaction({{"SET", "b", "1"}})});
  CHECK(kv.run(nested) == arr({ok(), err("ERR EXEC without MULTI")}));
  CHECK(kv({"EXISTS", "b"}) == num(0));
  auto cmds = kv_transaction_commands(kv_transaction({{"GET", "a"}, {"MSET", "a", "1", "b", "2"}}));
  REQUIRE(cmds);
  CHECK(*cmds == std::vector<kv_command>{{"GET", "a"}, {"MSET", "a", "1", "b", "2"}});
}

TEST_CASE("del and exists count keys, exists counting repeated keys each time") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "b", "2"}) == ok());
  CHECK(kv({"EXISTS", "a", "a", "b", "c"}) == num(3));
  CHECK(kv({"DEL", "a", "a", "c"}) == num(1));
  CHECK(kv({"EXISTS", "a"}) == num(0));
  CHECK(kv({"DEL", "nothing"}) == num(0));
}

TEST_CASE("mget returns values and nils in argument order") {
  kv_harness kv;
  CHECK(kv({"MSET", "a", "1", "c", "3"}) == ok());
  CHECK(kv({"MGET", "a", "b", "c", "a"}) == arr({bulk("1"), nil(), bulk("3"), bulk("1")}));
}

TEST_CASE("mset overwrites values and clears their ttl") {
  kv_harness kv;
  CHECK(kv({"SET", "a", "0", "EX", "100"}) == ok());
  CHECK(kv({"MSET", "a", "1", "b", "2", "a", "3"}) == ok());
  CHECK(kv({"MGET", "a", "b"}) == arr({bulk("3"), bulk("2")}));
  CHECK(kv({"TTL", "a"}) == num(-1));
}

TEST_CASE("incr and decr count from zero and keep the ttl") {
  kv_harness kv;
  CHECK(kv({"INCR", "n"}) == num(1));
  CHECK(kv({"INCRBY", "n", "41"}) == num(42));
  CHECK(kv({"DECR", "n"}) == num(41));
  CHECK(kv({"DECRBY", "n", "50"}) == num(-9));
  CHECK(kv({"GET", "n"}) == bulk("-9"));
  CHECK(kv({"EXPIRE", "n", "100"}) == num(1));
  CHECK(kv({"INCR", "n"}) == num(-8));
  CHECK(kv({"TTL", "n"}) == num(100));
}

TEST_CASE("incr rejects values and increments that are not strict integers") {
  kv_harness kv;
  for (auto v : {"abc", "1.5", " 1", "1 ", "+1", "01", "-0", "", "9223372036854775808"}) {
    CHECK(kv({"SET", "n", v}) == ok());
    CHECK(kv({"INCR", "n"}) == err(not_int));
  }
  CHECK(kv({"SET", "n", "5"}) == ok());
  CHECK(kv({"INCRBY", "n", "x"}) == err(not_int));
  CHECK(kv({"DECRBY", "n", "1e3"}) == err(not_int));
  CHECK(kv({"GET", "n"}) == bulk("5"));
}

TEST_CASE("incr and decr report an overflow and leave the value") {
  kv_harness kv;
  auto overflow = err("ERR increment or decrement would overflow");
  CHECK(kv({"SET", "n", "9223372036854775807"}) == ok());
  CHECK(kv({"INCR", "n"}) == overflow);
  CHECK(kv({"SET", "m", "-9223372036854775808"}) == ok());
  CHECK(kv({"DECR", "m"}) == overflow);
  CHECK(kv({"INCRBY", "m", "-1"}) == overflow);
  CHECK(kv({"DECRBY", "m", "-9223372036854775808"}) == err("ERR decrement would overflow"));
  CHECK(kv({"INCRBY", "m", "9223372036854775807"}) == num(-1));
  CHECK(kv({"GET", "n"}) == bulk("9223372036854775807"));
}

TEST_CASE("append creates or extends a value and returns the new length") {
  kv_harness kv;
  CHECK(kv({"APPEND", "k", "ab"}) == num(2));
  CHECK(kv({"APPEND", "k", "cd"}) == num(4));
  CHECK(kv({"GET", "k"}) == bulk("abcd"));
  CHECK(kv({"APPEND", "e", ""}) == num(0));
  CHECK(kv({"EXISTS", "e"}) == num(1));
  CHECK(kv({"STRLEN", "k"}) == num(4));
  CHECK(kv({"STRLEN", "none"}) == num(0));
}

TEST_CASE("ttl and pttl say -2 for a missing key and -1 for a key without ttl") {
  kv_harness kv;
  CHECK(kv({"TTL", "k"}) == num(-2));
  CHECK(kv({"PTTL", "k"}) == num(-2));
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"TTL", "k"}) == num(-1));
  CHECK(kv({"PTTL", "k"}) == num(-1));
  CHECK(kv({"PEXPIRE", "k", "1499"}) == num(1));
  CHECK(kv({"TTL", "k"}) == num(1)); // rounded like Redis: (ms + 500) / 1000
  kv.advance(1499);
  CHECK(kv({"PTTL", "k"}) == num(0));
  kv.advance(1);
  CHECK(kv({"PTTL", "k"}) == num(-2));
  CHECK(kv({"TTL", "k"}) == num(-2));
}

TEST_CASE("expire pexpire expireat pexpireat set a ttl on existing keys only") {
  kv_harness kv;
  CHECK(kv({"EXPIRE", "k", "10"}) == num(0));
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"EXPIRE", "k", "10"}) == num(1));
  CHECK(kv({"PTTL", "k"}) == num(10000));
  CHECK(kv({"PEXPIRE", "k", "500"}) == num(1));
  CHECK(kv({"PTTL", "k"}) == num(500));
  CHECK(kv({"EXPIREAT", "k", std::to_string(start_ms / 1000 + 20)}) == num(1));
  CHECK(kv({"TTL", "k"}) == num(20));
  CHECK(kv({"PEXPIREAT", "k", std::to_string(start_ms + 7)}) == num(1));
  CHECK(kv({"PTTL", "k"}) == num(7));
}

TEST_CASE("expire with a time in the past deletes the key and returns 1") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"EXPIRE", "k", "-1"}) == num(1));
  CHECK(kv({"EXISTS", "k"}) == num(0));
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"PEXPIREAT", "k", std::to_string(start_ms)}) == num(1));
  CHECK(kv({"DBSIZE"}) == num(0));
}

TEST_CASE("expire rejects bad numbers, overflows and options") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"EXPIRE", "k", "x"}) == err(not_int));
  CHECK(kv({"EXPIRE", "k", "9223372036854776"}) == err("ERR invalid expire time in 'expire' command"));
  CHECK(kv({"PEXPIRE", "k", "9223372036854775807"})
        == err("ERR invalid expire time in 'pexpire' command"));
  CHECK(kv({"EXPIRE", "k", "10", "YY"}) == err("ERR Unsupported option YY"));
  CHECK(kv({"EXPIRE", "k", "10", "NX", "XX"})
        == err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  CHECK(kv({"EXPIRE", "k", "10", "GT", "LT"})
        == err("ERR GT and LT options at the same time are not compatible"));
  CHECK(kv({"TTL", "k"}) == num(-1));
}

TEST_CASE("expire nx xx gt lt compare with the current ttl, no ttl counting as infinite") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"EXPIRE", "k", "10", "XX"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "10", "GT"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "10", "LT"}) == num(1));
  CHECK(kv({"EXPIRE", "k", "20", "NX"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "20", "XX"}) == num(1));
  CHECK(kv({"EXPIRE", "k", "15", "GT"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "30", "gt"}) == num(1));
  CHECK(kv({"EXPIRE", "k", "40", "LT"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "5", "lt"}) == num(1));
  CHECK(kv({"TTL", "k"}) == num(5));
}

TEST_CASE("persist removes a ttl and says whether there was one") {
  kv_harness kv;
  CHECK(kv({"PERSIST", "k"}) == num(0));
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv({"PERSIST", "k"}) == num(0));
  CHECK(kv({"EXPIRE", "k", "10"}) == num(1));
  CHECK(kv({"PERSIST", "k"}) == num(1));
  CHECK(kv({"TTL", "k"}) == num(-1));
}

TEST_CASE("dbsize counts keys and flushall removes them all") {
  kv_harness kv;
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv({"MSET", "a", "1", "b", "2", "c", "3"}) == ok());
  CHECK(kv({"DBSIZE"}) == num(3));
  CHECK(kv({"FLUSHALL", "now"}) == err(syntax));
  CHECK(kv({"FLUSHALL", "ASYNC", "x"}) == err(syntax));
  CHECK(kv({"FLUSHALL", "sync"}) == ok());
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv({"SET", "a", "1"}) == ok());
  CHECK(kv({"FLUSHALL"}) == ok());
  CHECK(kv({"DBSIZE"}) == num(0));
  CHECK(kv.sm.used_memory() == 0);
}

TEST_CASE("keys returns the keys matching a glob and skips expired keys") {
  kv_harness kv;
  CHECK(kv({"MSET", "hello", "1", "hallo", "2", "hxllo", "3", "world", "4"}) == ok());
  CHECK(kv({"SET", "hullo", "5", "PX", "10"}) == ok());
  kv.advance(11);
  auto keys = kv({"KEYS", "h?llo"}).elements();
  std::vector<std::string> names;
  for (auto& k : keys)
    names.push_back(k.str());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"hallo", "hello", "hxllo"});
  CHECK(kv({"KEYS", "h[ae]llo"}).elements().size() == 2);
  CHECK(kv({"KEYS", "*"}).elements().size() == 4);
  CHECK(kv({"KEYS", "nothing*"}) == arr({}));
}

TEST_CASE("scan rejects a bad cursor, count and option") {
  kv_harness kv;
  CHECK(kv({"SCAN", "x"}) == err("ERR invalid cursor"));
  CHECK(kv({"SCAN", "-1"}) == err("ERR invalid cursor"));
  CHECK(kv({"SCAN", "0", "COUNT", "0"}) == err(syntax));
  CHECK(kv({"SCAN", "0", "COUNT", "x"}) == err(not_int));
  CHECK(kv({"SCAN", "0", "COUNT"}) == err(syntax));
  CHECK(kv({"SCAN", "0", "FOO", "1"}) == err(syntax));
  CHECK(kv({"SCAN", "0"}) == arr({bulk("0"), arr({})}));
}

TEST_CASE("scan with match and type filters the keys it returns") {
  kv_harness kv;
  CHECK(kv({"MSET", "user:1", "a", "user:2", "b", "item:1", "c"}) == ok());
  auto r = kv({"SCAN", "0", "MATCH", "user:*", "COUNT", "100"});
  REQUIRE(r.elements().size() == 2);
  CHECK(r.elements()[0] == bulk("0"));
  CHECK(r.elements()[1].elements().size() == 2);
  CHECK(kv({"SCAN", "0", "TYPE", "string", "COUNT", "100"}).elements()[1].elements().size() == 3);
  CHECK(kv({"SCAN", "0", "TYPE", "list", "COUNT", "100"}).elements()[1] == arr({}));
}

TEST_CASE("scan visits every key that exists for the whole scan despite changes meanwhile") {
  kv_harness kv;
  for (int i = 0; i < 1000; ++i)
    CHECK(kv({"SET", "stable:" + std::to_string(i), "v"}) == ok());
  for (int i = 0; i < 1000; ++i)
    CHECK(kv({"SET", "churn:" + std::to_string(i), "v"}) == ok());
  std::set<std::string> seen;
  std::string cursor = "0";
  int round = 0;
  do {
    auto r = kv({"SCAN", cursor, "COUNT", "7"});
    REQUIRE(r.elements().size() == 2);
    cursor = r.elements()[0].str();
    for (auto& k : r.elements()[1].elements())
      seen.insert(k.str());
    // Between calls: delete some churn keys and add new ones (slots get freed and reused).
    for (int j = 0; j < 5; ++j) {
      auto victim = "churn:" + std::to_string((round * 5 + j) % 1000);
      static_cast<void>(kv({"DEL", victim}));
      static_cast<void>(kv({"SET", "new:" + std::to_string(round * 5 + j), "v"}));
    }
    ++round;
  } while (cursor != "0");
  for (int i = 0; i < 1000; ++i)
    CHECK(seen.count("stable:" + std::to_string(i)) == 1);
}

TEST_CASE("read-only commands produce no record and writes produce exactly one") {
  kv_harness kv;
  CHECK(kv({"SET", "k", "v"}) == ok());
  CHECK(kv.log.size() == 1);
  for (auto cmd : std::vector<kv_command>{{"GET", "k"}, {"MGET", "k", "x"}, {"EXISTS", "k"},
                                          {"STRLEN", "k"}, {"TTL", "k"}, {"PTTL", "k"},
                                          {"DBSIZE"}, {"KEYS", "*"}, {"SCAN", "0"}})
    static_cast<void>(kv.run(cmd));
  CHECK(kv.log.size() == 1);
  CHECK(kv({"MSET", "a", "1", "b", "2"}) == ok());
  CHECK(kv.log.size() == 2);
  CHECK(kv({"SET", "k", "w", "NX"}) == nil()); // nothing changed: no record
  CHECK(kv.log.size() == 2);
}

TEST_CASE("a reply depends on the lsn of the newest write it reveals") {
  kv_harness kv;
  CHECK(kv({"SET", "a", "1"}) == ok()); // lsn 1
  CHECK(kv.last_depends == 1);
  CHECK(kv({"SET", "b", "2"}) == ok()); // lsn 2
  CHECK(kv({"GET", "a"}) == bulk("1"));
  CHECK(kv.last_depends == 1);
  CHECK(kv({"MGET", "a", "b"}).elements().size() == 2);
  CHECK(kv.last_depends == 2);
  CHECK(kv({"GET", "missing"}) == nil());
  CHECK(kv.last_depends == 0); // nothing was ever deleted
  CHECK(kv({"DEL", "a"}) == num(1)); // lsn 3
  CHECK(kv({"GET", "a"}) == nil());
  CHECK(kv.last_depends == 3); // a crash before lsn 3 is durable would bring `a` back
  CHECK(kv({"SET", "b", "3", "NX"}) == nil()); // no record, but it reveals b
  CHECK(kv.last_depends == 2);
  CHECK(kv({"DBSIZE"}) == num(1));
  CHECK(kv.last_depends == 3);
}

TEST_CASE("rename moves the value and its expiry; renamenx only to a missing name") {
  kv_harness kv;
  CHECK(kv({"RENAME", "a", "b"}) == err("ERR no such key"));
  CHECK(kv({"RENAMENX", "a", "a"}) == err("ERR no such key"));
  CHECK(kv({"SET", "a", "1", "PX", "5000"}) == ok());
  CHECK(kv({"RENAME", "a", "a"}) == ok());
  CHECK(kv({"RENAMENX", "a", "a"}) == num(0));
  CHECK(kv({"RENAME", "a", "b"}) == ok());
  CHECK(kv({"GET", "a"}) == nil());
  CHECK(kv({"GET", "b"}) == bulk("1"));
  CHECK(kv({"PTTL", "b"}) == num(5000));
  CHECK(kv({"SET", "c", "2"}) == ok());
  CHECK(kv({"RENAMENX", "b", "c"}) == num(0));
  CHECK(kv({"GET", "c"}) == bulk("2"));
  CHECK(kv({"RENAME", "c", "b"}) == ok()); // overwrites, and the expiry goes with the value
  CHECK(kv({"PTTL", "b"}) == num(-1));
  CHECK(kv({"RENAMENX", "b", "d"}) == num(1));
  CHECK(kv({"MGET", "b", "c", "d"}) == arr({nil(), nil(), bulk("2")}));
  kv.advance(10000);
  CHECK(kv({"SET", "e", "3", "PX", "1"}) == ok());
  kv.advance(5);
  CHECK(kv({"RENAME", "e", "f"}) == err("ERR no such key")); // expired
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("msetnx sets every key or none") {
  kv_harness kv;
  CHECK(kv({"MSETNX", "a", "1", "b"}) == err("ERR wrong number of arguments for 'msetnx' command"));
  CHECK(kv({"MSETNX", "a", "1", "b", "2"}) == num(1));
  CHECK(kv({"MSETNX", "c", "3", "b", "9"}) == num(0));
  CHECK(kv({"MGET", "a", "b", "c"}) == arr({bulk("1"), bulk("2"), nil()}));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}

TEST_CASE("copy duplicates the value and expiry, replacing only when told to") {
  kv_harness kv;
  CHECK(kv({"COPY", "a", "b"}) == num(0));
  CHECK(kv({"SET", "a", "1", "PX", "7000"}) == ok());
  CHECK(kv({"COPY", "a", "a"}) == err("ERR source and destination objects are the same"));
  CHECK(kv({"COPY", "a", "b"}) == num(1));
  CHECK(kv({"MGET", "a", "b"}) == arr({bulk("1"), bulk("1")}));
  CHECK(kv({"PTTL", "b"}) == num(7000));
  CHECK(kv({"SET", "c", "2"}) == ok());
  CHECK(kv({"COPY", "c", "b"}) == num(0));
  CHECK(kv({"COPY", "c", "b", "replace", "DB", "0"}) == num(1));
  CHECK(kv({"GET", "b"}) == bulk("2"));
  CHECK(kv({"PTTL", "b"}) == num(-1));
  CHECK(kv({"COPY", "c", "d", "DB", "1"}) == err("ERR DB index is out of range"));
  CHECK(kv({"COPY", "c", "d", "DB", "x"}) == err(not_int));
  CHECK(kv({"COPY", "c", "d", "DB", "9999999999"})
        == err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(kv({"COPY", "c", "d", "DB"}) == err(syntax));
  CHECK(kv({"COPY", "c", "d", "NOPE"}) == err(syntax));
  CHECK(kv({"EXISTS", "d"}) == num(0));
  CHECK(kv.replayed_snapshot() == kv.sm.snapshot());
}
