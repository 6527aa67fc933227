// supervision_bench: restart-to-ready latency and 24-child start time, against raw CAF.
//
// Cases (run alternately, A B A B, so that a noisy window hurts both):
//   raw_restart   a minimal CAF "restarter" (monitor + respawn + ready message): crash -> ready
//   restart       a keel supervisor (one_for_one, one worker): crash -> child_started event
//   raw_start_24  spawn 24 actors one after the other, each waiting for its ready message
//   start_24      start_supervisor with 24 workers (ordered start, ready handshake each)
// stdout: one JSON object per round, then the summary line; stderr: progress.
// Options: --quick (fewer samples), --rounds N, --samples N.
#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace keel::supervision;
using clock_type = std::chrono::steady_clock;

namespace {

using ready_msg = caf::atom_constant<caf::atom("benchready")>;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto idx = static_cast<size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
  return xs[std::min(idx, xs.size() - 1)];
}

double median(std::vector<double> xs) {
  return percentile(std::move(xs), 0.5);
}

caf::behavior bench_worker(caf::event_based_actor* self, caf::actor observer) {
  self->send(observer, ready_msg::value);
  return {[](caf::get_atom) { return 0; }};
}

// Raw CAF baseline: respawns its child on every down and lets it report ready to `observer`.
caf::behavior raw_restarter(caf::event_based_actor* self, caf::actor observer) {
  auto spawn_one = [self, observer] {
    auto child = self->spawn(bench_worker, observer);
    self->monitor(child);
  };
  spawn_one();
  self->set_down_handler([spawn_one](caf::down_msg&) { spawn_one(); });
  return {[](caf::get_atom) { return 0; }};
}

std::vector<double> run_raw_restart(caf::actor_system& sys, int samples) {
  std::vector<double> out;
  caf::scoped_actor self{sys};
  // Every ready message comes from the new child: fetch its handle from the sender.
  auto restarter = sys.spawn(raw_restarter, caf::actor{self});
  caf::actor current;
  self->receive([&](ready_msg) { current = caf::actor_cast<caf::actor>(self->current_sender()); });
  for (int i = 0; i < samples; ++i) {
    auto t0 = clock_type::now();
    caf::anon_send(current, caf::exit_msg{caf::actor_addr{}, caf::make_error(caf::sec::runtime_error)});
    self->receive(
      [&](ready_msg) { current = caf::actor_cast<caf::actor>(self->current_sender()); });
    out.push_back(ms_since(t0));
  }
  self->send_exit(restarter, caf::exit_reason::kill);
  caf::anon_send_exit(current, caf::exit_reason::kill);
  self->wait_for(restarter, current);
  return out;
}

child_spec keel_worker(std::string id) {
  child_spec spec;
  spec.id = std::move(id);
  spec.shutdown = shutdown_policy::brutal_kill();
  spec.start = [](const start_context& ctx) -> caf::expected<caf::actor> {
    auto init = [](caf::event_based_actor*, start_context ready) -> caf::behavior {
      ready.ready();
      return {[](caf::get_atom) { return 0; }};
    };
    return ctx.system().spawn(init, ctx);
  };
  return spec;
}

std::vector<double> run_restart(caf::actor_system& sys, int samples) {
  std::vector<double> out;
  caf::scoped_actor self{sys};
  supervisor_options opts;
  opts.name = "bench";
  opts.events = caf::actor{self};
  opts.flags.intensity = 1000000000;
  opts.flags.period = std::chrono::milliseconds{1};
  opts.children.push_back(keel_worker("w"));
  auto sup = spawn_supervisor(sys, opts, start_context{sys, caf::actor{self}, "bench", 1});
  caf::actor current;
  auto await_started = [&] {
    bool started = false;
    while (!started)
      self->receive(
        [&](const event& ev) {
          if (ev.type == event_type::child_started) {
            current = caf::actor_cast<caf::actor>(ev.child_addr);
            started = true;
          }
        },
        [](ready_atom, uint64_t) {});
  };
  await_started();
  for (int i = 0; i < samples; ++i) {
    auto t0 = clock_type::now();
    caf::anon_send(current, caf::exit_msg{caf::actor_addr{}, caf::make_error(caf::sec::runtime_error)});
    await_started();
    out.push_back(ms_since(t0));
  }
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  self->wait_for(sup);
  return out;
}

