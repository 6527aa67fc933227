// Differential test: the same random command streams go to a real redis-server (Debian's
// package, started here on a free loopback port) and to a keel-node, and every reply must be
// the same, errors' text included. Replies that depend on the clock are compared by kind (a
// TTL is "positive", not a number of seconds); KEYS is compared as a set. A mismatch names the
// seed, the command and the commands before it. A quarter of the commands are sent inline.
#include "gateway/reply.hpp"
#include "gateway/test_client.hpp"
#include "runtime/node_process.test.hpp"
#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <random>
#include <sstream>
#include <set>
#include <string>
#include <vector>

using keel::gateway::reply;
using keel::gateway::test_client;
using keel::runtime::test::node_process;
using keel::testkit::child_process;
using keel::testkit::temp_dir;

namespace {

constexpr const char* redis_server = "/usr/bin/redis-server";

/// A port that was free a moment ago (the kernel's pick for a socket bound to port 0).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0
            && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(a.sin_port);
}

/// redis-server without persistence on a free loopback port.
class redis_process {
public:
  explicit redis_process(const temp_dir& dir) {
    if (::access(redis_server, X_OK) != 0)
      FAIL("redis-server not found at " << redis_server
                                        << ": install Debian's redis-server (scripts/setup does)");
    // Another program may take the port between free_port() and redis' bind: try again.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      proc_ = std::make_unique<child_process>(std::vector<std::string>{
        redis_server, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", dir.path(), "--daemonize", "no",
        "--databases", "1"}); // as keel: one database
      auto line = proc_->wait_for_line([](const std::string& l) {
        return l.find("Ready to accept connections") != std::string::npos
               || l.find("Could not create server TCP") != std::string::npos
               || l.find("Address already in use") != std::string::npos;
      });
      if (line && line->find("Ready") != std::string::npos)
        return;
      proc_->signal(SIGKILL);
      proc_->wait_exit();
    }
    FAIL("redis-server did not start; its output:\n" << proc_->output());
  }

  ~redis_process() {
    proc_->signal(SIGTERM);
    proc_->wait_exit();
  }

  [[nodiscard]] uint16_t port() const { return port_; }

private:
  std::unique_ptr<child_process> proc_;
  uint16_t port_ = 0;
};

using command = std::vector<std::string>;

std::string encode(const command& c) {
  std::string out = "*" + std::to_string(c.size()) + "\r\n";
  for (auto& a : c)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

/// `c` as an inline command (a line of words, quoted where needed, as redis-cli would type it).
std::string encode_inline(const command& c) {
  std::string out;
  for (auto& a : c) {
    bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char ch) {
      return ch > ' ' && ch < 127 && ch != '"' && ch != '\'' && ch != '\\';
    });
    if (!out.empty())
      out += ' ';
    if (plain) {
      out += a;
      continue;
    }
    out += '"';
    for (char ch : a) {
      auto u = static_cast<unsigned char>(ch);
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += ch;
      } else if (u < ' ' || u >= 127) {
        static const char hex[] = "0123456789abcdef";
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += ch;
      }
    }
    out += '"';
  }
  return out + "\r\n";
}

std::string show(const command& c) {
  std::string out;
  for (auto& a : c)
    out += (out.empty() ? "" : " ") + (a.empty() || a.find(' ') != std::string::npos
                                         ? "\"" + a + "\""
                                         : a);
  return out;
}

/// Random commands over a few keys, with the options and bad arguments that Redis checks.
class generator {
public:
  explicit generator(uint32_t seed) : rng_(seed) {}

  /// True while a MULTI block has commands still to come.
  [[nodiscard]] bool in_block() const { return !pending_.empty(); }

