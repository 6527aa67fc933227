#include "gateway/detail/pubsub.hpp"

#include "gateway/test_client.hpp"
#include "gateway/test_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace keel::gateway;
using namespace keel::gateway::detail;

namespace {

/// Decodes bytes redis-server 7 sent (recorded from it) into the reply they encode.
reply redis_said(std::string bytes) {
  auto r = decode_reply(bytes);
  REQUIRE(r);
  REQUIRE(bytes.empty());
  return *r;
}

struct recorder final : pubsub_subscriber {
  void deliver(const std::string& frame) override { frames.push_back(frame); }
  std::vector<std::string> frames;
};

} // namespace

TEST_CASE("the hub delivers to channel and pattern subscribers in Redis' frames") {
  pubsub_hub hub;
  recorder a;
  recorder b;
  using k = pubsub_hub::kind;
  CHECK(hub.subscribe(k::channel, "ch1", &a));
  CHECK_FALSE(hub.subscribe(k::channel, "ch1", &a)); // already
  CHECK(hub.subscribe(k::channel, "ch2", &b));
  CHECK(hub.subscribe(k::pattern, "c*", &a));
  CHECK(hub.publish("ch1", "hello") == 2); // a twice: by channel and by pattern
  REQUIRE(a.frames.size() == 2);
  CHECK(a.frames[0] == "*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n");
  CHECK(a.frames[1] == "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\nch1\r\n$5\r\nhello\r\n");
  CHECK(b.frames.empty());
  CHECK(hub.publish("zz", "x") == 0);
  CHECK(hub.publish("ch2", "y") == 2); // b by channel, a by pattern
  CHECK(b.frames.size() == 1);
  CHECK(a.frames.size() == 3);

  std::string pattern = "*1";
  CHECK(hub.channels(nullptr) == std::vector<std::string>{"ch1", "ch2"});
  CHECK(hub.channels(&pattern) == std::vector<std::string>{"ch1"});
  CHECK(hub.numsub("ch1") == 1);
  CHECK(hub.numsub("nope") == 0);
  CHECK(hub.numpat() == 1);
  CHECK(hub.channel_count() == 2);

  CHECK(hub.unsubscribe(k::channel, "ch1", &a));
  CHECK_FALSE(hub.unsubscribe(k::channel, "ch1", &a));
  CHECK_FALSE(hub.unsubscribe(k::pattern, "c*", &b)); // b never subscribed to it
  CHECK(hub.channels(nullptr) == std::vector<std::string>{"ch2"}); // an empty channel goes
  CHECK(hub.publish("ch1", "z") == 1);                              // the pattern still matches
}

TEST_CASE("PUBSUB subcommands and PUBLISH answer as redis-server does") {
  pubsub_hub hub;
  recorder a;
  hub.subscribe(pubsub_hub::kind::channel, "ch1", &a);
  hub.subscribe(pubsub_hub::kind::channel, "ch2", &a);
  hub.subscribe(pubsub_hub::kind::pattern, "c*", &a);
  CHECK(pubsub_command({"PUBSUB", "NUMSUB", "ch1", "ch2", "x"}, hub)
        == redis_said("*6\r\n$3\r\nch1\r\n:1\r\n$3\r\nch2\r\n:1\r\n$1\r\nx\r\n:0\r\n"));
  CHECK(pubsub_command({"pubsub", "channels", "ch1"}, hub) == redis_said("*1\r\n$3\r\nch1\r\n"));
  CHECK(pubsub_command({"PUBSUB", "NUMPAT"}, hub) == redis_said(":1\r\n"));
  CHECK(pubsub_command({"PUBSUB"}, hub)
        == redis_said("-ERR wrong number of arguments for 'pubsub' command\r\n"));
  CHECK(pubsub_command({"PUBSUB", "FOO"}, hub)
        == redis_said("-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n"));
  CHECK(pubsub_command({"PUBSUB", "NUMPAT", "x"}, hub)
        == reply::error("ERR wrong number of arguments for 'pubsub|numpat' command"));
  CHECK(pubsub_command({"PUBLISH", "ch1"}, hub)
        == redis_said("-ERR wrong number of arguments for 'publish' command\r\n"));
  CHECK(pubsub_command({"PUBLISH", "ch1", "m"}, hub) == reply::integer(2));
  auto help = pubsub_command({"PUBSUB", "HELP"}, hub);
  REQUIRE(help.type() == reply::kind::array);
  CHECK(help.elements().front() == reply::simple("PUBSUB <subcommand> [<arg> [value] [opt] "
                                                 "...]. Subcommands are:"));
}

