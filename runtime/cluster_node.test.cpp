// Integration test: three real keel-node processes form a cluster on loopback (the YAML files of
// examples/cluster/, with free ports and temporary data directories).
#include "actors/router.hpp"
#include "gateway/reply.hpp"
#include "gateway/test_client.hpp"
#include "testkit/child_process.hpp"
#include "testkit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <functional>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

using keel::gateway::reply;
using keel::gateway::test_client;
using keel::testkit::child_process;
using keel::testkit::temp_dir;

namespace {

constexpr uint32_t shard_count = 12; // examples/cluster: a 0-3, b 4-7, c 8-11

std::string root_of(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v != nullptr && *v != '\0' ? v : fallback;
}

/// Ports the kernel has free right now (bound to port 0, then released).
std::vector<uint16_t> free_ports(size_t n) {
  std::vector<int> fds;
  std::vector<uint16_t> out;
  for (size_t i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    out.push_back(ntohs(a.sin_port));
    fds.push_back(fd);
  }
  for (int fd : fds)
    ::close(fd);
  return out;
}

/// One node of the cluster: examples/cluster/node-<name>.yaml with the test's ports and data.
class cluster_node {
public:
  cluster_node(std::string name, const temp_dir& data, const std::vector<uint16_t>& cluster_ports)
      : name_(std::move(name)) {
    argv_ = {root_of("KEEL_BUILD_ROOT", ".") + "/keel-node", "--config",
             root_of("KEEL_SOURCE_ROOT", "..") + "/examples/cluster/node-" + name_ + ".yaml",
             "--set", "node.data_dir=" + data.path(),
             "--set", "gateway.port=0",
             "--set", "http.enabled=false"};
    for (size_t i = 0; i < cluster_ports.size(); ++i) {
      argv_.emplace_back("--set");
      argv_.push_back("cluster.nodes." + std::to_string(i) + ".address=127.0.0.1:"
                      + std::to_string(cluster_ports[i]));
    }
    start();
  }

  void start() {
    proc_ = std::make_unique<child_process>(argv_);
    auto line = wait([](const std::string& l) {
      return l.find("gateway listening on") != std::string::npos;
    });
    if (!line)
      FAIL("node " << name_ << " did not open its gateway; its output:\n" << proc_->output());
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
    if (!wait([](const std::string& l) { return l.find("keel-node ready in") != std::string::npos; }))
      FAIL("node " << name_ << " did not report ready; its output:\n" << proc_->output());
  }

  /// Waits until this node has reported every peer in `peers` up (in any order).
  void await_peers_up(const std::set<std::string>& peers) {
    auto all_up = [&] {
      for (auto& p : peers)
        if (up_.count(p) == 0)
          return false;
      return true;
    };
    if (!all_up() && !wait([&](const std::string&) { return all_up(); }))
      FAIL("node " << name_ << " did not connect to all peers; its output:\n" << proc_->output());
  }

  /// Waits until this node has reported `peer` unreachable.
  void await_peer_down(const std::string& peer) {
    if (up_.count(peer) != 0 && !wait([&](const std::string&) { return up_.count(peer) == 0; }))
      FAIL("node " << name_ << " did not notice that " << peer << " went away; its output:\n"
                   << proc_->output());
  }

  void crash() {
    proc_->signal(SIGKILL);
    REQUIRE(proc_->wait_exit());
  }

  int stop() {
    proc_->signal(SIGTERM);
    auto rc = proc_->wait_exit();
    REQUIRE(rc);
    return *rc;
  }

  [[nodiscard]] uint16_t port() const { return port_; }

private:
  // Waits for a line that satisfies `pred`, tracking the peers' state from every line read.
  std::optional<std::string> wait(const std::function<bool(const std::string&)>& pred) {
    return proc_->wait_for_line([this, &pred](const std::string& l) {
      auto at = l.find("cluster: node '");
      if (at != std::string::npos) {
        auto from = at + 15;
        auto peer = l.substr(from, l.find('\'', from) - from);
        if (l.find("' is up", from) != std::string::npos)
          up_.insert(peer);
        else if (l.find("' is unreachable", from) != std::string::npos)
          up_.erase(peer);
      }
      return pred(l);
    });
  }

