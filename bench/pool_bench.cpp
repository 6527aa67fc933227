// pool_bench: parallel start of external workers, and round trips through one.
//
// Cases (run alternately, A B A B, so that a noisy window hurts both):
//   ready_1   a pool of 1 external worker that takes --init-ms (300) to say ready: start -> ready
//   ready_8   the same with 8 workers (started in parallel; sequential start would take 8x)
//   rtt       request -> reply through a pool of 1 external worker, one request in flight
// The worker is this program itself, re-run with --worker (it speaks actors/port.hpp's frames),
// so the benchmark needs nothing but its own binary.
// stdout: one JSON object per round, then the summary line
//   {"bench":"pool","case":"summary","ready_ratio_8":..,"rtt_p50_ms":..,"rtt_p99_ms":..,...};
// stderr: progress. Options: --quick (fewer rounds and samples), --rounds N, --samples N,
// --init-ms N.
#include "actors/pool.hpp"
#include "actors/port.hpp"
#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/introspection.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace keel;
using clock_type = std::chrono::steady_clock;

namespace {

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

// -- worker mode: the frames of port.hpp on stdin/stdout --------------------------------

bool read_exact(char* p, size_t n) {
  while (n > 0) {
    auto r = ::read(0, p, n);
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

void write_frame(char type, const std::string& payload) {
  auto len = static_cast<uint32_t>(payload.size() + 1);
  std::string out{static_cast<char>(len >> 24), static_cast<char>((len >> 16) & 0xff),
                  static_cast<char>((len >> 8) & 0xff), static_cast<char>(len & 0xff), type};
  out += payload;
  size_t off = 0;
  while (off < out.size()) {
    auto w = ::write(1, out.data() + off, out.size() - off);
    if (w <= 0)
      ::_exit(1);
    off += static_cast<size_t>(w);
  }
}

int worker_main(int init_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds{init_ms}); // a slow init
  write_frame('R', {});
  for (;;) {
    unsigned char h[4];
    if (!read_exact(reinterpret_cast<char*>(h), 4))
      return 0;
    uint32_t len = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
    std::string body(len, '\0');
    if (len == 0 || !read_exact(body.data(), len))
      return 0;
    if (body[0] == 'P')
      write_frame('O', {});
    else if (body[0] == 'Q')
      write_frame('A', body.substr(1));
  }
}

// -- benchmark mode -----------------------------------------------------------------------

std::string self_exe() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
}

supervision::supervisor_options pool_tree(size_t size, int init_ms) {
  actors::pool_options po;
  po.name = "bench";
  po.size = size;
  actors::port_options wo;
  wo.argv = {self_exe(), "--worker", "--init-ms", std::to_string(init_ms)};
  wo.health_interval = std::chrono::milliseconds{0};
  supervision::supervisor_options so;
  so.name = "bench_root";
  so.children.push_back(actors::pool_child(po, actors::port_worker(wo)));
  return so;
}

void stop(caf::actor_system& sys, const caf::actor& sup) {
  caf::scoped_actor self{sys};
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  self->wait_for(sup);
}

double ready_ms(caf::actor_system& sys, size_t size, int init_ms) {
  auto t0 = clock_type::now();
  auto sup = supervision::start_supervisor(sys, pool_tree(size, init_ms));
  auto ms = ms_since(t0);
  if (!sup) {
    std::fprintf(stderr, "pool_bench: start failed: %s\n",
                 supervision::describe(sup.error()).c_str());
    std::exit(1);
  }
  stop(sys, *sup);
  return ms;
}

std::vector<double> rtts(caf::actor_system& sys, size_t samples) {
  auto sup = supervision::start_supervisor(sys, pool_tree(1, 0));
  if (!sup)
    std::exit(1);
  std::vector<double> out;
  {
    caf::scoped_actor self{sys};
    caf::actor pool;
    self->request(*sup, std::chrono::seconds{5}, supervision::which_atom::value)
      .receive([&](std::vector<supervision::child_info>& xs) { pool = xs.at(0).hdl; },
               [](caf::error&) { std::exit(1); });
    for (size_t i = 0; i < samples; ++i) {
      auto t0 = clock_type::now();
      self->request(pool, std::chrono::seconds{5}, actors::call_atom::value,
                    caf::make_message(std::string{"ping"}))
        .receive([](actors::reply_atom, caf::message&) {}, [](caf::error&) { std::exit(1); });
      out.push_back(ms_since(t0));
    }
  }
  stop(sys, *sup);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false, worker = false;
  int rounds = 5, init_ms = 300;
  size_t samples = 5000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--worker") {
      worker = true;
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = std::stoi(argv[++i]);
    } else if (a == "--samples" && i + 1 < argc) {
      samples = std::stoul(argv[++i]);
    } else if (a == "--init-ms" && i + 1 < argc) {
      init_ms = std::stoi(argv[++i]);
    }
  }
  if (worker)
    return worker_main(init_ms);
  if (quick) {
    rounds = 3;
    samples = 1000;
  }
  spdlog::set_level(spdlog::level::warn);
  caf::actor_system_config cfg;
  supervision::add_error_category(cfg);
  caf::actor_system sys{cfg};
  std::vector<double> r1, r8, lat;
  for (int r = 0; r < rounds; ++r) {
    auto a = ready_ms(sys, 1, init_ms);
    auto b = ready_ms(sys, 8, init_ms);
    r1.push_back(a);
    r8.push_back(b);
    auto l = rtts(sys, samples / static_cast<size_t>(rounds));
    lat.insert(lat.end(), l.begin(), l.end());
    std::fprintf(stderr, "round %d: ready_1 %.1f ms, ready_8 %.1f ms, rtt p50 %.3f ms\n", r, a, b,
                 percentile(l, 0.5));
    std::printf("{\"bench\":\"pool\",\"case\":\"round\",\"round\":%d,\"ready_ms_1\":%.2f,"
                "\"ready_ms_8\":%.2f,\"rtt_p50_ms\":%.4f}\n",
                r, a, b, percentile(l, 0.5));
    std::fflush(stdout);
  }
  auto m1 = percentile(r1, 0.5), m8 = percentile(r8, 0.5);
  std::printf("{\"bench\":\"pool\",\"case\":\"summary\",\"init_ms\":%d,\"ready_ms_1\":%.2f,"
              "\"ready_ms_8\":%.2f,\"ready_ratio_8\":%.3f,\"rtt_p50_ms\":%.4f,"
              "\"rtt_p95_ms\":%.4f,\"rtt_p99_ms\":%.4f,\"rtt_max_ms\":%.4f,\"rtt_samples\":%zu}\n",
              init_ms, m1, m8, m8 / m1, percentile(lat, 0.5), percentile(lat, 0.95),
              percentile(lat, 0.99), percentile(lat, 1.0), lat.size());
  return 0;
}
