// kv_bench: the durable KV store in process (shards + router under a supervisor) against raw CAF
// (benchmarks.md).
//
//   kv_bench [--conc 1,2,4,8,16] [--trials 3] [--quick] [--sync group|none|both] [--shards N]
//            [--routers R] [--path direct|router] [--seconds S] [--batch B] [--depth D]
//            [--keys K] [--rss-mib M] [--dir DIR] [--threads T] [--work-stealing NAME=VALUE]...
//
// Defaults: --sync none (both: the plain summary keys are sync none, the group ones are
// ops_per_s_group_<n>, ...), 2 s per run (--quick: 0.5 s, 2 trials, 64 MiB for rss), shards =
// max(largest n, hardware threads), router lanes as keel-node (one per scheduler thread), batches
// of 16 commands with 2 in flight per client; --path direct: clients split their batches and
// send the parts straight to the shard hosts (actors/kv_direct.hpp), as keel-node's gateway
// does; --path router: client i sends its batches to lane i mod lanes.
// CAF's scheduler gets std::thread::hardware_concurrency() threads (--threads T: T) and keel-node's
// settings (runtime/scheduler.hpp); --work-stealing NAME=VALUE (repeatable) overrides one of
// CAF's work-stealing.* settings for a scheduler sweep: aggressive-poll-attempts,
// aggressive-steal-interval, moderate-poll-attempts, moderate-steal-interval,
// relaxed-steal-interval (counts) or moderate-sleep-duration, relaxed-sleep-duration
// (microseconds). Data lives in a mkdtemp directory under $TMPDIR (or --dir), removed at the end.
//
// Cases, baseline and subject alternated per trial and concurrency (A B A B), medians reported:
//   raw    n pairs of plain event_based actors: each client sends batches of B commands as
//          (kv_batch_atom, id, commands) to its own echo server, which answers
//          (result_atom, id, replies) with a GET / OK reply per command (no routing, no state)
//   keel   n client actors in a closed loop against keel's shards, the same batches (80% GET /
//          20% SET on random keys of a preloaded key space, 16-byte values, D batches in flight
//          per client); one tree (root -> "shards", "router", "router#2", ..., as keel-node)
//          per sync policy
//   ready  start_supervisor of a 24-shard tree (sync group) on an empty directory until ready
//   rss    VmRSS growth while loading M MiB of 1 KiB values (sync none) / value bytes
// ops/s = commands answered inside the measuring window / window length; every reply is
// checked (GET: a 16-byte bulk, SET: +OK). efficiency_<n> = ops(n) / (n * ops(1)).
// cpu_cores_<n>: the process's CPU time over the window / its length (how many cores the run
// kept busy); ops_per_cpu_s_<n> = ops(n) / cpu_cores_<n>. When one client already keeps more
// than one core busy, n clients cannot scale past cores / cpu_cores_1 on this machine.
// stdout: one JSON object per line, the last the summary; progress on stderr.
// bench-results/kv_scaling.dat holds ops/s against n for raw CAF and keel per sync policy; with
// gnuplot installed, bench-results/kv_scaling.png plots it.
#include "actors/kv_direct.hpp"
#include "actors/kv_shard.hpp"
#include "actors/router.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "config/node_config.hpp"
#include "runtime/scheduler.hpp"
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "wal/errc.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using keel::actors::kv_batch_atom;
using keel::actors::kv_command;
using keel::actors::kv_reply;
using keel::actors::result_atom;
using clk = std::chrono::steady_clock;

namespace {

// -- options and helpers --------------------------------------------------------

/// One --work-stealing NAME=VALUE: a count, or a duration in microseconds.
struct work_stealing_setting {
  std::string name;
  uint64_t value;
  bool duration;
};

struct bench_config {
  std::vector<uint32_t> conc{1, 2, 4, 8, 16};
  int trials = 3;
  bool quick = false;
  double seconds = 2.0;
  std::vector<keel::config::sync_policy> syncs{keel::config::sync_policy::none};
  bool both = false;
  uint32_t shards = 0; // 0: max(max(conc), hardware_concurrency)
  uint32_t routers = 0; // 0: as keel-node, one router lane per scheduler thread
  bool direct = true;   // --path direct: straight to the shard hosts; else through the routers
  size_t batch = 16;
  size_t depth = 2;
  size_t keys = 100000;
  size_t value_bytes = 16;
  uint64_t rss_mib = 256;
  size_t rss_value_bytes = 1024;
  std::string dir;
  uint32_t threads = 0; // 0: hardware_concurrency()
  std::vector<work_stealing_setting> work_stealing; // CAF work-stealing.* overrides
};

const char* const work_stealing_counts[] = {"aggressive-poll-attempts", "aggressive-steal-interval",
                                            "moderate-poll-attempts", "moderate-steal-interval",
                                            "relaxed-steal-interval"};
const char* const work_stealing_durations[] = {"moderate-sleep-duration",
                                               "relaxed-sleep-duration"};

bool is_one_of(const std::string& name, const char* const* first, const char* const* last) {
  return std::any_of(first, last, [&](const char* x) { return name == x; });
}

const char* sync_name(keel::config::sync_policy p) {
  switch (p) {
    case keel::config::sync_policy::group:
      return "group";
    case keel::config::sync_policy::interval:
      return "interval";
    default:
      return "none";
  }
}

double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

clk::duration to_duration(double seconds) {
  return std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds));
}

void rm_rf(const std::string& path) {
  std::string cmd = "rm -rf '" + path + "'";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "kv_bench: could not remove %s\n", path.c_str());
}