  command next() {
    if (!pending_.empty()) {
      auto c = std::move(pending_.front());
      pending_.pop_front();
      return c;
    }
    switch (pick(0, 39)) {
      case 0:
      case 1:
      case 2: return set();
      case 3:
      case 4: return {"GET", key()};
      case 5: return {"DEL", key(), key()};
      case 6: return {"EXISTS", key(), key(), key()};
      case 7: return {"MGET", key(), key(), key()};
      case 8: return {"MSET", key(), value(), key(), value()};
      case 9: return {"INCR", key()};
      case 10: return {"DECR", key()};
      case 11: return {pick(0, 1) ? "INCRBY" : "DECRBY", key(), one_of(amounts_)};
      case 12: return {"APPEND", key(), value()};
      case 13: return {"STRLEN", key()};
      case 14: return expire();
      case 15: return {"PERSIST", key()};
      case 16: return {"TTL", key()};
      case 17: return {"PTTL", key()};
      case 18: return {"DBSIZE"};
      case 19: return {"KEYS", one_of({"*", "k[0-3]*", "k?", "*a*", "[^k]*"})};
      case 20: return bad();
      case 21: return {"SETNX", key(), value()};
      case 22: return {"GETSET", key(), value()};
      case 23: return {"GETDEL", key()};
      case 24: return {pick(0, 1) ? "SETEX" : "PSETEX", key(), one_of(ttls_), value()};
      case 25: return {"UNLINK", key(), key()};
      case 26: return {"TYPE", key()};
      case 27: return getex();
      case 28: return {pick(0, 3) ? "GETRANGE" : "SUBSTR", key(), one_of(offsets_),
                       one_of(offsets_)};
      case 29: return {"SETRANGE", key(), one_of({"0", "3", "20", "-1", "x", "536870912"}),
                       value()};
      case 30: return {"INCRBYFLOAT", key(), one_of(floats_)};
      case 31: return {"TOUCH", key(), key()};
      case 32: return {pick(0, 1) ? "EXPIRETIME" : "PEXPIRETIME", key()};
      case 33: return pick(0, 10) == 0 ? command{"FLUSHDB"} : command{"STRLEN", key()};
      case 34: return connection();
      case 35: return transaction();
      case 36: return {pick(0, 1) ? "RENAME" : "RENAMENX", tagged_key(), tagged_key()};
      case 37: return copy();
      case 38: return {"MSETNX", tagged_key(), value(), tagged_key(), value()};
      default: return pick(0, 10) == 0 ? command{"FLUSHALL"} : command{"GET", key()};
    }
  }

private:
  size_t pick(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>{lo, hi}(rng_); }

  std::string one_of(const std::vector<std::string>& xs) { return xs[pick(0, xs.size() - 1)]; }

  std::string key() {
    return one_of({"k0", "k1", "k2", "k3", "k4", "k5", "a b", "x", "{t}a", "x{t}b", "t"});
  }

  /// Keys that share the hash tag t (and "t" itself), so one shard holds them all.
  std::string tagged_key() { return one_of({"{t}a", "x{t}b", "t"}); }

  std::string value() {
    return one_of({"1", "-7", "0", "abc", "", "12345678901234567890", "9223372036854775807",
                   "-9223372036854775808", "3.5", " 5", "010", "+3", "hello world",
                   "say \"hi\"", "back\\slash", "it's", "\xff\x01", "tab\there"});
  }

  // No SET ... EXAT in the past: such a key exists until it is read (Redis deletes it then)
  // or until the next expire cycle (keel: reads never write), so DBSIZE would differ for a moment.
  command set() {
    command c{"SET", key(), value()};
    static const std::vector<std::vector<std::string>> options{
      {},         {"NX"},           {"XX"},          {"GET"},       {"EX", "1000"},
      {"PX", "1000000"}, {"KEEPTTL"}, {"NX", "GET"}, {"XX", "GET", "KEEPTTL"},
      {"EX", "0"}, {"EX", "-5"},     {"EX", "abc"},   {"NX", "XX"},  {"EX", "10", "PX", "10"},
      {"KEEPTTL", "EX", "10"}, {"ex", "1000", "get"}, {"EXAT", "99999999999"}, {"BOGUS"},
      {"EX"}, {"PXAT", "99999999999000"}, {"PX", "0"}, {"PX", "9223372036854775807"},
      {"EX", "9223372036854775807"}, {"EX", "1000", "EX", "1000"}, {"GET", "GET"}, {"NX", "NX"}};
    for (auto& o : options[pick(0, options.size() - 1)])
      c.push_back(o);
    return c;
  }

