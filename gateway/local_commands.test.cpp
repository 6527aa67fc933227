#include "gateway/detail/local_commands.hpp"

#include "gateway/memory_backend.hpp"

#include <catch2/catch.hpp>

#include <chrono>

#include <algorithm>

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

TEST_CASE_METHOD(fixture, "TIME answers the Unix time in seconds and microseconds") {
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  };
  auto before = now();
  auto r = answer({"time"});
  auto after = now();
  REQUIRE(r.type() == reply::kind::array);
  REQUIRE(r.elements().size() == 2);
  auto s = std::stoll(r.elements()[0].str());
  auto us = std::stoll(r.elements()[1].str());
  CHECK(us >= 0);
  CHECK(us < 1000000);
  CHECK(s * 1000000 + us >= before);
  CHECK(s * 1000000 + us <= after);
  CHECK(answer({"TIME", "x"}) == reply::error("ERR wrong number of arguments for 'time' command"));
  CHECK(is_local({"TIME"}));
}

TEST_CASE_METHOD(fixture, "SHUTDOWN parses Redis' flags, calls the hook and asks for a silent "
                          "close") {
  std::vector<std::string> asked;
  CHECK_THAT(answer({"SHUTDOWN"}).str(), Catch::StartsWith("ERR SHUTDOWN is not available"));
  opts.on_shutdown = [&asked](const std::string& who) { asked.push_back(who); };
  auto err = [&](const command& cmd) { return answer(cmd).str(); };
  CHECK(err({"SHUTDOWN", "ABORT"}) == "ERR No shutdown in progress.");
  CHECK(err({"SHUTDOWN", "NOSAVE", "SAVE"}) == "ERR syntax error");
  CHECK(err({"SHUTDOWN", "ABORT", "NOW"}) == "ERR syntax error");
  CHECK(err({"SHUTDOWN", "SAVE", "ABORT"}) == "ERR syntax error");
  CHECK(err({"SHUTDOWN", "LATER"}) == "ERR syntax error");
  CHECK(asked.empty());
  for (const command& ok : std::vector<command>{
         {"shutdown"}, {"SHUTDOWN", "nosave"}, {"SHUTDOWN", "SAVE", "NOW", "FORCE"}}) {
    auto r = run(ok);
    CHECK(r.what == disposition::close_silently);
  }
  CHECK(asked == std::vector<std::string>(3, "client id=7"));
  client.authenticated = false;
  CHECK(answer({"SHUTDOWN"}).str().rfind("NOAUTH", 0) == 0);
  CHECK(asked.size() == 3);
}

TEST_CASE_METHOD(fixture, "MEMORY USAGE goes to the key's shard; the other subcommands are "
                          "answered here") {
  CHECK(run({"MEMORY", "USAGE", "k"}).what == disposition::to_backend);
  CHECK(run({"memory", "usage", "k", "SAMPLES", "5"}).what == disposition::to_backend);
  CHECK_FALSE(is_local({"MEMORY", "usage", "k"}));
  CHECK(is_local({"MEMORY", "USAGE"}));
  CHECK(answer({"MEMORY", "USAGE"})
        == reply::error("ERR wrong number of arguments for 'memory|usage' command"));
  CHECK(answer({"MEMORY"}) == reply::error("ERR wrong number of arguments for 'memory' command"));
  CHECK(answer({"MEMORY", "PURGE"}) == reply::ok());
  CHECK(answer({"MEMORY", "nope"})
        == reply::error("ERR unknown subcommand 'nope'. Try MEMORY HELP."));
  CHECK_THAT(answer({"MEMORY", "DOCTOR"}).str(), Catch::Contains("INFO memory"));
  auto help = answer({"MEMORY", "HELP"});
  REQUIRE(help.type() == reply::kind::array);
  CHECK(help.elements()[1].str() == "USAGE <key> [SAMPLES <count>]");
}

TEST_CASE_METHOD(fixture, "ROLE answers as a master without replicas") {
  CHECK(answer({"ROLE"})
        == reply::array({reply::bulk("master"), reply::integer(0), reply::array({})}));
  CHECK(answer({"role", "x"}) == reply::error("ERR wrong number of arguments for 'role' command"));
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
  CHECK(answer({"CLIENT", "PAUSE", "10"})
        == reply::error("ERR unknown subcommand 'PAUSE'. Try CLIENT HELP."));
}

namespace {

/// Two other connections (ids 3 and 9) beside the caller (7); kill() records what it closed.
struct fake_registry final : client_registry {
  explicit fake_registry(const client_state& me) : me_(me) {}

  std::vector<client_info> clients() const override {
    std::vector<client_info> out;
    for (auto id : open) {
      client_info c;
      c.id = id;
      c.addr = "127.0.0.1:" + std::to_string(50000 + id);
      c.laddr = "127.0.0.1:6399";
      c.name = id == 7 ? me_.name : "c" + std::to_string(id);
      c.cmd = "get";
      c.lib_name = id == 7 ? me_.lib_name : "";
      out.push_back(std::move(c));
    }
    return out;
  }