// The process' resident set in bytes (VmRSS of /proc/self/status), 0 if unreadable.
uint64_t rss_bytes() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  return 0;
}

std::string json_array(const std::vector<double>& xs, int decimals = 0) {
  std::string out = "[";
  char buf[64];
  for (size_t i = 0; i < xs.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%s%.*f", i ? "," : "", decimals, xs[i]);
    out += buf;
  }
  return out + "]";
}

// A message for a benchmark that cannot go on (errors, hangs): stdout gets no summary.
[[noreturn]] void give_up(const std::string& why) {
  std::fprintf(stderr, "kv_bench: %s\n", why.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  std::_Exit(1);
}

// -- latency histogram (HDR style: 32 linear sub-buckets per power of two of ns) ---

class histogram {
public:
  static constexpr int sub = 32;

  void record(uint64_t ns) {
    auto b = bucket_of(ns);
    if (b >= counts_.size())
      counts_.resize(b + 1, 0);
    ++counts_[b];
    ++total_;
    max_ = std::max(max_, ns);
  }

  void merge(const histogram& x) {
    if (x.counts_.size() > counts_.size())
      counts_.resize(x.counts_.size(), 0);
    for (size_t i = 0; i < x.counts_.size(); ++i)
      counts_[i] += x.counts_[i];
    total_ += x.total_;
    max_ = std::max(max_, x.max_);
  }

  /// The upper bound (ms) of the bucket holding quantile p.
  double quantile_ms(double p) const {
    if (total_ == 0)
      return 0;
    auto rank = static_cast<uint64_t>(std::ceil(p * static_cast<double>(total_)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank)
        return std::min(static_cast<double>(upper_of(i)), static_cast<double>(max_)) / 1e6;
    }
    return static_cast<double>(max_) / 1e6;
  }

  double max_ms() const { return static_cast<double>(max_) / 1e6; }

private:
  static size_t bucket_of(uint64_t ns) {
    if (ns < sub)
      return static_cast<size_t>(ns);
    // [2^msb, 2^(msb+1)) in 32 sub-buckets of width 2^(msb-5).
    int msb = 63 - __builtin_clzll(ns);
    int shift = msb - 5;
    auto minor = static_cast<size_t>((ns >> shift) & (sub - 1));
    return static_cast<size_t>(msb - 4) * sub + minor;
  }

  static uint64_t upper_of(size_t b) {
    if (b < sub)
      return b;
    auto major = static_cast<int>(b / sub) + 4; // msb
    auto minor = static_cast<uint64_t>(b % sub);
    auto shift = major - 5;
    return ((uint64_t{sub} + minor + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

// -- load clients -------------------------------------------------------------------

/// What every client of one run shares (read-only).
struct load_spec {
  std::shared_ptr<const std::vector<std::string>> keys;
  std::string value;
  size_t batch = 16;
  size_t depth = 2;
  unsigned get_percent = 80;
  clk::time_point count_from; ///< replies before this are warm-up
  clk::time_point until;      ///< no new batches after this
};

/// Live counters of one client, readable from the main thread when a run hangs.
struct client_progress {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> answered{0};
};

struct client_result {
  uint64_t commands = 0; ///< answered inside [count_from, until)
  uint64_t error_replies = 0;
  uint64_t wrong_replies = 0;
  std::string first_problem;
  histogram latency; ///< per batch, inside the window
};

struct in_flight_batch {
  uint64_t id = 0;
  uint64_t get_mask = 0; ///< bit i: command i is a GET
  clk::time_point sent;
};

struct client_state {
  std::mt19937_64 rng;
  uint64_t next_id = 1;
  std::vector<in_flight_batch> in_flight;
  bool stopping = false;
  client_result res;
  std::shared_ptr<std::promise<client_result>> done;
  std::shared_ptr<client_progress> progress;
  static inline const char* name = "kv_bench.client";
};

caf::behavior load_client(caf::stateful_actor<client_state>* self, caf::actor target,
                          std::shared_ptr<keel::actors::shard_directory> hosts,
                          std::shared_ptr<const load_spec> spec, uint64_t seed,
                          std::shared_ptr<client_progress> progress,
                          std::shared_ptr<std::promise<client_result>> done) {
  auto& st = self->state;
  st.rng.seed(seed);
  st.done = std::move(done);
  st.progress = std::move(progress);
  auto send_batch = [self, target, hosts, spec] {
    auto& s = self->state;
    std::vector<kv_command> cmds;
    cmds.reserve(spec->batch);
    uint64_t mask = 0;
    auto nkeys = spec->keys->size();
    for (size_t i = 0; i < spec->batch; ++i) {
      auto r = s.rng();
      const auto& key = (*spec->keys)[(r >> 8) % nkeys];
      if ((r & 0xff) % 100 < spec->get_percent) {
        cmds.push_back(kv_command{"GET", key});
        mask |= uint64_t{1} << i;
      } else {
        cmds.push_back(kv_command{"SET", key, spec->value});
      }
    }
    auto id = s.next_id++;
    s.in_flight.push_back({id, mask, clk::now()});
    s.progress->sent.fetch_add(1, std::memory_order_relaxed);
    if (hosts) {
      keel::actors::kv_done done = [to = caf::actor{self}, id](std::vector<kv_reply> replies,
                                                               caf::execution_unit* ctx) {
        keel::actors::enqueue_from(ctx, to,
                                   caf::make_message(result_atom::value, id, std::move(replies)));
      };
      if (keel::actors::kv_send_direct(*hosts, cmds, done, self->context()))
        return;
    }
    self->send(target, kv_batch_atom::value, id, std::move(cmds));
  };
  auto finish_if_done = [self] {
    auto& s = self->state;
    if (s.stopping && s.in_flight.empty()) {
      s.done->set_value(std::move(s.res));
      self->quit();
    }
  };
  auto note = [self](const std::string& what) {
    auto& s = self->state;
    if (s.res.first_problem.empty())
      s.res.first_problem = what;
  };
  for (size_t i = 0; i < spec->depth; ++i)
    send_batch();
  return {
    [self, spec, send_batch, finish_if_done, note](result_atom, uint64_t id,
                                                    std::vector<kv_reply>& replies) {
      auto& s = self->state;
      auto now = clk::now();
      s.progress->answered.fetch_add(1, std::memory_order_relaxed);
      auto i = std::find_if(s.in_flight.begin(), s.in_flight.end(),
                            [id](const in_flight_batch& b) { return b.id == id; });
      if (i == s.in_flight.end()) {
        note("a reply for unknown batch " + std::to_string(id));
        ++s.res.wrong_replies;
        return;
      }
      auto b = *i;
      s.in_flight.erase(i);
      if (replies.size() != spec->batch) {
        note("batch " + std::to_string(id) + ": " + std::to_string(replies.size())
             + " replies for " + std::to_string(spec->batch) + " commands");
        ++s.res.wrong_replies;
      }
      for (size_t c = 0; c < replies.size(); ++c) {
        auto& r = replies[c];
        bool get = (b.get_mask >> c) & 1;
        if (r.is_error()) {
          ++s.res.error_replies;
          note("error reply to " + std::string{get ? "GET" : "SET"} + ": " + r.str());
        } else if (get ? (r.type() != kv_reply::kind::bulk || r.str().size() != spec->value.size())
                       : r != kv_reply::ok()) {
          ++s.res.wrong_replies;
          note("wrong reply to " + std::string{get ? "GET" : "SET"} + ": "
               + keel::actors::to_string(r));
        }
      }
      if (now >= spec->count_from && now < spec->until) {
        s.res.commands += replies.size();
        s.res.latency.record(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - b.sent).count()));
      }
      if (now >= spec->until)
        s.stopping = true;
      if (!s.stopping)
        send_batch();
      finish_if_done();
    },
    [self, finish_if_done, note](result_atom, uint64_t id, caf::error& err) {
      auto& s = self->state;
      s.progress->answered.fetch_add(1, std::memory_order_relaxed);
      note("batch " + std::to_string(id) + " failed: " + keel::actors::describe_error(err));
      ++s.res.error_replies;
      s.in_flight.erase(std::remove_if(s.in_flight.begin(), s.in_flight.end(),
                                       [id](const in_flight_batch& b) { return b.id == id; }),
                        s.in_flight.end());
      s.stopping = true; // the batch is lost: stop this client rather than keep a hole
      finish_if_done();
    },
  };
}

// The raw CAF peer: answers each batch with a GET / OK reply per command, as the router would.
caf::behavior raw_server(caf::event_based_actor* self, std::string value) {
  return {
    [self, value](kv_batch_atom, uint64_t id, std::vector<kv_command>& cmds) {
      std::vector<kv_reply> out;
      out.reserve(cmds.size());
      for (auto& c : cmds)
        out.emplace_back(c.size() == 2 ? kv_reply::bulk(value) : kv_reply::ok());
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), result_atom::value, id,
                 std::move(out));
    },
  };
}

struct run_result {
  double ops_per_s = 0;
  double cpu_cores = 0; ///< this process's CPU seconds per second of the measuring window
  uint64_t commands = 0;
  uint64_t error_replies = 0;
  uint64_t wrong_replies = 0;
  std::string first_problem;
  histogram latency;
};

// CPU seconds (user + system) used by this process so far.
double process_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// Runs `n` clients for `seconds` (after a warm-up) against targets[i % targets.size()], or
// straight against the shard hosts in `hosts` when set.
run_result run_clients(caf::actor_system& sys, const std::vector<caf::actor>& targets,
                       std::shared_ptr<keel::actors::shard_directory> hosts, uint32_t n,
                       const bench_config& cfg,
                       std::shared_ptr<const std::vector<std::string>> keys,
                       const std::string& what) {
  auto spec = std::make_shared<load_spec>();
  spec->keys = std::move(keys);
  spec->value = std::string(cfg.value_bytes, 'v');
  spec->batch = cfg.batch;
  spec->depth = cfg.depth;
  double warmup = std::max(0.05, cfg.seconds * 0.1);
  spec->count_from = clk::now() + to_duration(warmup);
  spec->until = spec->count_from + to_duration(cfg.seconds);
  std::vector<std::future<client_result>> fs;
  std::vector<std::shared_ptr<client_progress>> progress;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = std::make_shared<std::promise<client_result>>();
    fs.push_back(p->get_future());
    progress.push_back(std::make_shared<client_progress>());
    sys.spawn(load_client, targets[i % targets.size()], hosts,
              std::shared_ptr<const load_spec>{spec},
              0x9e3779b97f4a7c15ull * (i + 1) + static_cast<uint64_t>(n), progress.back(), p);
  }
  // How many cores the whole process (clients, router, shards, WAL writers) keeps busy.
  std::this_thread::sleep_until(spec->count_from);
  auto cpu0 = process_cpu_s();
  auto t0 = clk::now();
  std::this_thread::sleep_until(spec->until);
  auto cpu_used = process_cpu_s() - cpu0;
  auto window = secs_since(t0);
  // A client must be done at the end of its window plus its last batches' round trip.
  auto deadline = spec->until + std::chrono::seconds{30};
  run_result out;
  out.cpu_cores = window > 0 ? cpu_used / window : 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (fs[i].wait_until(deadline) != std::future_status::ready) {
      std::string why = what + ": client " + std::to_string(i) + " of " + std::to_string(n)
                        + " got no answer for 30 s after its window ended (hang):";
      for (uint32_t j = 0; j < n; ++j)
        why += " [client " + std::to_string(j) + ": "
               + std::to_string(progress[j]->sent.load()) + " batches sent, "
               + std::to_string(progress[j]->answered.load()) + " answered]";
      give_up(why);
    }
    auto r = fs[i].get();
    out.commands += r.commands;
    out.error_replies += r.error_replies;
    out.wrong_replies += r.wrong_replies;
    if (out.first_problem.empty() && !r.first_problem.empty())
      out.first_problem = "client " + std::to_string(i) + ": " + r.first_problem;
    out.latency.merge(r.latency);
  }
  out.ops_per_s = static_cast<double>(out.commands) / cfg.seconds;
  if (out.error_replies + out.wrong_replies > 0)
    std::fprintf(stderr, "  %s: %llu error replies, %llu wrong replies; first: %s\n", what.c_str(),
                 static_cast<unsigned long long>(out.error_replies),
                 static_cast<unsigned long long>(out.wrong_replies), out.first_problem.c_str());
  return out;
}

