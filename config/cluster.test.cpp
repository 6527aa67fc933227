// Tests of the cluster section: placement, this node's shards, and each placement error with
// its position.
#include "config/load.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace keel::config;

namespace {

const std::string three_nodes = R"(shards:
  count: 12
cluster:
  name: a
  nodes:
    - {name: a, address: "127.0.0.1:7401", shards: [0-3]}
    - {name: b, address: "127.0.0.1:7402", shards: [4, 5, 6-7]}
    - {name: c, address: "[::1]:7403", shards: [8-11]}
)";

std::vector<std::string> errors_of(const std::string& yaml,
                                   const std::vector<std::string>& overrides = {}) {
  std::vector<std::string> out;
  for (auto& d : load_string(yaml, "node.yaml", overrides).errors)
    out.push_back(d.str());
  return out;
}

std::string with_nodes(const std::string& nodes, uint32_t count = 8) {
  return "shards:\n  count: " + std::to_string(count) + "\ncluster:\n  name: a\n  nodes:\n" + nodes;
}

} // namespace

TEST_CASE("without a cluster section a node hosts every shard") {
  auto r = load_string("shards: {count: 3}\n", "node.yaml");
  REQUIRE(r.ok());
  CHECK(this_node(r.config) == nullptr);
  CHECK(local_shards(r.config) == std::vector<uint32_t>{0, 1, 2});
}

TEST_CASE("a cluster places ids and ranges on nodes, and --set cluster.name picks the node") {
  auto r = load_string(three_nodes, "node.yaml");
  REQUIRE(r.ok());
  auto& c = r.config.cluster;
  REQUIRE(c.nodes.size() == 3);
  CHECK(c.nodes[1].host == "127.0.0.1");
  CHECK(c.nodes[1].port == 7402);
  CHECK(c.nodes[2].host == "::1");
  CHECK(c.nodes[2].port == 7403);
  CHECK(local_shards(r.config) == std::vector<uint32_t>{0, 1, 2, 3});
  auto b = load_string(three_nodes, "node.yaml", {"cluster.name=b"});
  REQUIRE(b.ok());
  REQUIRE(this_node(b.config) != nullptr);
  CHECK(this_node(b.config)->name == "b");
  CHECK(local_shards(b.config) == std::vector<uint32_t>{4, 5, 6, 7});
}

TEST_CASE("a cluster config dumps and loads back equal") {
  auto r = load_string(three_nodes, "node.yaml", {"cluster.name=c"});
  REQUIRE(r.ok());
  r.config.cluster.connect_timeout_ms = 77;
  r.config.cluster.nodes[0].shards = {0, 2, 3};
  r.config.cluster.nodes[1].shards = {1, 4, 5, 6, 7};
  auto text = dump(r.config);
  auto back = load_string(text, "dump.yaml");
  INFO(text);
  REQUIRE(back.ok());
  CHECK(back.config == r.config);
  auto other = back.config;
  other.cluster.nodes[2].shards.pop_back();
  CHECK_FALSE(other == r.config);
}

TEST_CASE("a shard placed on two nodes is rejected naming both") {
  auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-4]}
    - {name: b, address: "h:2", shards: [4-7]}
)"));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] == "node.yaml:7:41: shard 4 is placed on node 'a' (cluster.nodes.0) and on node "
                   "'b' (cluster.nodes.1); each shard id belongs to exactly one node");
}

TEST_CASE("shards placed on no node are listed as ranges") {
  auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0, 2]}
    - {name: b, address: "h:2", shards: [6]}
)", 9));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] == "node.yaml:6:5: shards 1, 3-5, 7-8 of shards.count 9 are placed on no node; "
                   "add them to one node's shards");
}

TEST_CASE("placement errors: ids past shards.count, bad ranges, repeats, names, addresses") {
  SECTION("an id past shards.count") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-7, 8-9]}
)"));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "node.yaml:6:41: cluster.nodes.0.shards has 8-9, but shards.count is 8; "
                     "expected ids 0..7");
  }
  SECTION("a range backwards") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [7-0]}
)"));
    REQUIRE_FALSE(errs.empty());
    CHECK(errs[0] == "node.yaml:6:42: cluster.nodes.0.shards.0 is '7-0'; expected a shard id "
                     "(0..4095) or a range lo-hi with lo <= hi, e.g. 0-3");
  }
  SECTION("an id listed twice on one node") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-7, 3]}
)"));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "node.yaml:6:47: cluster.nodes.0.shards.1 lists shard 3 a second time; "
                     "list each shard once");
  }
  SECTION("this node's name is not among the nodes") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-7]}
)"), {"cluster.name=z"});
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "--set:1:14: cluster.name is 'z'; expected one of a (the "
                     "names in cluster.nodes)");
  }
  SECTION("two nodes with one name or one address") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-3]}
    - {name: a, address: "h:1", shards: [4-7]}
)"));
    REQUIRE(errs.size() == 2);
    CHECK(errs[0] == "node.yaml:7:14: duplicate node name 'a' in cluster.nodes.1 (first in "
                     "cluster.nodes.0); give each node a unique name");
    CHECK(errs[1] == "node.yaml:7:26: cluster.nodes.1 has the address of cluster.nodes.0; give "
                     "each node its own host:port");
  }
  SECTION("an address without a port") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "localhost", shards: [0-7]}
)"));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "node.yaml:6:26: cluster.nodes.0.address is 'localhost'; expected host:port "
                     "with a port in 1..65535, e.g. 127.0.0.1:7401");
  }
  SECTION("a node without shards") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1"}
)"));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "node.yaml:6:7: cluster.nodes.0 has no shards; each node needs name, "
                     "address and shards");
  }
  SECTION("an unknown key, such as TLS settings") {
    auto errs = errors_of(with_nodes(R"(    - {name: a, address: "h:1", shards: [0-7]}
  certificate: /etc/keel/a.pem
)"));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].rfind("node.yaml:7:3: unknown key 'certificate' in section 'cluster'", 0) == 0);
  }
  SECTION("nodes without a name for this node") {
    auto errs = errors_of("cluster:\n  nodes:\n    - {name: a, address: \"h:1\", shards: [0-7]}\n");
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "node.yaml:2:3: cluster has nodes but no name; set cluster.name to this "
                     "node's name (one of a), e.g. --set cluster.name=a");
  }
}

TEST_CASE("nodes with another shard count, key hash or node list have another placement") {
  auto fingerprint = [](const std::vector<std::string>& overrides) {
    auto r = load_string(three_nodes, "node.yaml", overrides);
    REQUIRE(r.ok());
    return placement_fingerprint(r.config);
  };
  auto base = fingerprint({});
  CHECK(fingerprint({"cluster.name=b"}) == base); // every node of one cluster agrees
  CHECK(fingerprint({"shards.hash_tags=false"}) != base);
  CHECK(fingerprint({"shards.sync=none"}) == base); // not part of the placement
  auto r = load_string(with_nodes("    - {name: a, address: \"127.0.0.1:7401\", shards: [0-11]}\n",
                                  12),
                       "node.yaml");
  REQUIRE(r.ok());
  CHECK(placement_fingerprint(r.config) != base);
}
