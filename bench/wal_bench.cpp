// wal_bench: group-commit WAL throughput against a raw fdatasync baseline (benchmarks.md).
//
//   wal_bench [--quick] [--dir DIR] [--trials N] [--seconds S] [--slices K] [--threads T]
//             [--replay-mib M] [--nap-polling]
//
// The actor system runs as keel-node's does (runtime/scheduler.hpp): one scheduler thread per
// core, and an idle one spins briefly, then waits on its condition variable. --nap-polling keeps
// CAF's default instead (50 us naps between polls for up to 25 ms), to show what that costs per
// hop.
//
// Cases, baseline and subjects alternated per trial (A B A B), medians of 5 trials reported
// (the disk's fdatasync rate swings by 1.5x within a minute on these VMs):
//   raw          128-byte pwrite + fdatasync in a loop on a pre-allocated file (the baseline)
//   acks_1       one writer actor, one stream client with 1 append in flight; raw and acks_1
//                alternate in --slices short runs (default 6) within a trial, so that the
//                seconds-long swings of the sync rate hit both alike; ratio_1 compares them
//   raw_busy     raw with a spinning thread beside it (keeps the VM's vCPUs awake)
//   acks_64      one writer actor, 64 appends in flight (p50/p99/max latency per record); the
//                records that go out together share one stream-batch message, as a shard's do
//   acks_8       8 writer actors (shards), 64 in flight each, total acks/s
//   mib_1        1 MiB records, 4 in flight: synced MB/s
//   replay       recovery of a 1 GiB log (--replay-mib), GB/s (page cache warm)
// stdout: one JSON object per line, the last the summary; progress on stderr.
#include "runtime/scheduler.hpp"
#include "wal/errc.hpp"
#include "wal/recovery.hpp"
#include "wal/writer.hpp"
#include "wal/writer_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <future>
#include <string>
#include <unistd.h>
#include <vector>

using namespace keel::wal;
using clk = std::chrono::steady_clock;

namespace {

struct config {
  bool quick = false;
  std::string dir;
  bool own_dir = false;
  int trials = 5; // fdatasync rates swing 1.5x within a minute on these VMs: medians of 5
  double seconds = 3.0;
  /// raw fdatasync and 1 in flight alternate this many times per trial, `seconds` in all each
  int slices = 6;
  /// scheduler threads; 0: as a node without a gateway (one per core)
  uint32_t threads = 0;
  uint64_t replay_mib = 1024;
  /// CAF workers skip the 50 us sleep-polling phase and wait on a condition variable, as in
  /// keel-node (false with --nap-polling).
  bool cv_wakeup = true;
};

double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto idx = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

void rm_rf(const std::string& path) {
  std::string cmd = "rm -rf '" + path + "'";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "wal_bench: could not remove %s\n", path.c_str());
}

// -- baseline -----------------------------------------------------------------

struct raw_result {
  double syncs_per_s = 0;
  double p99_ms = 0;
};

// A pre-allocated 64 MiB file that 128-byte records are written to and fdatasynced in place.
// With `busy`, a second thread spins while a run measures: on these VMs an idle vCPU wakes
// slowly for the I/O completion, and an actor system (whose workers poll) keeps a vCPU awake
// the same way.
class raw_file {
public:
  explicit raw_file(const std::string& dir) : path_(dir + "/raw.bin") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd_ < 0) {
      std::perror("open");
      std::exit(1);
    }
    std::string zeros(1u << 20, '\0');
    for (size_t off = 0; off < size; off += zeros.size())
      if (::pwrite(fd_, zeros.data(), zeros.size(), static_cast<off_t>(off)) < 0)
        std::exit(1);
    ::fdatasync(fd_);
  }

  raw_file(const raw_file&) = delete;
  raw_file& operator=(const raw_file&) = delete;

  ~raw_file() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }

  // Writes and syncs records for `seconds`; adds the syncs to `n` and each one's latency (ms)
  // to `lat`; returns the time taken.
  double run(double seconds, bool busy, uint64_t& n, std::vector<double>& lat) {
    std::atomic<bool> spin{busy};
    std::thread spinner;
    if (busy)
      spinner = std::thread{[&] {
        while (spin.load(std::memory_order_relaxed)) {
        }
      }};
    std::string rec(128, 'r');
    auto start = clk::now();
    auto end = start + std::chrono::duration_cast<clk::duration>(
                         std::chrono::duration<double>(seconds));
    for (auto t0 = start; t0 < end;) {
      if (::pwrite(fd_, rec.data(), rec.size(), static_cast<off_t>(off_)) < 0
          || ::fdatasync(fd_) != 0)
        std::exit(1);
      auto t1 = clk::now();
      lat.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      t0 = t1;
      off_ = (off_ + 152) % size;
      ++n;
    }
    double secs = std::chrono::duration<double>(clk::now() - start).count();
    spin = false;
    if (spinner.joinable())
      spinner.join();
    return secs;
  }