void stop_actors(caf::actor_system& sys, const std::vector<caf::actor>& xs,
                 const std::string& what) {
  caf::scoped_actor self{sys};
  for (auto& x : xs) {
    self->monitor(x);
    self->send_exit(x, caf::exit_reason::user_shutdown);
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    bool down = false;
    self->receive([&](const caf::down_msg&) { down = true; },
                  caf::after(std::chrono::seconds{120}) >> [] {});
    if (!down)
      give_up(what + " did not stop within 120 s of an exit message (user_shutdown)");
  }
}

run_result run_raw(caf::actor_system& sys, uint32_t n, const bench_config& cfg,
                   std::shared_ptr<const std::vector<std::string>> keys) {
  std::vector<caf::actor> servers;
  for (uint32_t i = 0; i < n; ++i)
    servers.push_back(sys.spawn(raw_server, std::string(cfg.value_bytes, 'v')));
  auto r = run_clients(sys, servers, nullptr, n, cfg, std::move(keys),
                       "raw CAF n=" + std::to_string(n));
  stop_actors(sys, servers, "a raw CAF server");
  return r;
}

// -- keel's tree --------------------------------------------------------------------

struct kv_tree {
  caf::actor root;
  std::vector<caf::actor> routers; // every lane, in lane order
  std::shared_ptr<keel::actors::shard_directory> hosts; // the shard hosts, as they publish
};