  // GT and LT only with absolute times: two relative times of the same length, set a
  // millisecond apart, compare differently on two servers whose clocks tick separately.
  command expire() {
    command c;
    bool absolute = false;
    switch (pick(0, 3)) {
      case 0: c = {"EXPIRE", key(), one_of({"1000", "0", "-1", "abc", "1000", "2000"})}; break;
      case 1: c = {"PEXPIRE", key(), one_of({"1000000", "0", "-5", "1.5", "2000000"})}; break;
      case 2:
        c = {"EXPIREAT", key(), one_of({"99999999999", "1", "0", "x"})};
        absolute = true;
        break;
      default:
        c = {"PEXPIREAT", key(), one_of({"99999999999000", "1000", "-1"})};
        absolute = true;
        break;
    }
    if (pick(0, 3) == 0)
      c.push_back(absolute ? one_of({"NX", "XX", "GT", "LT", "nx", "BAD"})
                           : one_of({"NX", "XX", "nx", "BAD"}));
    if (pick(0, 10) == 0)
      c.push_back(absolute ? one_of({"NX", "XX", "GT"}) : one_of({"NX", "XX"}));
    return c;
  }

  // Commands the gateway answers itself, and SAVE (no QUIT: it ends the stream; no HELLO 3:
  // redis speaks RESP3, keel only RESP2; SHUTDOWN only in forms that do not stop the server;
  // no SUBSCRIBE that succeeds: the stream's other commands would be refused; UNSUBSCRIBE
  // with one channel at most: the stream reads one reply per command).
  command connection() {
    static const std::vector<command> xs{
      {"PING"}, {"PING", "hello"}, {"PING", "a", "b"}, {"ECHO", "x y"}, {"ECHO"},
      {"SELECT", "0"}, {"SELECT", "1"}, {"SELECT", "x"}, {"SELECT", "-1"},
      {"CLIENT", "SETNAME", "app"}, {"CLIENT", "SETNAME", "a b"}, {"CLIENT", "SETNAME", ""},
      {"CLIENT", "GETNAME"}, {"CLIENT", "NOSUCH"}, {"CLIENT"}, {"AUTH", "secret"},
      {"AUTH", "user", "secret"}, {"AUTH", "default", "x"}, {"HELLO", "2", "AUTH"},
      {"HELLO", "x"}, {"HELLO", "4"}, {"HELLO", "02"}, {"HELLO", "2", "BAD"},
      {"HELLO", "2", "SETNAME", "a b"}, {"CLIENT", "KILL", "ID", "0"},
      {"CLIENT", "KILL", "ID", "x"}, {"CLIENT", "KILL", "COLOUR", "red"},
      {"CLIENT", "KILL", "1.2.3.4:5"}, {"CLIENT", "KILL", "USER", "bob"},
      {"CLIENT", "KILL", "SKIPME", "maybe"}, {"CLIENT", "KILL", "ID", "3", "SKIPME"},
      {"CLIENT", "KILL", "TYPE", "pubsub"}, {"CLIENT", "KILL", "ADDR", "1.2.3.4:5"},
      {"CLIENT", "KILL"}, {"CLIENT", "LIST", "TYPE", "robot"}, {"CLIENT", "LIST", "ID", "x"},
      {"CLIENT", "LIST", "ID", "0"}, {"CLIENT", "LIST", "TYPE", "pubsub"},
      {"CLIENT", "LIST", "FOO"}, {"CLIENT", "INFO", "x"}, {"CLIENT", "HELP", "x"},
      {"CONFIG", "HELP", "x"}, {"COMMAND", "HELP", "x"}, {"TIME", "x"}, {"SAVE"},
      {"SAVE", "x"}, {"LASTSAVE", "x"}, {"BGSAVE", "x"}, {"BGSAVE", "SCHEDULE", "x"},
      {"SHUTDOWN", "ABORT"}, {"SHUTDOWN", "LATER"}, {"SHUTDOWN", "NOSAVE", "SAVE"},
      {"SHUTDOWN", "ABORT", "NOW"}, {"ROLE"}, {"ROLE", "x"}, {"MEMORY", "USAGE", "m:none"},
      {"MEMORY", "USAGE", "m:none", "SAMPLES", "x"}, {"MEMORY", "USAGE", "m:none", "FOO"},
      {"MEMORY", "USAGE", "m:none", "SAMPLES", "-1"}, {"MEMORY", "USAGE"}, {"MEMORY"},
      {"MEMORY", "FOO"}, {"MEMORY", "PURGE"}, {"PUBLISH", "ch", "m"}, {"PUBLISH", "ch"},
      {"PUBSUB", "NUMSUB", "ch", "x"}, {"PUBSUB", "NUMSUB"}, {"PUBSUB", "CHANNELS"},
      {"PUBSUB", "CHANNELS", "c*"}, {"PUBSUB", "CHANNELS", "a", "b"}, {"PUBSUB", "NUMPAT"},
      {"PUBSUB", "NUMPAT", "x"}, {"PUBSUB", "HELP", "x"}, {"PUBSUB", "HELP"}, {"PUBSUB"},
      {"PUBSUB", "FOO"}, {"PUBSUB", "SHARDCHANNELS"}, {"PUBSUB", "SHARDNUMSUB", "s"}, {"UNSUBSCRIBE"},
      {"UNSUBSCRIBE", "a"}, {"PUNSUBSCRIBE"}, {"PUNSUBSCRIBE", "p*"}, {"SUBSCRIBE"},
      {"PSUBSCRIBE"}};
    return xs[pick(0, xs.size() - 1)];
  }