private:
  static constexpr size_t size = 64u << 20;
  std::string path_;
  int fd_ = -1;
  uint64_t off_ = 0;
};

raw_result raw_syncs(const std::string& dir, double seconds, bool busy = false) {
  raw_file f{dir};
  uint64_t n = 0;
  std::vector<double> lat;
  double secs = f.run(seconds, busy, n, lat);
  std::sort(lat.begin(), lat.end());
  return {static_cast<double>(n) / secs, percentile(lat, 0.99)};
}

// -- stream clients -----------------------------------------------------------

struct client_result {
  uint64_t acks = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
};

struct client_state {
  uint64_t next = 1;
  uint64_t acked = 0;
  std::vector<clk::time_point> sent;
  client_result res;
  clk::time_point start;
  clk::time_point deadline;
  bool stopping = false;
  std::shared_ptr<std::promise<client_result>> done;
};

caf::behavior client(caf::stateful_actor<client_state>* self, caf::actor w, size_t in_flight,
                     size_t record_bytes, double seconds,
                     std::shared_ptr<std::promise<client_result>> done, uint64_t first_lsn) {
  auto& st = self->state;
  st.next = first_lsn;
  st.acked = first_lsn - 1;
  st.done = std::move(done);
  st.start = clk::now();
  st.deadline = st.start + std::chrono::duration_cast<clk::duration>(
                             std::chrono::duration<double>(seconds));
  auto payload = std::make_shared<std::string>(record_bytes, 'p');
  st.sent.push_back(st.start); // index 0 unused
  // Tops up to `in_flight` records: the ones that go out together travel in one stream-batch
  // message, as a shard host sends a batch's records (actors/shard_host.hpp).
  auto top_up = [=] {
    auto& s = self->state;
    auto k = in_flight - static_cast<size_t>(s.next - 1 - s.acked);
    if (k == 0)
      return;
    auto now = clk::now();
    for (size_t i = 0; i < k; ++i)
      s.sent.push_back(now); // sent[i - first_lsn + 1] is when LSN i was sent
    if (k == 1) {
      self->send(w, append_atom::value, s.next, *payload);
    } else {
      std::vector<std::string> batch(k, *payload);
      self->send(w, append_atom::value, s.next, std::move(batch));
    }
    s.next += k;
  };
  top_up();
  return {
    [=](durable_atom, uint64_t lsn) {
      auto& s = self->state;
      auto now = clk::now();
      for (auto i = s.acked + 1; i <= lsn; ++i)
        s.res.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - s.sent[i - first_lsn + 1]).count());
      s.res.acks += lsn - s.acked;
      s.res.bytes += (lsn - s.acked) * payload->size();
      s.acked = lsn;
      if (now >= s.deadline)
        s.stopping = true;
      if (!s.stopping)
        top_up();
      if (s.stopping && s.acked == s.next - 1) {
        s.res.seconds = std::chrono::duration<double>(now - s.start).count();
        s.done->set_value(std::move(s.res));
        self->quit();
      }
    },
    [=](failed_atom, uint64_t, uint64_t, const caf::error& err) {
      std::fprintf(stderr, "wal_bench: append failed: %s\n", describe(err).c_str());
      std::exit(1);
    },
  };
}

caf::actor start_writer(caf::actor_system& sys, const std::string& dir, uint32_t shard) {
  options o;
  o.dir = dir;
  o.shard = shard;
  auto w = spawn_writer(sys, o);
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(w, std::chrono::seconds(60), status_atom::value)
    .receive([&](const writer_status&) { ok = true; },
             [&](const caf::error& err) {
               std::fprintf(stderr, "wal_bench: writer failed: %s\n", describe(err).c_str());
             });
  if (!ok)
    std::exit(1);
  return w;
}