// root -> {"shards", "router", "router#2", ...} as keel-node builds it (`lanes` router lanes),
// under `data_dir`.
kv_tree start_tree(caf::actor_system& sys, const std::string& data_dir, uint32_t shards,
                   keel::config::sync_policy sync, uint32_t lanes, double* ready_ms = nullptr) {
  ::mkdir(data_dir.c_str(), 0755);
  keel::config::node_config cfg;
  cfg.node.data_dir = data_dir;
  cfg.shards.count = shards;
  cfg.shards.sync = sync;
  keel::supervision::supervisor_options so;
  so.name = "root";
  auto hosts = std::make_shared<keel::actors::shard_directory>(shards);
  so.children.push_back(
    keel::actors::shards_child(cfg, caf::actor{}, [hosts](keel::actors::shard_options& o) {
      o.host.on_serving = keel::actors::shard_directory::publisher(hosts, o.host.shard);
    }));
  for (auto& r : keel::actors::router_children(cfg, lanes))
    so.children.push_back(std::move(r));
  auto t0 = clk::now();
  auto sup = keel::supervision::start_supervisor(
    sys, std::move(so),
    std::chrono::milliseconds{cfg.shards.startup_timeout_ms} * 3 + std::chrono::seconds{5});
  if (ready_ms != nullptr)
    *ready_ms = secs_since(t0) * 1e3;
  if (!sup)
    give_up("a " + std::to_string(shards) + "-shard tree in " + data_dir
            + " failed to start: " + keel::actors::describe_error(sup.error()));
  kv_tree t;
  t.root = *sup;
  t.hosts = std::move(hosts);
  keel::supervision::supervisor_client c{sys, t.root};
  auto kids = c.which_children();
  if (!kids)
    give_up("which_children of the root failed: " + keel::actors::describe_error(kids.error()));
  for (uint32_t i = 0; i < std::max(lanes, 1u); ++i) {
    auto id = keel::actors::router_lane_id(i);
    for (auto& k : *kids)
      if (k.id == id)
        t.routers.push_back(k.hdl);
    if (t.routers.size() != i + 1)
      give_up("the root has no running child \"" + id + "\"");
  }
  return t;
}

void stop_tree(caf::actor_system& sys, kv_tree& t) {
  stop_actors(sys, {t.root}, "the KV tree's root supervisor");
  t = kv_tree{};
}