// Raw CAF baseline: an event-based actor spawns 24 actors one after the other, each after
// the previous one's ready message, then tells `done` (as start_supervisor's caller is told).
caf::behavior raw_starter(caf::event_based_actor* self, caf::actor done,
                          std::shared_ptr<std::vector<caf::actor>> xs) {
  xs->push_back(self->spawn(bench_worker, caf::actor_cast<caf::actor>(self)));
  return {[=](ready_msg) {
    if (xs->size() == 24) {
      self->send(done, ready_msg::value);
      self->quit();
      return;
    }
    xs->push_back(self->spawn(bench_worker, caf::actor_cast<caf::actor>(self)));
  }};
}

double run_raw_start_24(caf::actor_system& sys) {
  caf::scoped_actor self{sys};
  auto xs = std::make_shared<std::vector<caf::actor>>();
  auto t0 = clock_type::now();
  sys.spawn(raw_starter, caf::actor{self}, xs);
  self->receive([](ready_msg) {});
  auto ms = ms_since(t0);
  for (auto& x : *xs)
    self->send_exit(x, caf::exit_reason::kill);
  for (auto& x : *xs)
    self->wait_for(x);
  return ms;
}

double run_start_24(caf::actor_system& sys) {
  supervisor_options opts;
  opts.name = "bench24";
  for (int i = 0; i < 24; ++i)
    opts.children.push_back(keel_worker("shard-" + std::to_string(i)));
  auto t0 = clock_type::now();
  auto sup = start_supervisor(sys, std::move(opts));
  auto ms = ms_since(t0);
  if (!sup) {
    std::fprintf(stderr, "start_24 failed: %s\n", describe(sup.error()).c_str());
    return -1;
  }
  caf::scoped_actor self{sys};
  self->send_exit(*sup, caf::exit_reason::user_shutdown);
  self->wait_for(*sup);
  return ms;
}

} // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  int samples = 1000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      rounds = 3;
      samples = 200;
    } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      samples = std::atoi(argv[++i]);
    }
  }
  // Crashes are the point here: keep the warnings off the measurement.
  spdlog::stderr_color_mt("keel.supervision")->set_level(spdlog::level::err);
  caf::actor_system_config cfg;
  add_error_category(cfg);
  caf::actor_system sys{cfg};
  std::vector<double> raw_restart;
  std::vector<double> restart;
  std::vector<double> raw_start;
  std::vector<double> start;
  for (int r = 0; r < rounds; ++r) {
    std::fprintf(stderr, "round %d/%d\n", r + 1, rounds);
    auto a = run_raw_restart(sys, samples);
    auto b = run_restart(sys, samples);
    std::vector<double> c;
    std::vector<double> d;
    for (int i = 0; i < 10; ++i) {
      c.push_back(run_raw_start_24(sys));
      d.push_back(run_start_24(sys));
    }
    std::printf("{\"bench\":\"supervision\",\"case\":\"round\",\"round\":%d,"
                "\"raw_restart_p50_ms\":%.4f,\"restart_p50_ms\":%.4f,"
                "\"raw_restart_p99_ms\":%.4f,\"restart_p99_ms\":%.4f,"
                "\"raw_start_24_ms\":%.4f,\"start_24_ms\":%.4f}\n",
                r, percentile(a, 0.5), percentile(b, 0.5), percentile(a, 0.99),
                percentile(b, 0.99), median(c), median(d));
    std::fflush(stdout);
    raw_restart.insert(raw_restart.end(), a.begin(), a.end());
    restart.insert(restart.end(), b.begin(), b.end());
    raw_start.insert(raw_start.end(), c.begin(), c.end());
    start.insert(start.end(), d.begin(), d.end());
  }
  auto rp50 = percentile(restart, 0.5);
  auto rp99 = percentile(restart, 0.99);
  auto raw50 = percentile(raw_restart, 0.5);
  auto raw99 = percentile(raw_restart, 0.99);
  auto s24 = median(start);
  auto raw24 = median(raw_start);
  std::printf("{\"bench\":\"supervision\",\"case\":\"summary\",\"samples\":%zu,"
              "\"restart_p50_ms\":%.4f,\"restart_p95_ms\":%.4f,\"restart_p99_ms\":%.4f,"
              "\"restart_max_ms\":%.4f,\"raw_restart_p50_ms\":%.4f,"
              "\"raw_restart_p99_ms\":%.4f,\"restart_p99_ratio\":%.3f,"
              "\"start_24_ms\":%.4f,\"raw_start_24_ms\":%.4f,\"start_24_ratio\":%.3f,"
              "\"goal_restart_p99_ms\":1,\"goal_start_24_ms\":20}\n",
              restart.size(), rp50, percentile(restart, 0.95), rp99,
              percentile(restart, 1.0), raw50, raw99, raw99 > 0 ? rp99 / raw99 : 0.0, s24,
              raw24, raw24 > 0 ? s24 / raw24 : 0.0);
  return 0;
}