void stop(caf::actor_system& sys, const std::vector<caf::actor>& ws) {
  caf::scoped_actor self{sys};
  for (auto& w : ws) {
    self->monitor(w);
    self->send_exit(w, caf::exit_reason::user_shutdown);
  }
  for (size_t i = 0; i < ws.size(); ++i)
    self->receive([](const caf::down_msg&) {});
}

// Runs `shards` writers with one client each; returns the clients' results.
std::vector<client_result> run_clients(caf::actor_system& sys, const std::string& base,
                                       size_t shards, size_t in_flight, size_t record_bytes,
                                       double seconds) {
  std::vector<caf::actor> ws;
  ::mkdir(base.c_str(), 0755);
  for (size_t k = 0; k < shards; ++k)
    ws.push_back(start_writer(sys, base + "/shard-" + std::to_string(k), static_cast<uint32_t>(k)));
  std::vector<std::future<client_result>> fs;
  for (size_t k = 0; k < shards; ++k) {
    auto p = std::make_shared<std::promise<client_result>>();
    fs.push_back(p->get_future());
    sys.spawn(client, ws[k], in_flight, record_bytes, seconds, p, uint64_t{1});
  }
  std::vector<client_result> out;
  for (auto& f : fs)
    out.push_back(f.get());
  {
    caf::scoped_actor self{sys};
    uint64_t syncs = 0, flushes = 0;
    for (auto& w : ws)
      self->request(w, std::chrono::seconds(60), status_atom::value)
        .receive(
          [&](const writer_status& st) {
            syncs += st.syncs;
            flushes += st.flushes;
          },
          [](const caf::error&) {});
    uint64_t acks = 0;
    for (auto& r : out)
      acks += r.acks;
    std::fprintf(stderr, "  %llu acks, %llu flushes, %llu fdatasyncs\n",
                 static_cast<unsigned long long>(acks), static_cast<unsigned long long>(flushes),
                 static_cast<unsigned long long>(syncs));
  }
  stop(sys, ws);
  rm_rf(base);
  return out;
}

struct paired_result {
  double raw_syncs_per_s = 0;
  double raw_p99_ms = 0;
  double acks_per_s = 0;
};

// The baseline and the 1-in-flight case alternated in `slices` short runs each (raw, acks, raw,
// acks, ...) on one raw file and one writer, so a swing of the disk's sync rate hits both.
paired_result raw_and_one(caf::actor_system& sys, const std::string& root, double seconds,
                          int slices) {
  raw_file f{root};
  auto base = root + "/one";
  ::mkdir(base.c_str(), 0755);
  auto w = start_writer(sys, base + "/shard-0", 0);
  uint64_t raw_n = 0, acks = 0, next = 1;
  double raw_s = 0, acks_s = 0;
  std::vector<double> lat;
  auto slice = seconds / slices;
  for (int i = 0; i < slices; ++i) {
    raw_s += f.run(slice, false, raw_n, lat);
    auto p = std::make_shared<std::promise<client_result>>();
    auto fut = p->get_future();
    sys.spawn(client, w, size_t{1}, size_t{128}, slice, p, next);
    auto r = fut.get();
    acks += r.acks;
    acks_s += r.seconds;
    next += r.acks;
  }
  stop(sys, {w});
  rm_rf(base);
  std::sort(lat.begin(), lat.end());
  return {static_cast<double>(raw_n) / raw_s, percentile(lat, 0.99),
          static_cast<double>(acks) / acks_s};
}

// -- replay -------------------------------------------------------------------

