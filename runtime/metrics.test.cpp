#include "runtime/metrics.hpp"

#include "runtime/metrics_text_parser.test.hpp"
#include "runtime/shard_metrics.hpp"

#include <catch2/catch.hpp>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace keel::runtime;

TEST_CASE("an empty registry renders as empty text") {
  metrics_registry reg;
  CHECK(reg.render_prometheus().empty());
}

TEST_CASE("a small registry renders exactly, families sorted, one HELP and TYPE each") {
  metrics_registry reg;
  reg.counter("keel_shard_ops_total", "Operations per shard.", {{"shard", "1"}}).inc(3);
  reg.counter("keel_shard_ops_total", "Operations per shard.", {{"shard", "0"}}).inc(2);
  reg.gauge("keel_clients", "Connected clients.").set(7);
  auto& h = reg.histogram("keel_wal_sync_seconds", "WAL sync latency.", {1.0, 2.5});
  for (double x : {0.5, 2.0, 2.5, 10.0})
    h.observe(x);
  CHECK(reg.render_prometheus() == "# HELP keel_clients Connected clients.\n"
                                   "# TYPE keel_clients gauge\n"
                                   "keel_clients 7\n"
                                   "# HELP keel_shard_ops_total Operations per shard.\n"
                                   "# TYPE keel_shard_ops_total counter\n"
                                   "keel_shard_ops_total{shard=\"0\"} 2\n"
                                   "keel_shard_ops_total{shard=\"1\"} 3\n"
                                   "# HELP keel_wal_sync_seconds WAL sync latency.\n"
                                   "# TYPE keel_wal_sync_seconds histogram\n"
                                   "keel_wal_sync_seconds_bucket{le=\"1\"} 1\n"
                                   "keel_wal_sync_seconds_bucket{le=\"2.5\"} 3\n"
                                   "keel_wal_sync_seconds_bucket{le=\"+Inf\"} 4\n"
                                   "keel_wal_sync_seconds_sum 15\n"
                                   "keel_wal_sync_seconds_count 4\n");
}

TEST_CASE("the same name and labels give the same handle, labels in any order") {
  metrics_registry reg;
  auto& a = reg.counter("x_total", "x", {{"b", "1"}, {"a", "2"}});
  auto& b = reg.counter("x_total", "other help is ignored", {{"a", "2"}, {"b", "1"}});
  CHECK(&a == &b);
  a.inc();
  CHECK(reg.render_prometheus() == "# HELP x_total x\n# TYPE x_total counter\n"
                                   "x_total{a=\"2\",b=\"1\"} 1\n");
}

TEST_CASE("help text escapes backslash and line feed, label values also the double quote") {
  metrics_registry reg;
  reg.gauge("g", "a \\ b\nc", {{"path", "x\"y\\z\nw"}}).set(-3);
  CHECK(reg.render_prometheus() == "# HELP g a \\\\ b\\nc\n# TYPE g gauge\n"
                                   "g{path=\"x\\\"y\\\\z\\nw\"} -3\n");
  auto parsed = test::parse_prometheus_text(reg.render_prometheus());
  REQUIRE(parsed.error.empty());
  CHECK(parsed.help["g"] == "a \\ b\nc");
  CHECK(parsed.value("g", {{"path", "x\"y\\z\nw"}}) == -3);
}

TEST_CASE("histogram buckets are cumulative and the labels come before le") {
  metrics_registry reg;
  auto& h = reg.histogram("lat_seconds", "l", {0.001, 0.01, 0.1}, {{"shard", "2"}});
  h.observe(0.001); // bounds are inclusive
  h.observe(0.05);
  h.observe(0.05);
  h.observe(std::nan("")); // counted in +Inf
  auto parsed = test::parse_prometheus_text(reg.render_prometheus());
  REQUIRE(parsed.error.empty());
  CHECK(parsed.value("lat_seconds_bucket", {{"shard", "2"}, {"le", "0.001"}}) == 1);
  CHECK(parsed.value("lat_seconds_bucket", {{"shard", "2"}, {"le", "0.01"}}) == 1);
  CHECK(parsed.value("lat_seconds_bucket", {{"shard", "2"}, {"le", "0.1"}}) == 3);
  CHECK(parsed.value("lat_seconds_bucket", {{"shard", "2"}, {"le", "+Inf"}}) == 4);
  CHECK(parsed.value("lat_seconds_count", {{"shard", "2"}}) == 4);
  CHECK(reg.render_prometheus().find("lat_seconds_bucket{shard=\"2\",le=\"0.001\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("the default bucket sets are valid histogram bounds") {
  metrics_registry reg;
  reg.histogram("a_seconds", "a", latency_buckets_seconds()).observe(0.002);
  reg.histogram("b_size", "b", exponential_buckets(1, 2, 12)).observe(100);
  CHECK(exponential_buckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK(test::parse_prometheus_text(reg.render_prometheus()).error.empty());
}

TEST_CASE("concurrent updates from several threads all count") {
  metrics_registry reg;
  auto& c = reg.counter("ops_total", "ops");
  auto& g = reg.gauge("level", "level");
  auto& h = reg.histogram("size", "size", {10, 100});
  constexpr int threads = 4;
  constexpr int per_thread = 50000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        g.inc(2);
        g.dec();
        h.observe(1);
      }
    });
  for (auto& w : workers)
    w.join();
  CHECK(c.value() == uint64_t{threads} * per_thread);
  CHECK(g.value() == int64_t{threads} * per_thread);
  CHECK(h.bucket_counts() == std::vector<uint64_t>{uint64_t{threads} * per_thread, 0, 0});
  CHECK(h.sum() == double{threads} * per_thread);
}