  bool kill(uint64_t id) override {
    REQUIRE(id != 7); // the caller's own connection closes after its reply instead
    auto i = std::find(open.begin(), open.end(), id);
    if (i == open.end())
      return false;
    open.erase(i);
    killed.push_back(id);
    return true;
  }

  std::vector<uint64_t> open{9, 7, 3};
  std::vector<uint64_t> killed;

private:
  const client_state& me_;
};

struct registry_fixture : fixture {
  fake_registry reg{client};

  local_result run_with(const command& cmd) {
    server_view v{opts, 6399, std::chrono::steady_clock::now(), counters{}, store, &reg};
    return handle_local(cmd, client, v);
  }

  reply with(const command& cmd) {
    auto r = run_with(cmd);
    REQUIRE(r.what == disposition::answered);
    return r.answer;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  for (size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    REQUIRE(end != std::string::npos); // every line ends with a line feed
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

} // namespace

TEST_CASE_METHOD(fixture, "CLIENT SETINFO stores the library name and version, as Redis 7.2") {
  CHECK(answer({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}) == reply::ok());
  CHECK(answer({"client", "setinfo", "lib-ver", "5.0.1"}) == reply::ok());
  CHECK(client.lib_name == "redis-py");
  CHECK(client.lib_ver == "5.0.1");
  CHECK(answer({"CLIENT", "SETINFO", "LIB-NAME", "a b"})
        == reply::error("ERR LIB-NAME cannot contain spaces, newlines or special characters."));
  CHECK(client.lib_name == "redis-py");
  CHECK(answer({"CLIENT", "SETINFO", "colour", "x"})
        == reply::error("ERR Unrecognized option 'colour'"));
  CHECK(answer({"CLIENT", "SETINFO", "LIB-NAME"})
        == reply::error("ERR wrong number of arguments for 'client|setinfo' command"));
  CHECK(answer({"CLIENT", "SETINFO", "LIB-VER", ""}) == reply::ok());
  CHECK(client.lib_ver.empty());
}

TEST_CASE_METHOD(fixture, "CLIENT INFO describes the caller in CLIENT LIST's key=value form") {
  REQUIRE(answer({"CLIENT", "SETNAME", "me"}) == reply::ok());
  REQUIRE(answer({"CLIENT", "SETINFO", "LIB-NAME", "jedis"}) == reply::ok());
  auto text = answer({"CLIENT", "INFO"}).str();
  auto lines = lines_of(text);
  REQUIRE(lines.size() == 1);
  auto& line = lines[0];
  CHECK(line.rfind("id=7 ", 0) == 0);
  for (auto field : {" name=me ", " cmd=client|info ", " lib-name=jedis ", " db=0 ", " resp=2 ",
                     " flags=N ", " multi=-1 "})
    CHECK(line.find(field) != std::string::npos);
  CHECK(answer({"CLIENT", "INFO", "x"})
        == reply::error("ERR wrong number of arguments for 'client|info' command"));
}

TEST_CASE_METHOD(registry_fixture, "CLIENT LIST shows every connection in id order, filtered") {
  auto lines = lines_of(with({"CLIENT", "LIST"}).str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("id=3 addr=127.0.0.1:50003 laddr=127.0.0.1:6399 ", 0) == 0);
  CHECK(lines[1].rfind("id=7 ", 0) == 0);
  CHECK(lines[1].find(" cmd=client|list ") != std::string::npos);
  CHECK(lines[2].find(" name=c9 ") != std::string::npos);
  auto some = lines_of(with({"CLIENT", "LIST", "ID", "9", "3", "12"}).str());
  REQUIRE(some.size() == 2);
  CHECK(some[0].rfind("id=3 ", 0) == 0);
  CHECK(some[1].rfind("id=9 ", 0) == 0);
  CHECK(lines_of(with({"CLIENT", "LIST", "TYPE", "normal"}).str()).size() == 3);
  CHECK(with({"CLIENT", "LIST", "TYPE", "pubsub"}) == reply::bulk(""));
  CHECK(with({"CLIENT", "LIST", "TYPE", "robot"})
        == reply::error("ERR Unknown client type 'robot'"));
  CHECK(with({"CLIENT", "LIST", "ID", "x"}) == reply::error("ERR Invalid client ID"));
  CHECK(with({"CLIENT", "LIST", "ID", "0", "-4"}) == reply::bulk(""));
  CHECK(with({"CLIENT", "LIST", "FOO"}) == reply::error("ERR syntax error"));
}

TEST_CASE_METHOD(registry_fixture, "CLIENT KILL closes the connections its filters select") {
  CHECK(with({"CLIENT", "KILL", "ID", "3"}) == reply::integer(1));
  CHECK(reg.killed == std::vector<uint64_t>{3});
  CHECK(with({"CLIENT", "KILL", "ID", "3"}) == reply::integer(0));
  // The old form: one address, OK or an error.
  CHECK(with({"CLIENT", "KILL", "127.0.0.1:50009"}) == reply::ok());
  CHECK(reg.killed == std::vector<uint64_t>{3, 9});
  CHECK(with({"CLIENT", "KILL", "127.0.0.1:50009"}) == reply::error("ERR No such client"));
  // The caller itself only with SKIPME no; it is answered, then closed.
  CHECK(with({"CLIENT", "KILL", "LADDR", "127.0.0.1:6399"}) == reply::integer(0));
  auto self = run_with({"CLIENT", "KILL", "LADDR", "127.0.0.1:6399", "SKIPME", "no"});
  CHECK(self.what == disposition::answered_close);
  CHECK(self.answer == reply::integer(1));
  CHECK(reg.killed == std::vector<uint64_t>{3, 9});
}

TEST_CASE_METHOD(registry_fixture, "CLIENT KILL refuses bad filters and kills nothing then") {
  CHECK(with({"CLIENT", "KILL", "ID", "0"})
        == reply::error("ERR client-id should be greater than 0"));
  CHECK(with({"CLIENT", "KILL", "ID", "3", "SKIPME"}) == reply::error("ERR syntax error"));
  CHECK(with({"CLIENT", "KILL", "ID", "3", "SKIPME", "maybe"})
        == reply::error("ERR syntax error"));
  CHECK(with({"CLIENT", "KILL", "TYPE", "robot"})
        == reply::error("ERR Unknown client type 'robot'"));
  CHECK(with({"CLIENT", "KILL", "USER", "bob"}) == reply::error("ERR No such user 'bob'"));
  CHECK(with({"CLIENT", "KILL", "COLOUR", "red"}) == reply::error("ERR syntax error"));
  CHECK(with({"CLIENT", "KILL"})
        == reply::error("ERR wrong number of arguments for 'client|kill' command"));
  CHECK(reg.killed.empty());
  CHECK(with({"CLIENT", "KILL", "TYPE", "pubsub"}) == reply::integer(0));
  CHECK(with({"CLIENT", "KILL", "USER", "default", "SKIPME", "yes"}) == reply::integer(2));
  CHECK(reg.killed == std::vector<uint64_t>{3, 9});
}

TEST_CASE_METHOD(fixture, "CLIENT, COMMAND and CONFIG HELP list what their error text points to") {
  for (const char* name : {"CLIENT", "COMMAND", "CONFIG"}) {
    auto r = answer({name, "HELP"});
    REQUIRE(r.type() == reply::kind::array);
    REQUIRE(r.elements().size() > 4);
    CHECK(r.elements()[0].str().rfind(std::string{name} + " <subcommand>", 0) == 0);
    CHECK(r.elements().back() == reply::simple("    Print this help."));
    CHECK(answer({name, "HELP", "x"}).is_error());
  }
  auto client_help = answer({"CLIENT", "HELP"});
  for (const char* sub : {"KILL <ip:port>", "LIST [options ...]", "SETINFO <option> <value>"})
    CHECK(std::find(client_help.elements().begin(), client_help.elements().end(),
                    reply::simple(sub))
          != client_help.elements().end());
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
  CHECK(answer({"CONFIG", "GET", "max*"})
        == reply::array({reply::bulk("maxclients"), reply::bulk("10000"), reply::bulk("maxmemory"),
                         reply::bulk("0"), reply::bulk("maxmemory-policy"),
                         reply::bulk("noeviction")}));
}

TEST_CASE_METHOD(fixture, "INFO has Redis' default sections and keyspace numbers from the "
                          "backend") {
  REQUIRE(store.run({"MSET", "a", "1", "b", "2"}) == reply::ok());
  auto text = answer({"INFO"}).str();
  size_t last = 0;
  for (auto s : {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                 "# Stats\r\n", "# Replication\r\n", "# CPU\r\n", "# Cluster\r\n",
                 "# Keyspace\r\n"}) {
    INFO(s);
    auto at = text.find(s);
    REQUIRE(at != std::string::npos);
    CHECK(at >= last); // in Redis' order
    last = at;
  }
  // What HAProxy's and Sentinel's checks read; the ids are one per process.
  auto replication = answer({"INFO", "replication"}).str();
  CHECK(replication.find("\r\nrole:master\r\nconnected_slaves:0\r\n") != std::string::npos);
  auto run_id = text.find("run_id:");
  REQUIRE(run_id != std::string::npos);
  auto id = text.substr(run_id + 7, 40);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(answer({"INFO", "server"}).str().find("run_id:" + id + "\r\n") != std::string::npos);
  CHECK(answer({"INFO", "CPU"}).str().find("\r\nused_cpu_user:") != std::string::npos);
  CHECK(text.find("db0:keys=2,expires=0,avg_ttl=0\r\n") != std::string::npos);
  CHECK(text.find("tcp_port:6399\r\n") != std::string::npos);
  auto keyspace = answer({"INFO", "KEYSPACE"}).str();
  CHECK(keyspace == "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n");
  CHECK(answer({"INFO", "nosuchsection"}).str().empty());
}