  // A MULTI block over one key, or over keys of one hash tag (keel runs a transaction in the
  // shard of its keys), with the errors that fail or abort it now and then; returns the first
  // command, queues the rest.
  command transaction() {
    bool tagged = pick(0, 1) == 0;
    auto k = tagged ? tagged_key() : key();
    auto k2 = tagged ? tagged_key() : k;
    // Optimistic locking now and then: WATCH, maybe a change of the key (which aborts), or an
    // UNWATCH (which does not).
    if (pick(0, 2) == 0) {
      pending_.push_back({"WATCH", k});
      switch (pick(0, 3)) {
        case 0: pending_.push_back({"SET", k, value()}); break;
        case 1: pending_.push_back({"GET", k}); break;
        case 2: pending_.push_back({"UNWATCH"}); break;
        default: break;
      }
    }
    pending_.push_back({"MULTI"});
    auto n = pick(1, 5);
    for (size_t i = 0; i < n; ++i) {
      switch (pick(0, 11)) {
        case 0: pending_.push_back({"INCR", k2}); break;
        case 1: pending_.push_back({"SET", k, value()}); break;
        case 2: pending_.push_back({"GET", k}); break;
        case 3: pending_.push_back({"APPEND", k2, value()}); break;
        case 4: pending_.push_back({"EXPIRE", k, "1000"}); break;
        case 5: pending_.push_back({"TTL", k}); break;
        case 6: pending_.push_back({"PING"}); break;
        case 7: pending_.push_back({"ECHO", value()}); break;
        case 8: pending_.push_back({"MGET", k, k2}); break;
        case 9: pending_.push_back(one_of_commands({{"NOPE"}, {"GET"}, {"MULTI"}, {"WATCH", k}})); break;
        case 10: pending_.push_back({"GETDEL", k2}); break;
        default: pending_.push_back({"INCRBYFLOAT", k, "1.5"}); break;
      }
    }
    pending_.push_back(one_of_commands({{"EXEC"}, {"EXEC"}, {"EXEC"}, {"DISCARD"}, {"EXEC", "x"}}));
    auto first = std::move(pending_.front());
    pending_.pop_front();
    return first;
  }