TEST_CASE("lookups from several threads create each series once") {
  metrics_registry reg;
  std::vector<std::thread> workers;
  std::vector<counter*> seen(4);
  for (size_t t = 0; t < seen.size(); ++t)
    workers.emplace_back([&, t] { seen[t] = &reg.counter("c_total", "c", {{"k", "v"}}); });
  for (auto& w : workers)
    w.join();
  for (auto* p : seen)
    CHECK(p == seen[0]);
}

TEST_CASE("invalid metric and label names are rejected") {
  metrics_registry reg;
  CHECK(is_valid_metric_name("keel:shard_ops_total"));
  CHECK_FALSE(is_valid_metric_name("3ops"));
  CHECK_FALSE(is_valid_metric_name("ops-total"));
  CHECK_FALSE(is_valid_metric_name(""));
  CHECK(is_valid_label_name("shard_id"));
  CHECK_FALSE(is_valid_label_name("__name"));
  CHECK_FALSE(is_valid_label_name("a:b"));
  CHECK_THROWS_AS(reg.counter("ops-total", "x"), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("ops_total", "x", {{"1a", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("ops_total", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("h", "x", {1.0}, {{"le", "1"}}), std::invalid_argument);
  CHECK(reg.render_prometheus().empty()); // nothing half-created
}

TEST_CASE("a name keeps its type and a histogram keeps its buckets") {
  metrics_registry reg;
  reg.counter("x", "x");
  CHECK_THROWS_AS(reg.gauge("x", "x"), std::invalid_argument);
  reg.histogram("h", "h", {1, 2});
  CHECK_THROWS_AS(reg.histogram("h", "h", {1, 3}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("e", "e", {}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("d", "d", {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("i", "i", {1, HUGE_VAL}), std::invalid_argument);
}

TEST_CASE("the test parser rejects what the text format forbids") {
  using test::parse_prometheus_text;
  CHECK(parse_prometheus_text("a 1\n").error.empty());
  CHECK(parse_prometheus_text("a{b=\"c\",} 1 1700000000000\n").error.empty());
  CHECK_FALSE(parse_prometheus_text("a 1").error.empty());                   // no final LF
  CHECK_FALSE(parse_prometheus_text("a{b=\"\\t\"} 1\n").error.empty());      // bad escape
  CHECK_FALSE(parse_prometheus_text("a 1\nb 1\na 2\n").error.empty());       // split family
  CHECK_FALSE(parse_prometheus_text("a 1\na 2\n").error.empty());            // duplicate
  CHECK_FALSE(parse_prometheus_text("a one\n").error.empty());               // bad value
  CHECK_FALSE(parse_prometheus_text("a 1\n# TYPE a gauge\n").error.empty()); // late TYPE
  CHECK_FALSE(parse_prometheus_text("# TYPE a gauge\n# TYPE a gauge\n").error.empty());
  CHECK_FALSE(parse_prometheus_text("# TYPE c counter\nc -1\n").error.empty());
  CHECK_FALSE(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                    "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
                  .error.empty()); // not cumulative
  CHECK_FALSE(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                                    "h_sum 1\nh_count 1\n")
                  .error.empty()); // no +Inf
}

TEST_CASE("collectors run before each render and bring their series up to date") {
  metrics_registry reg;
  std::atomic<int64_t> outside{5}; // a number kept elsewhere, as the KV shards keep theirs
  auto& g = reg.gauge("keel_outside", "A number kept elsewhere.");
  int runs = 0;
  reg.add_collector([&] {
    ++runs;
    g.set(outside.load());
  });
  CHECK(runs == 0);
  CHECK(reg.render_prometheus().find("keel_outside 5\n") != std::string::npos);
  outside = 9;
  CHECK(reg.render_prometheus().find("keel_outside 9\n") != std::string::npos);
  CHECK(runs == 2);
}

TEST_CASE("kv_metrics renders the shards' KV numbers; its counters only catch up") {
  metrics_registry reg;
  auto numbers = std::make_shared<keel::actors::kv_stats>(3);
  kv_metrics(reg, numbers, {0, 2}); // shard 1 lives on another node
  numbers->shard(2).keys = 4;
  numbers->shard(2).used_memory = 400;
  numbers->shard(2).evicted_keys = 7;
  numbers->shard(1).keys = 99;
  auto parsed = test::parse_prometheus_text(reg.render_prometheus());
  REQUIRE(parsed.error.empty());
  CHECK(parsed.value("keel_kv_keys", {{"shard", "2"}}) == 4);
  CHECK(parsed.value("keel_kv_used_memory_bytes", {{"shard", "2"}}) == 400);
  CHECK(parsed.value("keel_kv_evicted_keys_total", {{"shard", "2"}}) == 7);
  CHECK(parsed.value("keel_kv_keys", {{"shard", "0"}}) == 0);
  CHECK(reg.render_prometheus().find("shard=\"1\"") == std::string::npos);
  numbers->shard(2).evicted_keys = 10;
  numbers->shard(2).keys = 1;
  parsed = test::parse_prometheus_text(reg.render_prometheus());
  CHECK(parsed.value("keel_kv_evicted_keys_total", {{"shard", "2"}}) == 10);
  CHECK(parsed.value("keel_kv_keys", {{"shard", "2"}}) == 1);
}
