#include "runtime/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace keel::runtime {

namespace {

bool is_name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

bool is_name_char(char c, bool colon) {
  return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

bool valid_name(const std::string& name, bool colon) {
  if (name.empty() || !is_name_start(name[0], colon))
    return false;
  return std::all_of(name.begin(), name.end(), [colon](char c) { return is_name_char(c, colon); });
}

// HELP text: backslash and line feed escaped.
std::string escape_help(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (char c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Label values: backslash, double quote and line feed escaped.
std::string escape_label_value(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (char c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Shortest text that parses back to `x` (Go's ParseFloat and Python's float() read it).
std::string format_double(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x)
      break;
  }
  return buf;
}

// `a="x",b="y"`, sorted by label name; throws on invalid or repeated names.
std::string label_text(const std::string& metric, metric_labels labels, bool histogram) {
  std::sort(labels.begin(), labels.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& [key, value] = labels[i];
    if (!is_valid_label_name(key))
      throw std::invalid_argument("metric " + metric + ": invalid label name '" + key +
                                  "' (use [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
    if (i > 0 && labels[i - 1].first == key)
      throw std::invalid_argument("metric " + metric + ": label '" + key + "' given twice");
    if (histogram && key == "le")
      throw std::invalid_argument("metric " + metric +
                                  ": label 'le' is reserved for histogram buckets");
    if (i > 0)
      out += ',';
    out += key;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  return out;
}

void check_bounds(const std::string& metric, const std::vector<double>& bounds) {
  if (bounds.empty())
    throw std::invalid_argument("histogram " + metric + ": needs at least one bucket bound");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]))
      throw std::invalid_argument("histogram " + metric +
                                  ": bucket bounds must be finite (+Inf is implicit)");
    if (i > 0 && !(bounds[i - 1] < bounds[i]))
      throw std::invalid_argument("histogram " + metric +
                                  ": bucket bounds must be strictly increasing");
  }
}

uint64_t to_bits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

double from_bits(uint64_t bits) {
  double x;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

} // namespace

const char* to_string(metric_type x) {
  switch (x) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::histogram:
    return "histogram";
  }
  return "untyped";
}

bool is_valid_metric_name(const std::string& name) {
  return valid_name(name, true);
}

bool is_valid_label_name(const std::string& name) {
  return valid_name(name, false) && name.compare(0, 2, "__") != 0;
}

// -- histogram ----------------------------------------------------------------

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
  sum_bits_.store(to_bits(0.0), std::memory_order_relaxed);
}

void histogram::observe(double x) noexcept {
  auto i = std::isnan(x) ? static_cast<std::ptrdiff_t>(bounds_.size())
                         : std::lower_bound(bounds_.begin(), bounds_.end(), x) - bounds_.begin();
  counts_[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
  auto old = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(old, to_bits(from_bits(old) + x),
                                          std::memory_order_relaxed)) {
    // `old` was reloaded by the failed exchange
  }
}

std::vector<uint64_t> histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

double histogram::sum() const noexcept {
  return from_bits(sum_bits_.load(std::memory_order_relaxed));
}

std::vector<double> latency_buckets_seconds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
          0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
}

std::vector<double> exponential_buckets(double start, double factor, size_t n) {
  std::vector<double> out;
  out.reserve(n);
  for (double x = start; out.size() < n; x *= factor)
    out.push_back(x);
  return out;
}

// -- registry -------------------------------------------------------------------

struct metrics_registry::family {
  metric_type type;
  std::string help;
  std::vector<double> bounds; // histograms only
  // Keyed by the series' label text, so rendering order is the key order.
  std::map<std::string, std::unique_ptr<class counter>> counters;
  std::map<std::string, std::unique_ptr<class gauge>> gauges;
  std::map<std::string, std::unique_ptr<class histogram>> histograms;
};

metrics_registry::metrics_registry() = default;

metrics_registry::~metrics_registry() = default;

metrics_registry::family& metrics_registry::get_family(const std::string& name,
                                                       const std::string& help, metric_type type) {
  if (!is_valid_metric_name(name))
    throw std::invalid_argument("invalid metric name '" + name +
                                "' (use [a-zA-Z_:][a-zA-Z0-9_:]*)");
  auto i = families_.find(name);
  if (i == families_.end()) {
    auto fam = std::make_unique<family>();
    fam->type = type;
    fam->help = help;
    i = families_.emplace(name, std::move(fam)).first;
  } else if (i->second->type != type) {
    throw std::invalid_argument("metric " + name + " is a " + to_string(i->second->type) +
                                ", not a " + to_string(type));
  }
  return *i->second;
}

class counter& metrics_registry::counter(const std::string& name, const std::string& help,
                                         const metric_labels& labels) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto key = label_text(name, labels, false);
  auto& fam = get_family(name, help, metric_type::counter);
  auto& slot = fam.counters[key];
  if (!slot)
    slot = std::make_unique<class counter>();
  return *slot;
}

class gauge& metrics_registry::gauge(const std::string& name, const std::string& help,
                                     const metric_labels& labels) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto key = label_text(name, labels, false);
  auto& fam = get_family(name, help, metric_type::gauge);
  auto& slot = fam.gauges[key];
  if (!slot)
    slot = std::make_unique<class gauge>();
  return *slot;
}

class histogram& metrics_registry::histogram(const std::string& name, const std::string& help,
                                             const std::vector<double>& bounds,
                                             const metric_labels& labels) {
  std::lock_guard<std::mutex> guard{mtx_};
  check_bounds(name, bounds);
  auto key = label_text(name, labels, true);
  auto fresh = families_.count(name) == 0;
  auto& fam = get_family(name, help, metric_type::histogram);
  if (fresh)
    fam.bounds = bounds;
  else if (fam.bounds != bounds)
    throw std::invalid_argument("histogram " + name + " exists with other bucket bounds");
  auto& slot = fam.histograms[key];
  if (!slot)
    slot = std::make_unique<class histogram>(bounds);
  return *slot;
}

void metrics_registry::add_collector(std::function<void()> collect) {
  std::lock_guard<std::mutex> guard{mtx_};
  collectors_.push_back(std::move(collect));
}

std::string metrics_registry::render_prometheus() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    collectors = collectors_;
  }
  for (auto& collect : collectors) // outside the lock: they update series of this registry
    collect();
  std::lock_guard<std::mutex> guard{mtx_};
  std::string out;
  auto series = [&out](const std::string& name, const std::string& labels,
                       const std::string& value) {
    out += name;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
  };
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + ' ' + escape_help(fam->help) + '\n';
    out += "# TYPE " + name + ' ' + to_string(fam->type) + '\n';
    for (const auto& [labels, c] : fam->counters)
      series(name, labels, std::to_string(c->value()));
    for (const auto& [labels, g] : fam->gauges)
      series(name, labels, std::to_string(g->value()));
    for (const auto& [labels, h] : fam->histograms) {
      auto counts = h->bucket_counts();
      auto sep = labels.empty() ? std::string{} : labels + ',';
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        auto le = i < fam->bounds.size() ? format_double(fam->bounds[i]) : "+Inf";
        series(name + "_bucket", sep + "le=\"" + le + '"', std::to_string(cumulative));
      }
      series(name + "_sum", labels, format_double(h->sum()));
      // _count from the same snapshot as the buckets, so it always equals the +Inf bucket.
      series(name + "_count", labels, std::to_string(cumulative));
    }
  }
  return out;
}

} // namespace keel::runtime