TEST_CASE("a subscriber gets what another client publishes, framed as redis-server frames it") {
  running_server s;
  test_client sub{s.port};
  test_client pub{s.port};
  REQUIRE(sub.send(encode_command({"SUBSCRIBE", "ch1", "ch2"})));
  CHECK(sub.read_reply() == redis_said("*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n"));
  CHECK(sub.read_reply() == redis_said("*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n"));
  REQUIRE(pub.send(encode_command({"PUBLISH", "ch1", "hello"})));
  CHECK(pub.read_reply() == reply::integer(1));
  CHECK(sub.read_reply() == redis_said("*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n"));

  REQUIRE(sub.send(encode_command({"PSUBSCRIBE", "c*"})));
  CHECK(sub.read_reply() == redis_said("*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n"));
  REQUIRE(pub.send(encode_command({"PUBLISH", "ch1", "hello"})));
  CHECK(pub.read_reply() == reply::integer(2));
  CHECK(sub.read_reply() == redis_said("*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n"));
  CHECK(sub.read_reply()
        == redis_said("*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\nch1\r\n$5\r\nhello\r\n"));

  REQUIRE(pub.send(encode_command({"PUBSUB", "CHANNELS"})));
  CHECK(pub.read_reply() == redis_said("*2\r\n$3\r\nch1\r\n$3\r\nch2\r\n"));
  REQUIRE(pub.send(encode_command({"INFO", "stats"})));
  auto info = pub.read_reply();
  REQUIRE(info);
  CHECK_THAT(info->str(), Catch::Contains("pubsub_channels:2\r\n")
                            && Catch::Contains("pubsub_patterns:1\r\n"));
  REQUIRE(pub.send(encode_command({"CLIENT", "LIST"})));
  auto list = pub.read_reply();
  REQUIRE(list);
  CHECK_THAT(list->str(), Catch::Contains("flags=P db=0 sub=2 psub=1"));
}