  // COPY between keys of one shard (the same key included), with its options.
  command copy() {
    command c{"COPY", tagged_key(), tagged_key()};
    static const std::vector<std::vector<std::string>> options{
      {}, {"REPLACE"}, {"DB", "0"}, {"DB", "1"}, {"DB", "x"}, {"DB"}, {"REPLACE", "DB", "0"},
      {"NOPE"}, {"DB", "99999999999"}};
    for (auto& o : options[pick(0, options.size() - 1)])
      c.push_back(o);
    return c;
  }

  command one_of_commands(const std::vector<command>& xs) { return xs[pick(0, xs.size() - 1)]; }

  command getex() {
    command c{"GETEX", key()};
    static const std::vector<std::vector<std::string>> options{
      {},           {"PERSIST"},      {"EX", "1000"},   {"PX", "1000000"}, {"EXAT", "99999999999"},
      {"PXAT", "1"}, {"EXAT", "1"},   {"EX", "0"},      {"PX", "-1"},      {"EX", "x"},
      {"EX"},       {"PERSIST", "EX", "10"}, {"EX", "10", "PERSIST"}, {"EX", "10", "PX", "10"},
      {"EX", "10", "EX", "2000"}, {"BOGUS"}, {"persist"}, {"KEEPTTL"}, {"GET"}};
    for (auto& o : options[pick(0, options.size() - 1)])
      c.push_back(o);
    return c;
  }

  command bad() {
    static const std::vector<command> xs{
      {"GET"},           {"GET", "k0", "k1"}, {"SET", "k0"},   {"MSET", "k0"},
      {"MSET", "k0", "1", "k1"}, {"INCRBY", "k0"}, {"DEL"},    {"NOSUCHCMD", "k0"},
      {"EXPIRE", "k0"},  {"STRLEN"},          {"APPEND", "k0"}, {"ECHO", "hi"},
      {"SETEX", "k0", "10"}, {"GETDEL"},     {"SETNX", "k0"}, {"TYPE"},
      {"PING"},          {"PING", "x"},       {"TTL", "k0", "k1"}, {"dbsize", "x"},
      {"GETEX"},         {"GETRANGE", "k0", "1"}, {"SETRANGE", "k0", "1"}, {"TOUCH"},
      {"INCRBYFLOAT", "k0"}, {"EXPIRETIME"},  {"FLUSHDB", "x"}, {"FLUSHDB", "ASYNC", "x"},
      {"flushdb", "sync"}, {"EXEC"}, {"DISCARD"}, {"UNWATCH"}, {"RANDOMKEY", "x"}};
    return xs[pick(0, xs.size() - 1)];
  }

  std::mt19937 rng_;
  std::deque<command> pending_; ///< the rest of a transaction
  const std::vector<std::string> offsets_{"0", "1", "-1", "-3", "2", "100", "-100", "x",
                                          "9223372036854775807", "-9223372036854775808"};
  const std::vector<std::string> floats_{"1.5", "-0.25", "10", "3e2", "0x10", "abc", "", " 1",
                                         "1 ", "inf", "nan", "1e400", "-1e-400", "5.0e-1",
                                         "1.1", "-2.2", "1e308", "0.1", "+7"};
  // No TTL shorter than minutes (PSETEX counts milliseconds): a key must not expire between
  // the moments the two servers look at it.
  const std::vector<std::string> ttls_{"100000", "0", "-3", "x", "9223372036854775807",
                                       "2000000"};
  const std::vector<std::string> amounts_{"5", "-3", "abc", "9223372036854775807", "1.5", "0",
                                          "-9223372036854775808"};
};

