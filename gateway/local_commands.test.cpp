#include "gateway/detail/local_commands.hpp"

#include "gateway/memory_backend.hpp"

#include <catch2/catch.hpp>

using namespace keel::gateway;
using namespace keel::gateway::detail;

namespace {

struct fixture {
  options opts;
  memory_backend store;
  client_state client{7, {}, true};

  local_result run(const command& cmd) {
    server_view v{opts, 6399, std::chrono::steady_clock::now(), counters{}, store};
    return handle_local(cmd, client, v);
  }

  reply answer(const command& cmd) {
    auto r = run(cmd);
    REQUIRE(r.what == disposition::answered);
    return r.answer;
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "PING answers PONG or echoes its argument") {
  CHECK(answer({"PING"}) == reply::simple("PONG"));
  CHECK(answer({"ping", "hi"}) == reply::bulk("hi"));
  CHECK(answer({"PING", "a", "b"})
        == reply::error("ERR wrong number of arguments for 'ping' command"));
  CHECK(answer({"ECHO", "x y"}) == reply::bulk("x y"));
}

TEST_CASE_METHOD(fixture, "QUIT answers OK and asks for the connection to close") {
  auto r = run({"QUIT"});
  CHECK(r.what == disposition::answered_close);
  CHECK(r.answer == reply::ok());
}

TEST_CASE_METHOD(fixture, "SELECT accepts only database 0") {
  CHECK(answer({"SELECT", "0"}) == reply::ok());
  CHECK(answer({"SELECT", "1"}) == reply::error("ERR DB index is out of range"));
  CHECK(answer({"SELECT", "-1"}) == reply::error("ERR DB index is out of range"));
  CHECK(answer({"SELECT", "x"}) == reply::error("ERR value is not an integer or out of range"));
}

TEST_CASE_METHOD(fixture, "KV commands are not local and go to the backend") {
  CHECK(run({"GET", "k"}).what == disposition::to_backend);
  CHECK(run({"FLUSHALL"}).what == disposition::to_backend);
  CHECK_FALSE(is_local({"SET", "k", "v"}));
  CHECK(is_local({"info"}));
}

TEST_CASE_METHOD(fixture, "without AUTH every command but AUTH, HELLO and QUIT gets NOAUTH") {
  opts.password = "secret";
  client.authenticated = false;
  CHECK(answer({"GET", "k"}) == reply::error("NOAUTH Authentication required."));
  CHECK(answer({"PING"}) == reply::error("NOAUTH Authentication required."));
  CHECK(answer({"AUTH", "wrong"})
        == reply::error("WRONGPASS invalid username-password pair or user is disabled."));
  CHECK_FALSE(client.authenticated);
  CHECK(answer({"AUTH", "default", "secret"}) == reply::ok());
  CHECK(client.authenticated);
  CHECK(run({"GET", "k"}).what == disposition::to_backend);
}

TEST_CASE_METHOD(fixture, "AUTH without a configured password: an error, but the default user "
                          "takes any password") {
  auto r = answer({"AUTH", "x"});
  CHECK(r.str().rfind("ERR AUTH <password> called without any password configured", 0) == 0);
  CHECK(answer({"AUTH", "default", "anything"}) == reply::ok());
  CHECK(answer({"AUTH", "someone", "x"})
        == reply::error("WRONGPASS invalid username-password pair or user is disabled."));
}

TEST_CASE_METHOD(fixture, "HELLO 2 works, HELLO 3 answers NOPROTO, HELLO AUTH authenticates") {
  auto r = answer({"HELLO", "2"});
  REQUIRE(r.type() == reply::kind::array);
  CHECK(r.elements()[5] == reply::integer(2));
  for (auto v : {"3", "1", "4", "-2", "9223372036854775807"})
    CHECK(answer({"HELLO", v}) == reply::error("NOPROTO unsupported protocol version"));
  for (auto v : {"x", "02", "+2", " 2", "", "-0", "9223372036854775808"})
    CHECK(answer({"HELLO", v})
          == reply::error("ERR Protocol version is not an integer or out of range"));
  opts.password = "pw";
  client.authenticated = false;
  CHECK(answer({"HELLO", "2"}).str().rfind("NOAUTH HELLO must be called", 0) == 0);
  CHECK(answer({"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "me"}).type()
        == reply::kind::array);
  CHECK(client.authenticated);
  CHECK(client.name == "me");
}

TEST_CASE_METHOD(fixture, "CLIENT SETNAME, GETNAME and ID keep the connection's identity") {
  CHECK(answer({"CLIENT", "GETNAME"}) == reply::null());
  CHECK(answer({"CLIENT", "SETNAME", "worker-1"}) == reply::ok());
  CHECK(answer({"client", "getname"}) == reply::bulk("worker-1"));
  CHECK(answer({"CLIENT", "ID"}) == reply::integer(7));
  CHECK(answer({"CLIENT", "SETNAME", "a b"}).is_error());
  CHECK(answer({"CLIENT", "KILL"})
        == reply::error("ERR unknown subcommand 'KILL'. Try CLIENT HELP."));
}

TEST_CASE_METHOD(fixture, "COMMAND COUNT matches COMMAND and DOCS lists name and docs pairs") {
  auto all = answer({"COMMAND"});
  auto count = answer({"COMMAND", "COUNT"});
  CHECK(count.integer_value() == static_cast<int64_t>(all.elements().size()));
  CHECK(count.integer_value() > 10);
  auto docs = answer({"COMMAND", "DOCS", "get"});
  REQUIRE(docs.elements().size() == 2);
  CHECK(docs.elements()[0] == reply::bulk("get"));
  CHECK(answer({"COMMAND", "DOCS"}).elements().size() == 2 * all.elements().size());
}

TEST_CASE_METHOD(fixture, "CONFIG GET answers what redis-benchmark asks for") {
  CHECK(answer({"CONFIG", "GET", "save"}) == reply::array({reply::bulk("save"), reply::bulk("")}));
  CHECK(answer({"CONFIG", "GET", "appendonly"})
        == reply::array({reply::bulk("appendonly"), reply::bulk("no")}));
  CHECK(answer({"CONFIG", "GET", "nothing"}) == reply::array({}));
  CHECK(answer({"CONFIG", "GET", "max*"}).elements().size() == 2);
}

TEST_CASE_METHOD(fixture, "INFO has the six sections and keyspace numbers from the backend") {
  REQUIRE(store.run({"MSET", "a", "1", "b", "2"}) == reply::ok());
  auto text = answer({"INFO"}).str();
  for (auto s : {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                 "# Stats\r\n", "# Keyspace\r\n"})
    CHECK(text.find(s) != std::string::npos);
  CHECK(text.find("db0:keys=2,expires=0,avg_ttl=0\r\n") != std::string::npos);
  CHECK(text.find("tcp_port:6399\r\n") != std::string::npos);
  auto keyspace = answer({"INFO", "KEYSPACE"}).str();
  CHECK(keyspace == "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n");
  CHECK(answer({"INFO", "nosuchsection"}).str().empty());
}