// SETs every key to `value` through the router, `per_batch` commands per blocking batch.
void load_keys(caf::actor_system& sys, const caf::actor& router,
               const std::vector<std::string>& keys, const std::string& value,
               size_t per_batch) {
  caf::scoped_actor self{sys};
  for (size_t i = 0; i < keys.size(); i += per_batch) {
    std::vector<kv_command> cmds;
    for (size_t j = i; j < std::min(keys.size(), i + per_batch); ++j)
      cmds.push_back(kv_command{"SET", keys[j], value});
    auto expect = cmds.size();
    std::string problem;
    self->request(router, std::chrono::seconds{120}, kv_batch_atom::value, std::move(cmds))
      .receive(
        [&](std::vector<kv_reply>& rs) {
          if (rs.size() != expect)
            problem = std::to_string(rs.size()) + " replies for " + std::to_string(expect);
          for (auto& r : rs)
            if (r != kv_reply::ok()) {
              problem = "SET answered " + keel::actors::to_string(r);
              break;
            }
        },
        [&](caf::error& err) { problem = keel::actors::describe_error(err); });
    if (!problem.empty())
      give_up("loading keys " + std::to_string(i) + ".. through the router: " + problem);
  }
}

std::shared_ptr<const std::vector<std::string>> make_keys(const std::string& prefix, size_t n) {
  auto keys = std::make_shared<std::vector<std::string>>();
  keys->reserve(n);
  char buf[64];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%s%08zu", prefix.c_str(), i);
    keys->emplace_back(buf);
  }
  return keys;
}

// -- summary ------------------------------------------------------------------------

/// Medians per n for one subject (keel under one sync policy, or raw CAF).
struct sweep {
  std::map<uint32_t, std::vector<double>> trials;
  std::map<uint32_t, std::vector<double>> cores; // CPU cores busy per run (keel only)
  std::map<uint32_t, histogram> latency;

  double ops(uint32_t n) const {
    auto i = trials.find(n);
    return i == trials.end() ? 0 : median(i->second);
  }

  double cpu(uint32_t n) const {
    auto i = cores.find(n);
    return i == cores.end() ? 0 : median(i->second);
  }

  /// ops(n) / (n / n0 * ops(n0)), n0 the smallest n (1 in the default sweep).
  double efficiency(uint32_t n) const {
    if (trials.empty())
      return 0;
    auto n0 = trials.begin()->first;
    auto base = ops(n0);
    return base > 0 ? ops(n) * n0 / (static_cast<double>(n) * base) : 0;
  }
};

struct summary_builder {
  std::string text = "{\"bench\":\"kv\",\"case\":\"summary\"";

  void num(const std::string& key, double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
    text += ",\"" + key + "\":" + buf;
  }
  void raw(const std::string& key, const std::string& json) {
    text += ",\"" + key + "\":" + json;
  }
};

// keys ops_per_s<sfx>_<n>, efficiency<sfx>_<n>, efficiency<sfx>_min, efficiency_vs_raw<sfx>_min.
void add_policy_keys(summary_builder& s, const std::string& sfx, const sweep& keel,
                     const sweep& raw, const std::vector<uint32_t>& conc) {
  for (auto n : conc)
    s.num("ops_per_s" + sfx + "_" + std::to_string(n), keel.ops(n), 0);
  for (auto n : conc)
    s.num("efficiency" + sfx + "_" + std::to_string(n), keel.efficiency(n), 3);
  // Where scaling is bounded by the machine: cores the process kept busy, and work per core.
  for (auto n : conc)
    s.num("cpu_cores" + sfx + "_" + std::to_string(n), keel.cpu(n), 2);
  for (auto n : conc)
    s.num("ops_per_cpu_s" + sfx + "_" + std::to_string(n),
          keel.cpu(n) > 0 ? keel.ops(n) / keel.cpu(n) : 0, 0);
  // The smallest n is 1.0 by definition: the minimum is over the others (1 if none).
  double eff_min = 1, vs_raw_min = 1;
  bool first = true;
  for (auto n : conc) {
    if (n == conc.front())
      continue;
    auto e = keel.efficiency(n);
    auto re = raw.efficiency(n);
    auto v = re > 0 ? e / re : 0.0;
    eff_min = first ? e : std::min(eff_min, e);
    vs_raw_min = first ? v : std::min(vs_raw_min, v);
    first = false;
  }
  s.num("efficiency" + sfx + "_min", eff_min, 3);
  s.num("efficiency_vs_raw" + sfx + "_min", vs_raw_min, 3);
}

