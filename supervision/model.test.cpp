// Random sequences of child exits and API calls, checked step by step against a model of OTP's
// supervisor (supervisor.erl's do_restart, restart/2 per strategy, terminate_children,
// start_children and the intensity rule): the events in order, which_children after each step,
// the calls' results, and the order of the final stop. A failure prints the seed and the steps
// so far; `SEED=n` runs that sequence alone.
#include "supervision/client.hpp"
#include "supervision/errc.hpp"
#include "supervision/introspection.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <sstream>

using namespace keel::supervision;
using namespace keel::supervision::test;
using keel::testkit::fixture;
using keel::testkit::probe;

namespace {

enum class exit_kind { normal, shutdown, abnormal };

caf::error reason_of(exit_kind k) {
  switch (k) {
    case exit_kind::normal: return caf::exit_reason::normal;
    case exit_kind::shutdown: return caf::exit_reason::user_shutdown;
    case exit_kind::abnormal: break;
  }
  return caf::sec::runtime_error;
}

const char* name_of(restart_type t) {
  switch (t) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: break;
  }
  return "temporary";
}

using expected_events = std::vector<std::pair<event_type, std::string>>;

/// OTP's supervisor as plain data: children in start order, each running or not (`undefined`).
struct model {
  struct child {
    std::string id;
    restart_type restart;
    bool running = true;
  };

  restart_strategy strategy;
  size_t intensity; // the period is long enough for every restart to count
  size_t restarts = 0;
  std::vector<child> children;
  bool gave_up = false;

  size_t index_of(const std::string& id) const {
    for (size_t i = 0; i < children.size(); ++i)
      if (children[i].id == id)
        return i;
    return children.size();
  }

  /// Stops every running child in reverse order (terminate_children at shutdown).
  void stop_all(expected_events& out) {
    for (auto i = children.size(); i-- > 0;)
      if (children[i].running) {
        out.emplace_back(event_type::child_exited, children[i].id);
        children[i].running = false;
      }
  }

  /// Child `i` exited by itself with `kind`.
  expected_events exited(size_t i, exit_kind kind) {
    expected_events out{{event_type::child_exited, children[i].id}};
    children[i].running = false;
    auto id = children[i].id;
    // do_restart: temporary children are forgotten, transient ones stay down after a normal
    // or shutdown exit, everything else is restarted.
    if (children[i].restart == restart_type::temporary) {
      children.erase(children.begin() + static_cast<ptrdiff_t>(i));
      return out;
    }
    if (children[i].restart == restart_type::transient && kind != exit_kind::abnormal)
      return out;
    if (++restarts > intensity) {
      out.emplace_back(event_type::gave_up, id);
      out.emplace_back(event_type::shutting_down, "");
      stop_all(out);
      gave_up = true;
      return out;
    }
    size_t first = i;
    size_t last = i + 1;
    if (strategy == restart_strategy::one_for_all)
      first = 0;
    if (strategy != restart_strategy::one_for_one)
      last = children.size();
    // terminate_children: the others of the group, in reverse order; temporary ones are
    // forgotten. start_children: the whole group in order, stopped members included.
    for (auto j = last; j-- > first;)
      if (j != i && children[j].running) {
        out.emplace_back(event_type::child_exited, children[j].id);
        children[j].running = false;
      }
    std::vector<child> kept(children.begin(), children.begin() + static_cast<ptrdiff_t>(first));
    std::vector<std::string> group;
    for (auto j = first; j < last; ++j) {
      if (j != i && children[j].restart == restart_type::temporary)
        continue;
      out.emplace_back(event_type::child_restarting, children[j].id);
      group.push_back(children[j].id);
      kept.push_back(children[j]);
      kept.back().running = true;
    }
    kept.insert(kept.end(), children.begin() + static_cast<ptrdiff_t>(last), children.end());
    children = std::move(kept);
    for (auto& g : group)
      out.emplace_back(event_type::child_started, g);
    return out;
  }
};

class runner {
public:
  runner(uint32_t seed, restart_strategy strategy) : rng_(seed) {
    m_.strategy = strategy;
    m_.intensity = pick(0, 6);
    log_ << "intensity " << m_.intensity << "\n";
    auto n = pick(2, 5);
    supervisor_options opts;
    opts.name = "s";
    opts.events = events_.handle();
    opts.flags.strategy = strategy;
    opts.flags.intensity = m_.intensity;
    opts.flags.period = std::chrono::hours{1};
    for (size_t i = 0; i < n; ++i) {
      auto spec = new_spec();
      log_ << "child " << spec.id << " (" << name_of(spec.restart) << ")\n";
      opts.children.push_back(spec);
      m_.children.push_back({spec.id, spec.restart});
    }
    auto res = start_supervisor(fx_.sys(), std::move(opts));
    REQUIRE(res);
    sup_ = *res;
    fx_.track(sup_, "s");
    watcher_.watch(sup_);
    for (auto& c : m_.children) {
      auto ev = next_event(events_);
      REQUIRE(ev.type == event_type::child_started);
      REQUIRE(ev.child == c.id);
    }
    REQUIRE(next_event(events_).type == event_type::supervisor_ready);
    check_children();
  }

  /// Runs `steps` random steps; stops early when the supervisor gives up.
  void run(int steps) {
    for (int s = 0; s < steps && !m_.gave_up; ++s)
      step();
    if (m_.gave_up) {
      CHECK(is(watcher_.expect_terminated(sup_), errc::intensity_exceeded));
      return;
    }
    log_ << "stop\n";
    expected_events want{{event_type::shutting_down, ""}};
    m_.stop_all(want);
    caf::anon_send_exit(sup_, caf::exit_reason::user_shutdown);
    expect(want);
    CHECK(watcher_.expect_terminated(sup_) == caf::exit_reason::user_shutdown);
  }

