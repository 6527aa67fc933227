// keel::runtime metrics: a registry of counters, gauges and histograms, rendered as Prometheus
// text exposition format 0.0.4.
//
// A node owns one metrics_registry and passes it by reference to whoever records metrics (no
// global state). A metric is a family (name, help, type) with one series per label set, e.g.
// `keel_shard_ops_total{shard="3"}`. Get a series' handle once, at start-up, and update it on
// the hot path: updates are single relaxed atomic operations and never lock or allocate.
//
//   auto& syncs = reg.counter("keel_wal_syncs_total", "WAL fsyncs.", {{"shard", "3"}});
//   syncs.inc();
//
// Thread-safety: every member function is thread-safe. Lookups (counter(), gauge(),
// histogram()) and render_prometheus() take the registry's mutex; handle updates do not.
// Lifetime: handles stay valid as long as the registry; series are never removed.
// Ordering: render_prometheus() reads each value atomically but not all values at one instant.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace keel::runtime {

/// Label pairs of one series, `{{"shard", "3"}}`. Order does not matter: the registry sorts
/// them by name.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// What kind of family a name belongs to.
enum class metric_type : uint8_t {
  counter,
  gauge,
  histogram,
};

/// `"counter"`, `"gauge"` or `"histogram"` (the TYPE line's word).
[[nodiscard]] const char* to_string(metric_type x);

/// True when `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`.
[[nodiscard]] bool is_valid_metric_name(const std::string& name);

/// True when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and does not start with `__`.
[[nodiscard]] bool is_valid_label_name(const std::string& name);

/// A monotonically increasing count.
class counter {
public:
  counter() = default;
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;

  /// Adds `n`.
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }

  /// The current count.
  [[nodiscard]] uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (clients connected, a breaker's state).
class gauge {
public:
  gauge() = default;
  gauge(const gauge&) = delete;
  gauge& operator=(const gauge&) = delete;

  /// Sets the value.
  void set(int64_t x) noexcept { value_.store(x, std::memory_order_relaxed); }

  /// Adds `n` (may be negative).
  void inc(int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }

  /// Subtracts `n`.
  void dec(int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }

  /// The current value.
  [[nodiscard]] int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, inclusive), plus their sum.
class histogram {
public:
  /// @pre `bounds` is strictly increasing and finite (the registry checks it).
  explicit histogram(std::vector<double> bounds);
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  /// Counts `x` into the first bucket whose bound is >= x (the +Inf bucket if none, or if x
  /// is NaN).
  /// Lock-free; no allocation.
  void observe(double x) noexcept;

  /// The finite upper bounds, ascending.
  [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }

  /// Per-bucket (not cumulative) counts, `bounds().size() + 1` entries, the last is +Inf.
  [[nodiscard]] std::vector<uint64_t> bucket_counts() const;

  /// The sum of all observations.
  [[nodiscard]] double sum() const noexcept;

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> sum_bits_{0}; // a double, updated with compare-exchange
};

/// Bucket bounds for latencies in seconds: 50 us .. 1 s.
[[nodiscard]] std::vector<double> latency_buckets_seconds();

/// Bucket bounds for sizes: 1, 2, 4, ... 2^(n-1).
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, size_t n);

/// The registry: owns every family and series; renders them.
class metrics_registry {
public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  // -- series lookup (creates on first use) -----------------------------------

  /// The counter `name{labels}`, created on first use. The same name and labels always give
  /// the same handle. `help` is the family's HELP text (the first caller's wins).
  /// @throws std::invalid_argument when `name` or a label name is invalid, a label name is
  ///         repeated, or `name` is already a family of another type. These are programming
  ///         errors: metric names are constants in keel's code.
  class counter& counter(const std::string& name, const std::string& help,
                         const metric_labels& labels = {});

  /// The gauge `name{labels}`; as counter().
  class gauge& gauge(const std::string& name, const std::string& help,
                     const metric_labels& labels = {});

  /// The histogram `name{labels}` with bucket upper bounds `bounds`; as counter().
  /// @throws std::invalid_argument also when `bounds` is empty, not strictly increasing or not
  ///         finite, when a label is called `le`, or when the family exists with other bounds.
  class histogram& histogram(const std::string& name, const std::string& help,
                             const std::vector<double>& bounds, const metric_labels& labels = {});

  /// Runs `collect` at the start of every render, on the renderer's thread: for series whose
  /// numbers live elsewhere, it sets the gauges and adds to the counters (handles it got from
  /// this registry). @pre what `collect` refers to outlives the registry.
  void add_collector(std::function<void()> collect);

  // -- rendering --------------------------------------------------------------

  /// Every family in Prometheus text format 0.0.4: families sorted by name, one HELP and TYPE
  /// line each, series sorted by their label text; histograms as cumulative `_bucket{le=...}`
  /// series ending with `le="+Inf"`, then `_sum` and `_count`. Empty registry: empty string.
  [[nodiscard]] std::string render_prometheus() const;

private:
  struct family;

  family& get_family(const std::string& name, const std::string& help, metric_type type);

  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family>> families_;
  std::vector<std::function<void()>> collectors_; // under mtx_
};

/// The Content-Type of render_prometheus()'s output.
constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace keel::runtime
