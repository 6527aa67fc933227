#include "gateway/server.hpp"

#include "gateway/test_client.hpp"
#include "gateway/test_server.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace keel::gateway;
using namespace std::chrono_literals;

TEST_CASE("a client over max_clients is told so and closed; the others keep working") {
  options o;
  o.max_clients = 2;
  running_server s{o};
  test_client a{s.port};
  test_client b{s.port};
  for (auto* c : {&a, &b}) {
    REQUIRE(c->send("PING\r\n"));
    REQUIRE(c->read_reply() == reply::simple("PONG"));
  }
  test_client third{s.port};
  CHECK(third.read_reply() == reply::error("ERR max number of clients reached"));
  CHECK(third.wait_closed());
  CHECK(s.srv.numbers().rejected_connections == 1);
  REQUIRE(a.send("PING\r\n"));
  CHECK(a.read_reply() == reply::simple("PONG"));
}

TEST_CASE("with requirepass, commands need AUTH first") {
  options o;
  o.password = "s3cret";
  running_server s{o};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"GET", "k"})));
  CHECK(c.read_reply() == reply::error("NOAUTH Authentication required."));
  REQUIRE(c.send(encode_command({"AUTH", "wrong"})));
  CHECK(c.read_reply()
        == reply::error("WRONGPASS invalid username-password pair or user is disabled."));
  // AUTH and the commands after it arrive in one read: the ones after it are authenticated.
  REQUIRE(c.send(encode_command({"AUTH", "s3cret"}) + encode_command({"SET", "k", "v"})
                 + encode_command({"GET", "k"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::bulk("v"));
}

TEST_CASE("before AUTH a client cannot send large requests") {
  options o;
  o.password = "pw";
  running_server s{o};
  test_client c{s.port};
  REQUIRE(c.send("*20\r\n"));
  CHECK(c.read_reply() == reply::error("ERR Protocol error: unauthenticated multibulk length"));
  CHECK(c.wait_closed());
}

TEST_CASE("a client that does not read its replies is closed at the output buffer limit") {
  options o;
  o.output_buffer_limit_bytes = 256 * 1024;
  running_server s{o};
  test_client reader{s.port};
  REQUIRE(reader.send(encode_command({"SET", "big", std::string(8192, 'x')})));
  REQUIRE(reader.read_reply() == reply::ok());
  test_client lazy{s.port};
  lazy.small_receive_buffer();
  std::string pipeline;
  for (int i = 0; i < 4000; ++i) // 32 MB of replies, far beyond socket buffers and the limit
    pipeline += "GET big\r\n";
  REQUIRE(lazy.send(pipeline));
  CHECK(lazy.wait_closed());
  CHECK(s.srv.numbers().output_limit_closes == 1);
  // A client that reads is not closed, even for the same replies one by one.
  for (int i = 0; i < 50; ++i) {
    REQUIRE(reader.send("GET big\r\n"));
    REQUIRE(reader.read_reply() == reply::bulk(std::string(8192, 'x')));
  }
}

TEST_CASE("an idle client is closed after the idle timeout") {
  options o;
  o.idle_timeout = 200ms;
  running_server s{o};
  test_client c{s.port};
  REQUIRE(c.send("PING\r\n"));
  CHECK(c.read_reply() == reply::simple("PONG"));
  CHECK(c.wait_closed()); // the close is the event waited for, with the default deadline
  CHECK(s.srv.numbers().idle_closes == 1);
}

TEST_CASE("a bulk over the configured max_bulk_bytes is refused and the client closed") {
  options o;
  o.max_bulk_bytes = 100;
  o.max_array_len = 3;
  running_server s{o};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SET", "k", std::string(100, 'v')})));
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(c.send(encode_command({"SET", "k", std::string(101, 'v')})));
  CHECK(c.read_reply() == reply::error("ERR Protocol error: invalid bulk length"));
  CHECK(c.wait_closed());
  test_client d{s.port};
  REQUIRE(d.send(encode_command({"MSET", "a", "1", "b", "2"})));
  CHECK(d.read_reply() == reply::error("ERR Protocol error: invalid multibulk length"));
  CHECK(d.wait_closed());
}

TEST_CASE("a huge announced bulk is not allocated and the connection stays usable by others") {
  running_server s;
  test_client c{s.port};
  REQUIRE(c.send("*2\r\n$3\r\nGET\r\n$536870912\r\nabc"));
  test_client other{s.port};
  REQUIRE(other.send("PING\r\n"));
  CHECK(other.read_reply() == reply::simple("PONG"));
  CHECK_FALSE(c.read_reply(std::chrono::milliseconds{50})); // waiting for its bytes, no reply
}