double replay(const std::string& base, uint64_t mib, double& gib_out) {
  options o;
  o.dir = base + "/replay";
  std::string rec(4000, 'x');
  {
    writer w{o};
    collecting_reporter rep;
    if (auto err = w.open(rep, nullptr, nullptr)) {
      std::fprintf(stderr, "wal_bench: %s\n", describe(err).c_str());
      std::exit(1);
    }
    uint64_t n = (mib << 20) / record_size(rec.size());
    for (uint64_t i = 0; i < n; ++i) {
      if (!w.append(rec))
        std::exit(1);
      if (w.pending_bytes() >= (4u << 20) && w.write())
        std::exit(1);
    }
    if (w.close())
      std::exit(1);
  }
  recovery_options ropts;
  ropts.dir = o.dir;
  ropts.repair = false;
  recovery_summary sum;
  double secs = 0;
  // Twice: the first run also pays for the page cache and huge-page allocation after the write.
  for (int run = 0; run < 2; ++run) {
    collecting_reporter rep;
    uint64_t bytes = 0;
    auto start = clk::now();
    auto err = recover(*posix_file_system(), ropts, rep, nullptr,
                       [&](uint64_t, std::string_view p) { bytes += p.size(); }, sum);
    secs = std::chrono::duration<double>(clk::now() - start).count();
    if (err) {
      std::fprintf(stderr, "wal_bench: replay failed: %s\n", describe(err).c_str());
      std::exit(1);
    }
    std::fprintf(stderr, "replay run %d: %.3f s for %llu payload bytes\n", run + 1, secs,
                 static_cast<unsigned long long>(bytes));
  }
  uint64_t log_bytes = 0;
  for (auto& s : sum.segments)
    log_bytes += s.end_offset;
  rm_rf(o.dir);
  gib_out = static_cast<double>(log_bytes) / (1u << 30);
  return static_cast<double>(log_bytes) / secs / 1e9;
}

} // namespace