  std::string log() const { return log_.str(); }

private:
  size_t pick(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>{lo, hi}(rng_); }

  child_spec new_spec() {
    auto spec = worker_spec("c" + std::to_string(next_id_++));
    spec.restart = static_cast<restart_type>(pick(0, 2));
    spec.shutdown = shutdown_policy::brutal_kill();
    return spec;
  }

  void step() {
    std::vector<size_t> running;
    for (size_t i = 0; i < m_.children.size(); ++i)
      if (m_.children[i].running)
        running.push_back(i);
    auto roll = pick(0, 99);
    if (running.empty() || (roll >= 50 && roll < 65)) {
      start_new();
    } else if (roll < 50) {
      auto i = running[pick(0, running.size() - 1)];
      exit_child(i, static_cast<exit_kind>(pick(0, 2)));
    } else if (roll < 77) {
      terminate(m_.children[pick(0, m_.children.size() - 1)].id);
    } else if (roll < 92) {
      restart(m_.children[pick(0, m_.children.size() - 1)].id);
    } else {
      remove(m_.children[pick(0, m_.children.size() - 1)].id);
    }
    if (!m_.gave_up)
      check_children();
  }

  void exit_child(size_t i, exit_kind kind) {
    auto& c = m_.children[i];
    log_ << "exit " << c.id << " (" << name_of(c.restart) << ") "
         << (kind == exit_kind::normal ? "normal" : kind == exit_kind::shutdown ? "shutdown"
                                                                                  : "abnormal")
         << "\n";
    crash(handle_of(c.id), reason_of(kind));
    expect(m_.exited(i, kind));
  }

  void start_new() {
    auto spec = new_spec();
    log_ << "start_child " << spec.id << " (" << name_of(spec.restart) << ")\n";
    m_.children.push_back({spec.id, spec.restart});
    auto id = spec.id;
    auto res = client().start_child(std::move(spec));
    REQUIRE(res);
    expect({{event_type::child_started, id}});
  }

  void terminate(std::string id) { // a copy: the model may erase the child
    log_ << "terminate_child " << id << "\n";
    auto i = m_.index_of(id);
    expected_events want;
    if (m_.children[i].running)
      want.emplace_back(event_type::child_exited, id);
    m_.children[i].running = false;
    if (m_.children[i].restart == restart_type::temporary)
      m_.children.erase(m_.children.begin() + static_cast<ptrdiff_t>(i));
    CHECK_FALSE(client().terminate_child(id));
    expect(want);
  }

  void restart(std::string id) {
    log_ << "restart_child " << id << "\n";
    auto& c = m_.children[m_.index_of(id)];
    auto res = client().restart_child(id);
    if (c.running) {
      REQUIRE_FALSE(res);
      CHECK(is(res.error(), errc::child_running));
      return;
    }
    REQUIRE(res);
    c.running = true;
    expect({{event_type::child_started, id}});
  }

  void remove(std::string id) {
    log_ << "delete_child " << id << "\n";
    auto i = m_.index_of(id);
    auto err = client().delete_child(id);
    if (m_.children[i].running) {
      CHECK(is(err, errc::child_running));
      return;
    }
    CHECK_FALSE(err);
    m_.children.erase(m_.children.begin() + static_cast<ptrdiff_t>(i));
  }

  void expect(const expected_events& want) {
    for (auto& [type, child] : want) {
      auto ev = next_event(events_);
      std::string rest;
      if (ev.type != type || ev.child != child)
        while (events_.pending() > 0)
          rest += " / " + to_string(next_event(events_));
      INFO(log_.str() << "expected " << to_string(type) << " " << child << ", got "
                      << to_string(ev) << rest);
      REQUIRE(ev.type == type);
      REQUIRE(ev.child == child);
    }
  }

  /// which_children agrees with the model, and no event is left over: the supervisor answers
  /// after it has sent every event of the steps before.
  void check_children() {
    auto xs = client().which_children();
    REQUIRE(xs);
    std::ostringstream got, want;
    for (auto& x : *xs)
      got << x.id << (x.status == child_status::running ? "+" : "-") << " ";
    for (auto& c : m_.children)
      want << c.id << (c.running ? "+" : "-") << " ";
    INFO(log_.str());
    REQUIRE(got.str() == want.str());
    REQUIRE(events_.pending() == 0);
  }

  caf::actor handle_of(const std::string& id) { return child_handle(fx_.sys(), sup_, id); }

  supervisor_client client() { return supervisor_client{fx_.sys(), sup_}; }

  std::mt19937 rng_;
  fixture fx_;
  probe events_ = fx_.make_probe("events");
  probe watcher_ = fx_.make_probe("watcher");
  caf::actor sup_;
  model m_;
  int next_id_ = 0;
  std::ostringstream log_;
};

void run_sequences(restart_strategy strategy) {
  uint32_t lo = 1;
  uint32_t hi = 40;
  if (const char* one = std::getenv("SEED"))
    lo = hi = static_cast<uint32_t>(std::strtoul(one, nullptr, 10));
  for (uint32_t seed = lo; seed <= hi; ++seed) {
    INFO("seed " << seed);
    runner r{seed, strategy};
    r.run(25);
  }
}

} // namespace

TEST_CASE("one_for_one follows OTP's model over random exits and calls",
          "[supervision][model]") {
  run_sequences(restart_strategy::one_for_one);
}

TEST_CASE("one_for_all follows OTP's model over random exits and calls",
          "[supervision][model]") {
  run_sequences(restart_strategy::one_for_all);
}

TEST_CASE("rest_for_one follows OTP's model over random exits and calls",
          "[supervision][model]") {
  run_sequences(restart_strategy::rest_for_one);
}
