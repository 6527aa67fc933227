#include "gateway/detail/multi.hpp"

#include <catch2/catch.hpp>

using namespace keel::gateway;
using namespace keel::gateway::detail;

namespace {

multi_result step(multi_state& st, command cmd) {
  return multi_filter(cmd, st);
}

} // namespace

TEST_CASE("outside MULTI only the transaction commands are taken") {
  multi_state st;
  CHECK(step(st, {"GET", "k"}).what == multi_step::pass);
  CHECK(step(st, {"PING"}).what == multi_step::pass);
  CHECK(step(st, {"exec"}).answer == reply::error("ERR EXEC without MULTI"));
  CHECK(step(st, {"DISCARD"}).answer == reply::error("ERR DISCARD without MULTI"));
  CHECK(step(st, {"EXEC", "x"}).answer
        == reply::error("ERR wrong number of arguments for 'exec' command"));
  CHECK(step(st, {"WATCH", "k"}).what == multi_step::watch); // the backend has the versions
  CHECK(step(st, {"WATCH"}).answer
        == reply::error("ERR wrong number of arguments for 'watch' command"));
  CHECK_FALSE(st.open);
}

TEST_CASE("watched keys keep their first version and go with EXEC; DISCARD and UNWATCH forget") {
  multi_state st;
  CHECK(add_watched(st, {"a", "b"}, reply::array({reply::bulk("1"), reply::bulk("2")})));
  CHECK(add_watched(st, {"a"}, reply::array({reply::bulk("9")})));
  CHECK_FALSE(add_watched(st, {"a", "c"}, reply::array({reply::bulk("9")})));
  CHECK_FALSE(add_watched(st, {"c"}, reply::error("ERR nope")));
  using watched = std::vector<std::pair<std::string, std::string>>;
  CHECK(st.watched == watched{{"a", "1"}, {"b", "2"}});
  CHECK(step(st, {"MULTI"}).answer == reply::ok());
  CHECK(st.watched.size() == 2); // MULTI keeps them
  CHECK(step(st, {"GET", "a"}).answer == reply::simple("QUEUED"));
  auto r = step(st, {"EXEC"});
  CHECK(r.what == multi_step::exec);
  CHECK(r.watched == watched{{"a", "1"}, {"b", "2"}});
  CHECK(st.watched.empty());
  CHECK(add_watched(st, {"a"}, reply::array({reply::bulk("1")})));
  CHECK(step(st, {"UNWATCH"}).answer == reply::ok());
  CHECK(st.watched.empty());
  CHECK(add_watched(st, {"a"}, reply::array({reply::bulk("1")})));
  CHECK(step(st, {"MULTI"}).what == multi_step::answered);
  CHECK(step(st, {"UNWATCH"}).answer == reply::simple("QUEUED")); // queued, as in Redis
  CHECK(step(st, {"DISCARD"}).answer == reply::ok());
  CHECK(st.watched.empty());
}

TEST_CASE("MULTI queues checked commands and EXEC hands them over in order") {
  multi_state st;
  CHECK(step(st, {"MULTI"}).answer == reply::ok());
  CHECK(step(st, {"MULTI"}).answer == reply::error("ERR MULTI calls can not be nested"));
  CHECK(step(st, {"WATCH", "k"}).answer == reply::error("ERR WATCH inside MULTI is not allowed"));
  CHECK(step(st, {"set", "k", "v"}).answer == reply::simple("QUEUED"));
  CHECK(step(st, {"PING"}).answer == reply::simple("QUEUED"));
  CHECK(step(st, {"QUIT"}).what == multi_step::pass); // quits at once, as in Redis
  CHECK_FALSE(st.failed); // nested MULTI and WATCH do not fail the block
  auto r = step(st, {"EXEC"});
  CHECK(r.what == multi_step::exec);
  CHECK(r.queued == std::vector<command>{{"set", "k", "v"}, {"PING"}});
  CHECK_FALSE(st.open);
}

TEST_CASE("a refused command fails the block, and EXEC with arguments aborts it") {
  multi_state st;
  CHECK(step(st, {"MULTI"}).what == multi_step::answered);
  CHECK(step(st, {"NOPE", "a"}).answer
        == reply::error("ERR unknown command 'NOPE', with args beginning with: 'a' "));
  CHECK(step(st, {"GET"}).answer
        == reply::error("ERR wrong number of arguments for 'get' command"));
  CHECK(step(st, {"GET", "k"}).answer == reply::simple("QUEUED"));
  CHECK(step(st, {"EXEC"}).answer
        == reply::error("EXECABORT Transaction discarded because of previous errors."));
  CHECK_FALSE(st.open);
  CHECK(step(st, {"MULTI"}).answer == reply::ok());
  CHECK_FALSE(st.failed);
  CHECK(step(st, {"EXEC", "now"}).answer
        == reply::error("EXECABORT Transaction discarded because of: wrong number of arguments "
                        "for 'exec' command"));
  CHECK_FALSE(st.open);
  CHECK(step(st, {"MULTI"}).answer == reply::ok());
  CHECK(step(st, {"INCR", "k"}).answer == reply::simple("QUEUED"));
  CHECK(step(st, {"DISCARD"}).answer == reply::ok());
  CHECK(st.queued.empty());
  CHECK_FALSE(st.open);
}

TEST_CASE("node-wide commands cannot be queued: a transaction runs in one shard") {
  multi_state st;
  CHECK(step(st, {"MULTI"}).answer == reply::ok());
  CHECK(step(st, {"SET", "k", "v"}).answer == reply::simple("QUEUED"));
  for (auto name : {"SAVE", "bgsave", "LASTSAVE"}) {
    INFO(name);
    CHECK(step(st, {name}).answer == reply::error("ERR Command not allowed inside a transaction"));
  }
  CHECK(step(st, {"TIME"}).answer == reply::simple("QUEUED")); // answered by the gateway
  CHECK(step(st, {"EXEC"}).answer
        == reply::error("EXECABORT Transaction discarded because of previous errors."));
}

TEST_CASE("a transaction command round-trips its queued commands") {
  std::vector<command> queued{{"SET", "a", "1"}, {"MGET", "a", "b"}, {"PING"}};
  auto exec = transaction_command(queued);
  CHECK(exec == command{"EXEC", "3", "SET", "a", "1", "3", "MGET", "a", "b", "1", "PING"});
  CHECK(transaction_commands(exec) == queued);
  CHECK_FALSE(transaction_commands({"EXEC", "2", "GET"}));
  CHECK_FALSE(transaction_commands({"EXEC", "0"}));
  CHECK_FALSE(transaction_commands({"EXEC", "x", "GET"}));
}