/// What is compared: positive TTLs as such, KEYS as a sorted list.
reply normalized(const command& c, reply r) {
  auto name = c.front();
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  if ((name == "TTL" || name == "PTTL" || name == "EXPIRETIME" || name == "PEXPIRETIME")
      && r.type() == reply::kind::integer
      && r.integer_value() > 0)
    return reply::simple("positive");
  if (name == "KEYS" && r.type() == reply::kind::array) {
    auto xs = r.elements();
    std::sort(xs.begin(), xs.end(), [](const reply& a, const reply& b) { return a.str() < b.str(); });
    return reply::array(std::move(xs));
  }
  return r;
}

/// Every key with its value and whether it has a TTL, sorted by key.
std::vector<std::string> key_space(test_client& to) {
  REQUIRE(to.send(encode({"KEYS", "*"})));
  auto keys = to.read_reply();
  REQUIRE(keys);
  std::vector<std::string> out;
  for (auto& k : keys->elements()) {
    REQUIRE(to.send(encode({"GET", k.str()}) + encode({"PTTL", k.str()})));
    auto value = to.read_reply();
    auto ttl = to.read_reply();
    REQUIRE(value);
    REQUIRE(ttl);
    out.push_back(k.str() + " = " + to_string(*value) + ", pttl "
                  + to_string(normalized({"PTTL"}, *ttl)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The keys a whole SCAN with these options visits, sorted (a key may come back more than once).
std::vector<std::string> scan_all(test_client& to, const command& options) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  for (int round = 0; round < 10000; ++round) {
    command c{"SCAN", cursor};
    c.insert(c.end(), options.begin(), options.end());
    REQUIRE(to.send(encode(c)));
    auto r = to.read_reply();
    REQUIRE(r);
    REQUIRE(r->elements().size() == 2);
    for (auto& k : r->elements()[1].elements())
      keys.push_back(k.str());
    cursor = r->elements()[0].str();
    if (cursor == "0")
      break;
  }
  REQUIRE(cursor == "0");
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

/// Sends `count` commands of seed `seed` to both servers, pipelined in chunks, and returns the
/// first mismatch (none: empty).
std::vector<std::string> compare(uint32_t seed, test_client& redis, test_client& keel,
                                 int count, bool flush_first = true) {
  generator gen{seed};
  std::mt19937 inline_rng{seed + 1000}; // a quarter of the commands go inline
  for (auto* c : flush_first ? std::vector<test_client*>{&redis, &keel}
                             : std::vector<test_client*>{}) {
    REQUIRE(c->send(encode({"FLUSHALL"})));
    REQUIRE(c->read_reply() == reply::ok());
  }
  std::vector<std::string> mismatches;
  std::deque<command> recent;
  constexpr int chunk = 32;
  for (int done = 0; done < count; done += chunk) {
    std::vector<command> cmds;
    std::string bytes;
    // The last chunk ends with any MULTI block it opened: the connection is left outside one.
    for (int i = 0; i < chunk || (done + chunk >= count && gen.in_block()); ++i) {
      cmds.push_back(gen.next());
      bytes += inline_rng() % 4 == 0 ? encode_inline(cmds.back()) : encode(cmds.back());
    }
    REQUIRE(redis.send(bytes));
    REQUIRE(keel.send(bytes));
    for (auto& c : cmds) {
      auto want = redis.read_reply();
      auto got = keel.read_reply();
      REQUIRE(want);
      INFO("seed " << seed << ": " << show(c) << " -> redis " << *want);
      REQUIRE(got);
      auto w = normalized(c, *want);
      auto g = normalized(c, *got);
      if (w != g) {
        std::ostringstream os;
        os << "seed " << seed << ": " << show(c) << "\n  redis: " << w << "\n  keel:  " << g
           << "\n  after:";
        for (auto& r : recent)
          os << "\n    " << show(r);
        mismatches.push_back(os.str());
        // Drain the rest of this chunk, then show both key spaces.
        for (size_t left = static_cast<size_t>(&cmds.back() - &c); left > 0; --left) {
          REQUIRE(redis.read_reply());
          REQUIRE(keel.read_reply());
        }
        for (auto* to : {&redis, &keel}) {
          REQUIRE(to->send(encode({"KEYS", "*"})));
          auto keys = to->read_reply();
          REQUIRE(keys);
          mismatches.back() += std::string{"\n  keys in "} + (to == &redis ? "redis: " : "keel: ")
                               + to_string(normalized({"KEYS"}, *keys));
        }
        return mismatches;
      }
      recent.push_back(c);
      if (recent.size() > 8)
        recent.pop_front();
    }
    // A whole SCAN (cursors differ, shards included) must visit the same keys.
    if (done % (8 * chunk) == 0 && !gen.in_block()) {
      static const std::vector<command> options{
        {}, {"COUNT", "1"}, {"MATCH", "k*", "COUNT", "3"}, {"TYPE", "string"}, {"TYPE", "list"}};
      auto& o = options[static_cast<size_t>(done / (8 * chunk)) % options.size()];
      auto want = scan_all(redis, o);
      auto got = scan_all(keel, o);
      INFO("seed " << seed << ": SCAN with " << show(o) << " after " << show(recent.back()));
      CHECK(got == want);
    }
  }
  return mismatches;
}

/// A redis-server and a keel-node without fsync (replies do not depend on it), each with a
/// client.
struct side_by_side {
  temp_dir redis_dir;
  temp_dir keel_dir;
  redis_process redis{redis_dir};
  node_process keel{keel_dir, {"--set", "shards.sync=none"}};
  test_client to_redis{redis.port()};
  test_client to_keel{keel.port()};
};

} // namespace

TEST_CASE_METHOD(side_by_side,
                 "keel-node answers random command streams exactly as redis-server does",
                 "[node][gateway][redis]") {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    for (auto& m : compare(seed, to_redis, to_keel, 2000))
      FAIL_CHECK(m);
  }
  CHECK(keel.stop() == 0);
}

TEST_CASE_METHOD(side_by_side,
                 "COMMAND describes every command with redis-server's arity and key positions",
                 "[node][gateway][redis]") {
  REQUIRE(to_keel.send(encode({"COMMAND"})));
  auto all = to_keel.read_reply();
  REQUIRE(all);
  REQUIRE(all->elements().size() >= 30);
  for (auto& entry : all->elements()) {
    auto name = entry.elements().at(0).str();
    INFO(name << ": keel says " << entry);
    REQUIRE(to_redis.send(encode({"COMMAND", "INFO", name})));
    auto theirs = to_redis.read_reply();
    REQUIRE(theirs);
    REQUIRE(theirs->elements().size() == 1);
    auto& want = theirs->elements().front();
    INFO("redis says " << want);
    REQUIRE(want.type() == reply::kind::array); // redis knows the command
    for (std::size_t field : {1u, 3u, 4u, 5u}) // arity, first key, last key, key step
      CHECK(entry.elements().at(field) == want.elements().at(field));
  }
  CHECK(keel.stop() == 0);
}

TEST_CASE("keel-node restarted after kill -9 or a clean stop holds the key space redis-server has",
          "[node][gateway][redis]") {
  temp_dir redis_dir;
  temp_dir keel_dir;
  redis_process redis{redis_dir};
  auto keel = std::make_unique<node_process>(keel_dir); // sync group: every reply is durable
  std::size_t keys_compared = 0;
  for (uint32_t seed = 21; seed <= 24; ++seed) {
    {
      test_client to_redis{redis.port()}; // fresh connections: a client's name starts unset
      test_client to_keel{keel->port()};
      for (auto& m : compare(seed, to_redis, to_keel, 1000, seed == 21))
        FAIL_CHECK(m);
    }
    // Odd rounds crash (recovery replays the log), even ones stop cleanly (a checkpoint, which
    // the next round's recovery restores before it replays).
    if (seed % 2 == 1)
      keel->crash();
    else
      CHECK(keel->stop() == 0);
    keel = std::make_unique<node_process>(keel_dir);
    test_client to_redis{redis.port()};
    test_client to_keel{keel->port()};
    auto want = key_space(to_redis);
    INFO("after seed " << seed << (seed % 2 == 1 ? ", kill -9" : ", SIGTERM"));
    CHECK(key_space(to_keel) == want);
    keys_compared += want.size();
  }
  CHECK(keys_compared >= 10);
  CHECK(keel->stop() == 0);
}

TEST_CASE_METHOD(side_by_side, "RANDOMKEY answers as redis-server: nil when empty, else a key",
                 "[node][gateway][redis]") {
  for (auto* to : {&to_redis, &to_keel}) {
    auto ask = [to](const command& c) {
      REQUIRE(to->send(encode(c)));
      auto r = to->read_reply();
      REQUIRE(r);
      return *r;
    };
    INFO((to == &to_redis ? "redis-server" : "keel-node"));
    REQUIRE(ask({"FLUSHALL"}) == reply::ok());
    CHECK(ask({"RANDOMKEY"}) == reply::null());
    REQUIRE(ask({"SET", "only", "1"}) == reply::ok());
    CHECK(ask({"RANDOMKEY"}) == reply::bulk("only"));
    REQUIRE(ask({"SET", "{t}other", "2"}) == reply::ok());
    std::set<std::string> seen;
    for (int i = 0; i < 200 && seen.size() < 2; ++i)
      seen.insert(ask({"RANDOMKEY"}).str());
    CHECK(seen == std::set<std::string>{"only", "{t}other"});
    REQUIRE(ask({"DEL", "only", "{t}other"}) == reply::integer(2));
    CHECK(ask({"RANDOMKEY"}) == reply::null());
  }
  CHECK(keel.stop() == 0);
}

TEST_CASE_METHOD(side_by_side, "malformed requests get redis-server's protocol errors",
                 "[node][gateway][redis]") {
  // Each is followed by a PING: a server that can resynchronise answers it; one that cannot
  // answers the error and closes.
  const std::vector<std::string> inputs{
    "*abc\r\n",                 "*1\r\n$abc\r\n",        "*1\r\nfoo\r\n",
    "*1\r\n$-5\r\n",            "*3000000000\r\n",       "*1\r\n$536870913\r\n",
    "SET \"a b\r\n",            "GET 'x\r\n",            "GET \"a\"b\r\n",
    "*0\r\n",                   "*-1\r\n",               "\r\n",
    "   \r\n",                  "*1\r\n$0\r\n\r\n",      "GET\r\n",
    "*2\r\n$3\r\nGET\r\n$-1\r\n", "ECHO \"\\x41\\x4\"\r\n", "ECHO \"\\n\\t\\\\\"\r\n",
    "*" + std::string(200000, '1'), "*1\r\n$" + std::string(200000, '1'),
  };
  for (auto& bytes : inputs) {
    std::string shown;
    for (char ch : bytes)
      shown += ch == '\r' ? std::string{"\\r"} : ch == '\n' ? std::string{"\\n"} : std::string(1, ch);
    INFO("request " << shown);
    test_client redis_client{redis.port()};
    test_client keel_client{keel.port()};
    std::vector<std::string> seen[2];
    int side = 0;
    for (auto* c : {&redis_client, &keel_client}) {
      // Not required to succeed: a server may close before it has read all of the bytes.
      static_cast<void>(c->send(bytes + "*1\r\n$4\r\nPING\r\n"));
      for (int i = 0; i < 3; ++i) { // until the PING's answer or the close
        auto r = c->read_reply();
        if (!r)
          break;
        seen[side].push_back(to_string(*r));
        if (*r == reply::simple("PONG"))
          break;
        if (r->is_error() && r->str().rfind("ERR Protocol error", 0) == 0) {
          seen[side].push_back(c->wait_closed() ? "closed" : "open");
          break;
        }
      }
      ++side;
    }
    CHECK(seen[1] == seen[0]);
  }
}