  std::set<std::string> up_; // peers this node reported up and not down since
  std::string name_;
  std::vector<std::string> argv_;
  std::unique_ptr<child_process> proc_;
  uint16_t port_ = 0;
};

/// Sends all `cmds` pipelined on one connection and returns the replies in order.
std::vector<reply> pipeline(uint16_t port, const std::vector<std::vector<std::string>>& cmds) {
  test_client c{port};
  std::string bytes;
  for (auto& cmd : cmds) {
    bytes += "*" + std::to_string(cmd.size()) + "\r\n";
    for (auto& arg : cmd)
      bytes += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  REQUIRE(c.send(bytes));
  std::vector<reply> out;
  for (size_t i = 0; i < cmds.size(); ++i) {
    auto r = c.read_reply();
    if (!r)
      FAIL("no reply to command " << i << " of " << cmds.size());
    out.push_back(std::move(*r));
  }
  return out;
}

std::string key_of(int i) {
  return "key:" + std::to_string(i);
}

std::string value_of(int i) {
  return "value-" + std::to_string(i * 7919);
}

bool on_b(int i) {
  auto k = keel::actors::shard_of(key_of(i), shard_count);
  return k >= 4 && k <= 7;
}

/// A hash tag whose keys live in a shard of node b.
std::string tag_on_b() {
  for (int i = 0;; ++i) {
    auto tag = "u" + std::to_string(i);
    auto k = keel::actors::shard_of("{" + tag + "}:x", shard_count);
    if (k >= 4 && k <= 7)
      return tag;
  }
}

} // namespace

TEST_CASE("three keel-nodes: write through a, read through c, kill -9 b and bring it back",
          "[node][cluster]") {
  constexpr int keys = 10000;
  std::array<temp_dir, 3> data{temp_dir{"cluster-a"}, temp_dir{"cluster-b"},
                               temp_dir{"cluster-c"}};
  auto ports = free_ports(3);
  cluster_node a{"a", data[0], ports};
  cluster_node b{"b", data[1], ports};
  cluster_node c{"c", data[2], ports};
  a.await_peers_up({"b", "c"});
  c.await_peers_up({"a", "b"});

  std::vector<std::vector<std::string>> sets;
  std::vector<std::vector<std::string>> gets;
  for (int i = 0; i < keys; ++i) {
    sets.push_back({"SET", key_of(i), value_of(i)});
    gets.push_back({"GET", key_of(i)});
  }
  auto acks = pipeline(a.port(), sets);
  for (int i = 0; i < keys; ++i)
    REQUIRE(acks[static_cast<size_t>(i)] == reply::ok());
  auto got = pipeline(c.port(), gets);
  int on_b_count = 0;
  for (int i = 0; i < keys; ++i) {
    REQUIRE(got[static_cast<size_t>(i)] == reply::bulk(value_of(i)));
    on_b_count += on_b(i) ? 1 : 0;
  }
  CHECK(on_b_count > keys / 5); // a third of the shards: about a third of the keys
  CHECK(pipeline(c.port(), {{"DBSIZE"}})[0] == reply::integer(keys));

  // Keys of one hash tag share a shard, here one of b's: a transaction over them, a WATCH and a
  // RENAME sent through a's gateway run whole on b.
  auto t = "{" + tag_on_b() + "}:";
  auto tx = pipeline(a.port(), {{"WATCH", t + "a"},
                                {"MULTI"},
                                {"SET", t + "a", "1"},
                                {"INCR", t + "b"},
                                {"EXEC"},
                                {"RENAME", t + "a", t + "c"}});
  CHECK(tx[0] == reply::ok());
  CHECK(tx[4] == reply::array({reply::ok(), reply::integer(1)}));
  CHECK(tx[5] == reply::ok());
  CHECK(pipeline(c.port(), {{"MGET", t + "a", t + "b", t + "c"}})[0]
        == reply::array({reply::null(), reply::bulk("1"), reply::bulk("1")}));

  // b dies without a clean shutdown: its shards answer the clear error, the others serve.
  b.crash();
  c.await_peer_down("b");
  got = pipeline(c.port(), gets);
  for (int i = 0; i < keys; ++i) {
    auto& r = got[static_cast<size_t>(i)];
    if (on_b(i)) {
      REQUIRE(r.type() == reply::kind::error);
      auto k = keel::actors::shard_of(key_of(i), shard_count);
      REQUIRE(r.str().rfind("CLUSTERDOWN shard " + std::to_string(k) + " on node b unreachable",
                            0)
              == 0);
    } else {
      REQUIRE(r == reply::bulk(value_of(i)));
    }
  }
  CHECK(pipeline(a.port(), {{"SET", "still", "works"}, {"GET", "still"}})[1]
        == reply::bulk("works"));

  // b comes back on its own disk: every acknowledged key of its shards is there.
  b.start();
  c.await_peers_up({"b"});
  got = pipeline(c.port(), gets);
  for (int i = 0; i < keys; ++i)
    REQUIRE(got[static_cast<size_t>(i)] == reply::bulk(value_of(i)));
  CHECK(pipeline(c.port(), {{"MGET", t + "b", t + "c"}})[0]
        == reply::array({reply::bulk("1"), reply::bulk("1")}));
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
  CHECK(c.stop() == 0);
}