TEST_CASE("a subscribed client may only (un)subscribe, PING and QUIT, as in redis-server") {
  running_server s;
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SUBSCRIBE", "ch1", "ch2"})));
  REQUIRE(c.read_reply());
  REQUIRE(c.read_reply());
  REQUIRE(c.send(encode_command({"GET", "x"})));
  CHECK(c.read_reply()
        == redis_said("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING "
                      "/ QUIT / RESET are allowed in this context\r\n"));
  REQUIRE(c.send(encode_command({"PUBSUB", "NUMSUB", "ch1"})));
  CHECK(c.read_reply()
        == redis_said("-ERR Can't execute 'pubsub|numsub': only (P|S)SUBSCRIBE / "
                      "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"));
  REQUIRE(c.send(encode_command({"FOO"})));
  CHECK(c.read_reply() == redis_said("-ERR unknown command 'FOO', with args beginning with: \r\n"));
  REQUIRE(c.send(encode_command({"GET"})));
  CHECK(c.read_reply() == redis_said("-ERR wrong number of arguments for 'get' command\r\n"));
  REQUIRE(c.send(encode_command({"CONFIG", "GET", "x"})));
  CHECK(c.read_reply()
        == redis_said("-ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / "
                      "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"));
  REQUIRE(c.send(encode_command({"PING", "a", "b"})));
  CHECK(c.read_reply() == redis_said("-ERR wrong number of arguments for 'ping' command\r\n"));
  REQUIRE(c.send(encode_command({"PING"})));
  CHECK(c.read_reply() == redis_said("*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
  REQUIRE(c.send(encode_command({"PING", "hi"})));
  CHECK(c.read_reply() == redis_said("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"));
  REQUIRE(c.send(encode_command({"SUBSCRIBE"})));
  CHECK(c.read_reply()
        == redis_said("-ERR wrong number of arguments for 'subscribe' command\r\n"));
  REQUIRE(c.send(encode_command({"UNSUBSCRIBE", "nope"})));
  CHECK(c.read_reply() == redis_said("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:2\r\n"));
  REQUIRE(c.send(encode_command({"UNSUBSCRIBE"}))); // all of them
  CHECK(c.read_reply() == redis_said("*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:1\r\n"));
  CHECK(c.read_reply() == redis_said("*3\r\n$11\r\nunsubscribe\r\n$3\r\nch2\r\n:0\r\n"));
  REQUIRE(c.send(encode_command({"UNSUBSCRIBE"}))); // none left
  CHECK(c.read_reply() == redis_said("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"));
  REQUIRE(c.send(encode_command({"PUNSUBSCRIBE"})));
  CHECK(c.read_reply() == redis_said("*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"));
  REQUIRE(c.send(encode_command({"GET", "x"}))); // out of subscribed mode
  CHECK(c.read_reply() == reply::null());
  REQUIRE(c.send(encode_command({"PING"})));
  CHECK(c.read_reply() == reply::simple("PONG"));
}

TEST_CASE("SUBSCRIBE is refused inside MULTI; PUBLISH runs at EXEC") {
  running_server s;
  test_client sub{s.port};
  test_client c{s.port};
  REQUIRE(sub.send(encode_command({"SUBSCRIBE", "q"})));
  REQUIRE(sub.read_reply());
  REQUIRE(c.send(encode_command({"MULTI"}) + encode_command({"SUBSCRIBE", "q"})
                 + encode_command({"DISCARD"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::error("ERR Command not allowed inside a transaction"));
  CHECK(c.read_reply() == reply::ok());
  REQUIRE(c.send(encode_command({"MULTI"}) + encode_command({"PUBLISH", "q", "m"})
                 + encode_command({"EXEC"})));
  CHECK(c.read_reply() == reply::ok());
  CHECK(c.read_reply() == reply::simple("QUEUED"));
  CHECK(c.read_reply() == reply::array({reply::integer(1)}));
  CHECK(sub.read_reply() == reply::array({reply::bulk("message"), reply::bulk("q"),
                                          reply::bulk("m")}));
}

TEST_CASE("a client that is closed leaves its channels; one that does not read is closed alone") {
  options o;
  o.output_buffer_limit_bytes = 1 << 20;
  running_server s{o};
  test_client pub{s.port};
  {
    test_client gone{s.port};
    REQUIRE(gone.send(encode_command({"CLIENT", "ID"}) + encode_command({"SUBSCRIBE", "a"})));
    auto id = gone.read_reply();
    REQUIRE(id);
    REQUIRE(gone.read_reply());
    auto kill = encode_command({"CLIENT", "KILL", "ID", std::to_string(id->integer_value())});
    REQUIRE(pub.send(kill));
    CHECK(pub.read_reply() == reply::integer(1));
    REQUIRE(pub.send(encode_command({"PUBSUB", "NUMSUB", "a"})));
    CHECK(pub.read_reply() == reply::array({reply::bulk("a"), reply::integer(0)}));
  }
  test_client lazy{s.port};
  REQUIRE(lazy.send(encode_command({"PSUBSCRIBE", "*"})));
  REQUIRE(lazy.read_reply());
  test_client reader{s.port};
  REQUIRE(reader.send(encode_command({"SUBSCRIBE", "big"})));
  REQUIRE(reader.read_reply());
  // 64 KiB messages until the lazy one, which reads nothing, passes the 1 MiB limit and is
  // closed: the hub then counts one receiver, the reader, which got every message.
  const std::string big(64 * 1024, 'x');
  int64_t receivers = 2;
  int sent = 0;
  for (; sent < 1000 && receivers == 2; ++sent) {
    REQUIRE(pub.send(encode_command({"PUBLISH", "big", big})));
    auto r = pub.read_reply();
    REQUIRE(r);
    receivers = r->integer_value();
    REQUIRE(reader.read_reply()
            == reply::array({reply::bulk("message"), reply::bulk("big"), reply::bulk(big)}));
  }
  CHECK(receivers == 1);
  CHECK(lazy.wait_closed());
  CHECK(s.srv.numbers().output_limit_closes == 1);
}

TEST_CASE("SUBSCRIBE before AUTH is answered NOAUTH") {
  options o;
  o.password = "secret";
  running_server s{o};
  test_client c{s.port};
  REQUIRE(c.send(encode_command({"SUBSCRIBE", "a"})));
  CHECK(c.read_reply() == reply::error("NOAUTH Authentication required."));
  REQUIRE(c.send(encode_command({"PUBLISH", "a", "m"})));
  CHECK(c.read_reply() == reply::error("NOAUTH Authentication required."));
}

TEST_CASE("CLIENT LIST and CLIENT KILL TYPE pubsub select the subscribed connections") {
  running_server s;
  test_client sub{s.port};
  test_client other{s.port};
  REQUIRE(sub.send(encode_command({"CLIENT", "SETNAME", "listener"})
                   + encode_command({"PSUBSCRIBE", "*"})));
  CHECK(sub.read_reply() == reply::ok());
  REQUIRE(sub.read_reply());
  REQUIRE(other.send(encode_command({"CLIENT", "LIST", "TYPE", "pubsub"})));
  auto subs = other.read_reply();
  REQUIRE(subs);
  CHECK_THAT(subs->str(), Catch::Contains("name=listener"));
  CHECK(std::count(subs->str().begin(), subs->str().end(), '\n') == 1);
  REQUIRE(other.send(encode_command({"CLIENT", "LIST", "TYPE", "normal"})));
  auto normal = other.read_reply();
  REQUIRE(normal);
  CHECK_THAT(normal->str(), !Catch::Contains("name=listener"));
  CHECK(std::count(normal->str().begin(), normal->str().end(), '\n') == 1); // `other` itself
  REQUIRE(other.send(encode_command({"CLIENT", "KILL", "TYPE", "pubsub"})));
  CHECK(other.read_reply() == reply::integer(1));
  CHECK(sub.wait_closed());
  REQUIRE(other.send(encode_command({"PUBSUB", "NUMPAT"})));
  CHECK(other.read_reply() == reply::integer(0));
}

TEST_CASE("a subscriber is not closed for being idle; other idle clients are") {
  using namespace std::chrono_literals;
  options o;
  o.idle_timeout = 200ms;
  running_server s{o};
  test_client sub{s.port}; // connected first: its idle timer fires first
  REQUIRE(sub.send(encode_command({"SUBSCRIBE", "a"})));
  REQUIRE(sub.read_reply());
  test_client idle{s.port};
  REQUIRE(idle.send(encode_command({"PING"})));
  REQUIRE(idle.read_reply() == reply::simple("PONG"));
  CHECK(idle.wait_closed()); // the idle timeout has passed for both
  REQUIRE(sub.send(encode_command({"PING"})));
  CHECK(sub.read_reply() == reply::array({reply::bulk("pong"), reply::bulk("")}));
  CHECK(s.srv.numbers().idle_closes == 1);
}