int main(int argc, char** argv) {
  config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wal_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      cfg.quick = true;
      cfg.slices = 4;
      cfg.trials = 2;
      cfg.seconds = 1.0;
      cfg.replay_mib = 256;
    } else if (a == "--nap-polling") {
      cfg.cv_wakeup = false;
    } else if (a == "--dir") {
      cfg.dir = next();
    } else if (a == "--trials") {
      cfg.trials = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--seconds") {
      cfg.seconds = std::atof(next().c_str());
    } else if (a == "--threads") {
      cfg.threads = static_cast<uint32_t>(std::max(0, std::atoi(next().c_str())));
    } else if (a == "--slices") {
      cfg.slices = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--replay-mib") {
      cfg.replay_mib = std::strtoull(next().c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: wal_bench [--quick] [--dir DIR] [--trials N] [--seconds S] "
                           "[--slices K] [--threads T] [--replay-mib M] [--nap-polling]\n");
      return 2;
    }
  }
  std::string root;
  if (cfg.dir.empty()) {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string{t ? t : "/tmp"} + "/keel-wal-bench-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    root = buf.data();
  } else {
    root = cfg.dir + "/keel-wal-bench-" + std::to_string(::getpid());
    if (std::system(("mkdir -p '" + root + "'").c_str()) != 0)
      return 1;
  }
  caf::actor_system_config sys_cfg;
  add_error_category(sys_cfg);
  // As keel-node runs (a node without a gateway: one thread per core)
  sys_cfg.set("scheduler.max-threads", keel::runtime::scheduler_threads(cfg.threads, false));
  if (cfg.cv_wakeup)
    keel::runtime::tune_scheduler(sys_cfg);
  caf::actor_system sys{sys_cfg};
  std::vector<double> raw, raw_busy, raw_p99, a1, a64, p99, a8, mb;
  for (int t = 0; t < cfg.trials; ++t) {
    std::fprintf(stderr, "trial %d/%d: raw fdatasync and 1 in flight, alternated %d times\n",
                 t + 1, cfg.trials, cfg.slices);
    {
      auto r = raw_and_one(sys, root, cfg.seconds, cfg.slices);
      raw.push_back(r.raw_syncs_per_s);
      raw_p99.push_back(r.raw_p99_ms);
      a1.push_back(r.acks_per_s);
      std::printf("{\"bench\":\"wal\",\"case\":\"raw\",\"trial\":%d,\"syncs_per_s\":%.0f,"
                  "\"p99_ms\":%.3f}\n",
                  t, r.raw_syncs_per_s, r.raw_p99_ms);
      std::printf("{\"bench\":\"wal\",\"case\":\"acks_1\",\"trial\":%d,\"acks_per_s\":%.0f,"
                  "\"ratio_to_raw\":%.3f}\n",
                  t, r.acks_per_s, r.raw_syncs_per_s > 0 ? r.acks_per_s / r.raw_syncs_per_s : 0.0);
    }
    std::fprintf(stderr, "trial %d/%d: raw fdatasync, a spinning thread beside it\n", t + 1,
                 cfg.trials);
    {
      auto r = raw_syncs(root, cfg.seconds, true);
      raw_busy.push_back(r.syncs_per_s);
      std::printf("{\"bench\":\"wal\",\"case\":\"raw_busy\",\"trial\":%d,\"syncs_per_s\":%.0f,"
                  "\"p99_ms\":%.3f}\n",
                  t, r.syncs_per_s, r.p99_ms);
    }
    std::fprintf(stderr, "trial %d/%d: 64 in flight\n", t + 1, cfg.trials);
    auto r64 = run_clients(sys, root + "/sixtyfour", 1, 64, 128, cfg.seconds)[0];
    std::sort(r64.latencies_ms.begin(), r64.latencies_ms.end());
    a64.push_back(static_cast<double>(r64.acks) / r64.seconds);
    p99.push_back(percentile(r64.latencies_ms, 0.99));
    std::printf("{\"bench\":\"wal\",\"case\":\"acks_64\",\"trial\":%d,\"acks_per_s\":%.0f,"
                "\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
                t, a64.back(), percentile(r64.latencies_ms, 0.5),
                percentile(r64.latencies_ms, 0.95), p99.back(),
                r64.latencies_ms.empty() ? 0.0 : r64.latencies_ms.back());
    std::fprintf(stderr, "trial %d/%d: 8 shards\n", t + 1, cfg.trials);
    auto r8 = run_clients(sys, root + "/eight", 8, 64, 128, cfg.seconds);
    double total = 0;
    for (auto& r : r8)
      total += static_cast<double>(r.acks) / r.seconds;
    a8.push_back(total);
    std::printf("{\"bench\":\"wal\",\"case\":\"acks_8_shards\",\"trial\":%d,\"acks_per_s\":%.0f}\n",
                t, total);
    std::fprintf(stderr, "trial %d/%d: 1 MiB records\n", t + 1, cfg.trials);
    auto rm = run_clients(sys, root + "/mib", 1, 4, 1u << 20, cfg.seconds)[0];
    mb.push_back(static_cast<double>(rm.bytes) / rm.seconds / 1e6);
    std::printf("{\"bench\":\"wal\",\"case\":\"mib_1\",\"trial\":%d,\"synced_mb_per_s\":%.1f}\n",
                t, mb.back());
    std::fflush(stdout);
  }
  std::fprintf(stderr, "replay of %llu MiB\n", static_cast<unsigned long long>(cfg.replay_mib));
  double gib = 0;
  double replay_gbps = replay(root, cfg.replay_mib, gib);
  std::printf("{\"bench\":\"wal\",\"case\":\"replay\",\"log_gib\":%.3f,\"gb_per_s\":%.2f}\n", gib,
              replay_gbps);
  rm_rf(root);
  double raw_m = median(raw), a1_m = median(a1), a64_m = median(a64);
  double a8_m = median(a8);
  std::printf("{\"bench\":\"wal\",\"case\":\"summary\",\"raw_syncs_per_s\":%.0f,"
              "\"acks_per_s_1\":%.0f,\"ratio_1\":%.3f,\"acks_per_s_64\":%.0f,\"p99_ms_64\":%.3f,"
              "\"acks_per_s_8_shards\":%.0f,\"ratio_8_shards\":%.3f,"
              "\"synced_mb_per_s_1mib\":%.1f,\"replay_gb_per_s\":%.2f,\"replay_log_gib\":%.3f,"
              "\"raw_p99_ms\":%.3f,\"raw_busy_syncs_per_s\":%.0f,\"ratio_1_vs_busy_raw\":%.3f,"
              "\"trials\":%d,\"seconds_per_run\":%.1f,\"quick\":%s,\"cv_wakeup\":%s}\n",
              raw_m, a1_m, raw_m > 0 ? a1_m / raw_m : 0.0, a64_m, median(p99), a8_m,
              a64_m > 0 ? a8_m / a64_m : 0.0, median(mb), replay_gbps, gib, median(raw_p99),
              median(raw_busy), median(raw_busy) > 0 ? a1_m / median(raw_busy) : 0.0, cfg.trials,
              cfg.seconds, cfg.quick ? "true" : "false", cfg.cv_wakeup ? "true" : "false");
  return 0;
}