void plot(const std::vector<uint32_t>& conc, const sweep& raw,
          const std::vector<std::pair<std::string, sweep>>& keel) {
  if (std::system("mkdir -p bench-results") != 0) {
    std::fprintf(stderr, "kv_bench: cannot create bench-results/: plot skipped\n");
    return;
  }
  {
    std::ofstream dat{"bench-results/kv_scaling.dat"};
    dat << "# n raw_caf";
    for (auto& [name, sw] : keel)
      dat << " keel_" << name;
    dat << "\n";
    for (auto n : conc) {
      dat << n << " " << raw.ops(n);
      for (auto& [name, sw] : keel)
        dat << " " << sw.ops(n);
      dat << "\n";
    }
  }
  // Written first: a machine without gnuplot still leaves the data, to be plotted elsewhere.
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "kv_bench: gnuplot not found: wrote bench-results/kv_scaling.dat only; "
                         "plot it with gnuplot elsewhere\n");
    return;
  }
  std::string script =
    "set terminal png size 900,600; set output 'bench-results/kv_scaling.png';"
    "set title 'keel KV (80% GET / 20% SET) vs raw CAF'; set xlabel 'clients (n)';"
    "set ylabel 'commands/s'; set logscale x 2; set key top left; set grid;"
    "plot 'bench-results/kv_scaling.dat' using 1:2 with linespoints title 'raw CAF'";
  for (size_t i = 0; i < keel.size(); ++i)
    script += ", '' using 1:" + std::to_string(i + 3) + " with linespoints title 'keel, sync "
              + keel[i].first + "'";
  std::string cmd = "gnuplot -e \"" + script + "\"";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "kv_bench: gnuplot failed: no plot\n");
  else
    std::fprintf(stderr, "kv_bench: wrote bench-results/kv_scaling.png\n");
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: kv_bench [--conc 1,2,4,8,16] [--trials 3] [--quick] "
               "[--sync group|none|both] [--shards N] [--routers R] [--path direct|router] "
               "[--seconds S] [--batch B] [--depth D] "
               "[--keys K] [--rss-mib M] [--dir DIR] [--threads T] "
               "[--work-stealing NAME=VALUE]...\n");
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  bench_config cfg;
  bool trials_set = false, seconds_set = false, rss_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kv_bench: %s needs a value\n", a.c_str());
        usage();
      }
      return argv[++i];
    };
    auto positive = [&](const std::string& s) -> unsigned long long {
      char* end = nullptr;
      auto x = std::strtoull(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || x == 0) {
        std::fprintf(stderr, "kv_bench: %s expects a positive integer, got '%s'\n", a.c_str(),
                     s.c_str());
        usage();
      }
      return x;
    };
    if (a == "--quick") {
      cfg.quick = true;
    } else if (a == "--conc") {
      cfg.conc.clear();
      std::stringstream ss{next()};
      std::string item;
      while (std::getline(ss, item, ','))
        cfg.conc.push_back(static_cast<uint32_t>(positive(item)));
      if (cfg.conc.empty())
        usage();
      std::sort(cfg.conc.begin(), cfg.conc.end());
      cfg.conc.erase(std::unique(cfg.conc.begin(), cfg.conc.end()), cfg.conc.end());
    } else if (a == "--trials") {
      cfg.trials = static_cast<int>(positive(next()));
      trials_set = true;
    } else if (a == "--seconds") {
      cfg.seconds = std::atof(next().c_str());
      if (cfg.seconds <= 0)
        usage();
      seconds_set = true;
    } else if (a == "--sync") {
      auto s = next();
      cfg.both = false;
      if (s == "group")
        cfg.syncs = {keel::config::sync_policy::group};
      else if (s == "none")
        cfg.syncs = {keel::config::sync_policy::none};
      else if (s == "both") {
        cfg.syncs = {keel::config::sync_policy::none, keel::config::sync_policy::group};
        cfg.both = true;
      } else {
        std::fprintf(stderr, "kv_bench: --sync is '%s'; expected group, none or both\n",
                     s.c_str());
        usage();
      }
    } else if (a == "--shards") {
      cfg.shards = static_cast<uint32_t>(positive(next()));
    } else if (a == "--routers") {
      cfg.routers = static_cast<uint32_t>(positive(next()));
    } else if (a == "--path") {
      auto v = next();
      if (v != "direct" && v != "router") {
        std::fprintf(stderr, "kv_bench: --path is '%s'; expected direct or router\n", v.c_str());
        usage();
      }
      cfg.direct = v == "direct";
    } else if (a == "--batch") {
      cfg.batch = positive(next());
      if (cfg.batch > 64) {
        std::fprintf(stderr, "kv_bench: --batch is at most 64\n");
        usage();
      }
    } else if (a == "--depth") {
      cfg.depth = positive(next());
    } else if (a == "--keys") {
      cfg.keys = positive(next());
    } else if (a == "--rss-mib") {
      cfg.rss_mib = positive(next());
      rss_set = true;
    } else if (a == "--dir") {
      cfg.dir = next();
    } else if (a == "--threads") {
      cfg.threads = static_cast<uint32_t>(positive(next()));
    } else if (a == "--work-stealing") {
      auto kv = next();
      auto eq = kv.find('=');
      auto name = kv.substr(0, eq);
      bool duration = is_one_of(name, std::begin(work_stealing_durations),
                                std::end(work_stealing_durations));
      bool known = duration
                   || is_one_of(name, std::begin(work_stealing_counts),
                                std::end(work_stealing_counts));
      if (eq == std::string::npos || !known) {
        std::fprintf(stderr,
                     "kv_bench: --work-stealing expects NAME=VALUE with NAME one of CAF's "
                     "work-stealing settings (see the header of bench/kv_bench.cpp), got '%s'\n",
                     kv.c_str());
        usage();
      }
      auto value = kv.substr(eq + 1);
      char* end = nullptr;
      auto x = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') {
        std::fprintf(stderr, "kv_bench: --work-stealing %s: '%s' is not a whole number\n",
                     name.c_str(), value.c_str());
        usage();
      }
      cfg.work_stealing.push_back({name, x, duration});
    } else {
      usage();
    }
  }
  if (cfg.quick) {
    if (!trials_set)
      cfg.trials = 2;
    if (!seconds_set)
      cfg.seconds = 0.5;
    if (!rss_set)
      cfg.rss_mib = 64;
  }
  auto hw = cfg.threads > 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  if (cfg.shards == 0)
    cfg.shards = std::max(cfg.conc.back(), hw);
  std::string root;
  {
    const char* t = std::getenv("TMPDIR");
    std::string base = cfg.dir.empty() ? std::string{t ? t : "/tmp"} : cfg.dir;
    std::string tmpl = base + "/keel-kv-bench-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::perror("kv_bench: mkdtemp");
      return 1;
    }
    root = buf.data();
  }
  auto lanes = keel::runtime::router_lanes(cfg.routers, false,
                                          keel::runtime::scheduler_threads(0, false, hw));
  if (std::getenv("SPDLOG_LEVEL") == nullptr)
    spdlog::set_level(spdlog::level::warn);
  caf::actor_system_config sys_cfg;
  // As keel-node runs without a gateway (the clients here are in process): one thread per core.
  sys_cfg.set("scheduler.max-threads", keel::runtime::scheduler_threads(0, false, hw));
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  keel::runtime::tune_scheduler(sys_cfg);
  for (auto& ws : cfg.work_stealing) {
    if (ws.duration)
      sys_cfg.set("work-stealing." + ws.name,
                  caf::timespan{std::chrono::microseconds{static_cast<int64_t>(ws.value)}});
    else
      sys_cfg.set("work-stealing." + ws.name, static_cast<size_t>(ws.value));
  }
  keel::supervision::add_error_category(sys_cfg);
  keel::wal::add_error_category(sys_cfg);
  keel::actors::add_error_category(sys_cfg);
  caf::actor_system sys{sys_cfg};
  std::fprintf(stderr,
               "kv_bench: %u scheduler threads, %u shards, %d trials x %.1f s, batches of %zu "
               "commands, %zu in flight per client, %zu keys, data under %s\n",
               hw, cfg.shards, cfg.trials, cfg.seconds, cfg.batch, cfg.depth, cfg.keys,
               root.c_str());

  // -- memory: RSS growth per value byte (first, while the heap is fresh) ---------------
  double rss_ratio = 0;
  {
    std::fprintf(stderr, "rss: loading %llu MiB of %zu-byte values (sync none, %u shards)\n",
                 static_cast<unsigned long long>(cfg.rss_mib), cfg.rss_value_bytes, cfg.shards);
    auto tree = start_tree(sys, root + "/rss", cfg.shards, keel::config::sync_policy::none, lanes);
    auto nkeys = static_cast<size_t>((cfg.rss_mib << 20) / cfg.rss_value_bytes);
    auto keys = make_keys("rss:", nkeys);
    std::string value(cfg.rss_value_bytes, 'm');
    // Settle: one small batch first so that every lazily built structure exists.
    load_keys(sys, tree.routers.front(), {"rss:warm"}, value, 1);
    auto before = rss_bytes();
    auto t0 = clk::now();
    load_keys(sys, tree.routers.front(), *keys, value, 1024);
    auto load_s = secs_since(t0);
    auto after = rss_bytes();
    double value_bytes = static_cast<double>(nkeys) * static_cast<double>(cfg.rss_value_bytes);
    // The key strings the benchmark itself holds are not the store's.
    double own = 0;
    for (auto& k : *keys)
      own += static_cast<double>(sizeof(std::string) + (k.size() > 15 ? k.capacity() + 1 : 0));
    rss_ratio = (static_cast<double>(after) - static_cast<double>(before)) / value_bytes;
    std::printf("{\"bench\":\"kv\",\"case\":\"rss\",\"keys\":%zu,\"value_bytes\":%zu,"
                "\"value_mib\":%.1f,\"rss_before_mib\":%.1f,\"rss_after_mib\":%.1f,"
                "\"rss_growth_mib\":%.1f,\"bench_key_strings_mib\":%.1f,"
                "\"rss_gib_per_gib_values\":%.3f,\"bytes_per_key\":%.0f,\"load_s\":%.2f}\n",
                nkeys, cfg.rss_value_bytes, value_bytes / (1 << 20),
                static_cast<double>(before) / (1 << 20), static_cast<double>(after) / (1 << 20),
                (static_cast<double>(after) - static_cast<double>(before)) / (1 << 20),
                own / (1 << 20), rss_ratio,
                (static_cast<double>(after) - static_cast<double>(before)) / nkeys, load_s);
    std::fflush(stdout);
    stop_tree(sys, tree);
    rm_rf(root + "/rss");
  }

  // -- start-up: 24 shards on an empty directory -----------------------------------------
  std::vector<double> ready;
  for (int t = 0; t < cfg.trials; ++t) {
    auto dir = root + "/ready-" + std::to_string(t);
    double ms = 0;
    auto tree = start_tree(sys, dir, 24, keel::config::sync_policy::group, lanes, &ms);
    ready.push_back(ms);
    std::fprintf(stderr, "ready: 24 shards in %.1f ms\n", ms);
    stop_tree(sys, tree);
    rm_rf(dir);
  }
  std::printf("{\"bench\":\"kv\",\"case\":\"ready_24_shards\",\"sync\":\"group\",\"ms\":%.1f,"
              "\"trials\":%s}\n",
              median(ready), json_array(ready, 1).c_str());
  std::fflush(stdout);

  // -- the sweep: raw CAF and keel alternately, per sync policy --------------------------
  auto keys = make_keys("key:", cfg.keys);
  sweep raw;
  std::vector<std::pair<std::string, sweep>> keel_sweeps;
  for (auto policy : cfg.syncs) {
    auto name = std::string{sync_name(policy)};
    auto dir = root + "/sweep-" + name;
    std::fprintf(stderr, "sync %s: starting %u shards, loading %zu keys\n", name.c_str(),
                 cfg.shards, cfg.keys);
    double ms = 0;
    auto tree = start_tree(sys, dir, cfg.shards, policy, lanes, &ms);
    auto t0 = clk::now();
    load_keys(sys, tree.routers.front(), *keys, std::string(cfg.value_bytes, 'v'), 1000);
    std::fprintf(stderr, "sync %s: ready in %.0f ms, loaded in %.2f s\n", name.c_str(), ms,
                 secs_since(t0));
    sweep keel;
    for (int t = 0; t < cfg.trials; ++t) {
      for (auto n : cfg.conc) {
        auto r = run_raw(sys, n, cfg, keys);
        raw.trials[n].push_back(r.ops_per_s);
        raw.latency[n].merge(r.latency);
        auto k = run_clients(sys, tree.routers, cfg.direct ? tree.hosts : nullptr, n, cfg, keys,
                             "keel sync " + name + " n=" + std::to_string(n));
        keel.trials[n].push_back(k.ops_per_s);
        keel.cores[n].push_back(k.cpu_cores);
        keel.latency[n].merge(k.latency);
        std::fprintf(stderr,
                     "trial %d/%d sync %s n=%u: raw CAF %.0f ops/s, keel %.0f ops/s (%.3f) "
                     "on %.2f cores, keel batch p50 %.3f ms p99 %.3f ms\n",
                     t + 1, cfg.trials, name.c_str(), n, r.ops_per_s, k.ops_per_s,
                     r.ops_per_s > 0 ? k.ops_per_s / r.ops_per_s : 0.0, k.cpu_cores,
                     k.latency.quantile_ms(0.5), k.latency.quantile_ms(0.99));
        if (k.error_replies + k.wrong_replies > 0)
          give_up("keel sync " + name + " n=" + std::to_string(n) + ": "
                  + std::to_string(k.error_replies) + " error replies, "
                  + std::to_string(k.wrong_replies) + " wrong replies; first: " + k.first_problem);
      }
    }
    for (auto n : cfg.conc) {
      auto& h = keel.latency[n];
      std::printf("{\"bench\":\"kv\",\"case\":\"keel\",\"sync\":\"%s\",\"n\":%u,\"shards\":%u,"
                  "\"ops_per_s\":%.0f,\"trials\":%s,\"efficiency\":%.3f,\"cpu_cores\":%.2f,"
                  "\"batch\":%zu,\"depth\":%zu,\"batch_p50_ms\":%.3f,\"batch_p95_ms\":%.3f,"
                  "\"batch_p99_ms\":%.3f,\"batch_max_ms\":%.3f}\n",
                  name.c_str(), n, cfg.shards, keel.ops(n),
                  json_array(keel.trials[n]).c_str(), keel.efficiency(n), keel.cpu(n), cfg.batch,
                  cfg.depth,
                  h.quantile_ms(0.5), h.quantile_ms(0.95), h.quantile_ms(0.99), h.max_ms());
    }
    std::fflush(stdout);
    stop_tree(sys, tree);
    rm_rf(dir);
    keel_sweeps.emplace_back(name, std::move(keel));
  }
  for (auto n : cfg.conc) {
    auto& h = raw.latency[n];
    std::printf("{\"bench\":\"kv\",\"case\":\"raw_caf\",\"n\":%u,\"ops_per_s\":%.0f,"
                "\"trials\":%s,\"efficiency\":%.3f,\"batch_p50_ms\":%.3f,\"batch_p99_ms\":%.3f}\n",
                n, raw.ops(n), json_array(raw.trials[n]).c_str(), raw.efficiency(n),
                h.quantile_ms(0.5), h.quantile_ms(0.99));
  }
  rm_rf(root);

  // -- summary ------------------------------------------------------------------------
  summary_builder s;
  // Plain keys: sync none with --sync both, else the one policy run.
  add_policy_keys(s, "", keel_sweeps.front().second, raw, cfg.conc);
  for (auto n : cfg.conc)
    s.num("raw_caf_ops_per_s_" + std::to_string(n), raw.ops(n), 0);
  for (auto n : cfg.conc)
    s.num("raw_caf_efficiency_" + std::to_string(n), raw.efficiency(n), 3);
  for (size_t i = 1; i < keel_sweeps.size(); ++i)
    add_policy_keys(s, "_" + keel_sweeps[i].first, keel_sweeps[i].second, raw, cfg.conc);
  s.num("ready_ms_24_shards", median(ready), 1);
  s.num("rss_gib_per_gib_values", rss_ratio, 3);
  s.raw("sync", "\"" + std::string{cfg.both ? "both" : keel_sweeps.front().first} + "\"");
  s.num("shards", cfg.shards, 0);
  s.num("scheduler_threads", hw, 0);
  if (!cfg.work_stealing.empty()) {
    std::string ws = "{";
    for (auto& x : cfg.work_stealing)
      ws += (ws.size() > 1 ? ",\"" : "\"") + x.name + "\":" + std::to_string(x.value);
    s.raw("work_stealing", ws + "}");
  }
  s.num("routers", lanes, 0);
  s.raw("path", cfg.direct ? "\"direct\"" : "\"router\"");
  s.num("batch", static_cast<double>(cfg.batch), 0);
  s.num("depth", static_cast<double>(cfg.depth), 0);
  s.num("keys", static_cast<double>(cfg.keys), 0);
  s.num("trials", cfg.trials, 0);
  s.num("seconds_per_run", cfg.seconds, 2);
  s.raw("quick", cfg.quick ? "true" : "false");
  std::printf("%s}\n", s.text.c_str());
  std::fflush(stdout);
  plot(cfg.conc, raw, keel_sweeps);
  return 0;
}
