// Test helper (not installed, not for users): a pool of external echo workers that the tests
// of the actors binary share (testkit/shared.hpp), instead of each starting its own processes.
//
// The pool runs in an actor system of its own, so tests talk to it from their fixtures'
// systems and their leak checks see its threads and processes as the baseline. The three
// functions a testkit::shared_resource needs:
//
//   constructor  starts the pool (`size` ports running examples/workers/echo_worker, all in
//                parallel) and waits for its ready, or throws saying why;
//   reset()      makes the pool what the constructor left: no worker busy or checked out,
//                `size` workers that each answer a call, counters read from zero. When a test
//                left it otherwise (a crashed worker not back yet, a lease never checked in, a
//                request still running), the pool is stopped and a fresh one started;
//   stop()       stops the pool (exit, then kill, each with a deadline) and destroys the
//                system; when the pool will not go down the system is left running rather
//                than waited for forever, and stop() throws.
//
// Thread-safety: the kit calls these one at a time; pool() is a handle tests message.
#pragma once

#include "actors/pool.hpp"
#include "actors/port.hpp"
#include "actors/pool_test_worker.hpp"
#include "supervision/atoms.hpp"
#include "testkit/time.hpp"

#include <caf/all.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace keel::actors::test {

class shared_echo_pool {
public:
  /// Workers in the pool.
  static constexpr size_t size = 3;

  /// Starts the system and the pool; throws std::runtime_error naming what failed.
  shared_echo_pool() {
    auto path = echo_worker_path();
    if (path.empty() || ::access(path.c_str(), X_OK) != 0)
      throw std::runtime_error("no echo worker at '" + path
                               + "': build it first (ninja -C <build dir> "
                                 "examples/workers/echo_worker)");
    port_.argv = {path};
    port_.request_timeout = std::chrono::seconds{5};
    port_.health_interval = std::chrono::milliseconds{50};
    cfg_.set("scheduler.max-threads", 2);
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    start_pool();
    if (!healthy()) {
      if (!stop_pool())
        (void) sys_.release(); // ~actor_system would wait for the pool forever
      throw std::runtime_error("the shared pool of echo workers started, but its workers do "
                               "not all answer");
    }
  }

  ~shared_echo_pool() {
    if (pool_ && !stop_pool())
      (void) sys_.release();
  }

  shared_echo_pool(const shared_echo_pool&) = delete;
  shared_echo_pool& operator=(const shared_echo_pool&) = delete;

  /// The pool actor (call, checkout, checkin, stats: pool.hpp).
  [[nodiscard]] const caf::actor& pool() const { return pool_; }

  /// `now` (the pool's stats) with the counters counted from the last reset.
  [[nodiscard]] pool_stats since_reset(pool_stats now) const {
    now.calls -= baseline_.calls;
    now.failed -= baseline_.failed;
    now.retried -= baseline_.retried;
    now.timeouts -= baseline_.timeouts;
    now.grown -= baseline_.grown;
    now.shrunk -= baseline_.shrunk;
    return now;
  }

  /// See the file comment; throws when even a fresh pool is not healthy.
  void reset() {
    if (healthy())
      return;
    if (!stop_pool())
      throw std::runtime_error("the shared pool of echo workers was left unusable and did not "
                               "stop for a fresh start");
    start_pool();
    if (!healthy())
      throw std::runtime_error("a fresh shared pool of echo workers does not answer");
  }

  /// See the file comment.
  void stop() {
    auto stopped = stop_pool();
    if (!stopped) {
      (void) sys_.release(); // ~actor_system would wait for the pool forever
      throw std::runtime_error("the shared pool of echo workers did not stop; its actor system "
                               "is left running");
    }
    sys_.reset();
  }

private:
  void start_pool() {
    caf::scoped_actor self{*sys_};
    pool_options opts;
    opts.name = "shared-echo";
    opts.size = size;
    opts.on_death = config::on_worker_death::retry;
    pool_ = spawn_pool(*sys_, opts, port_worker(port_),
                       supervision::start_context{*sys_, caf::actor_cast<caf::actor>(self),
                                                  "shared-echo", 1});
    std::string failure;
    self->receive([](supervision::ready_atom, uint64_t) {},
                  [&](supervision::init_fail_atom, uint64_t, caf::error& err) {
                    failure = describe_pool_error(err);
                  },
                  caf::after(testkit::scaled(std::chrono::seconds{30})) >>
                    [&] { failure = "no ready within 30 s (scaled)"; });
    if (!failure.empty()) {
      if (!stop_pool())
        (void) sys_.release();
      throw std::runtime_error("the shared pool of echo workers did not start: " + failure);
    }
  }

  // True when no worker is busy or checked out, `size` are ready, and each answers a call;
  // then the counters are read as the new baseline.
  bool healthy() {
    caf::scoped_actor self{*sys_};
    auto timeout = testkit::scaled(std::chrono::seconds{10});
    auto idle = [&] {
      bool ok = false;
      self->request(pool_, timeout, stats_atom::value)
        .receive(
          [&](pool_stats& st) {
            ok = st.workers == size && st.busy == 0 && st.waiting == 0 && st.in_flight == 0;
            baseline_ = st;
          },
          [](caf::error&) {});
      return ok;
    };
    if (!idle())
      return false;
    bool ok = true;
    std::vector<std::pair<caf::actor, uint64_t>> leases;
    for (size_t i = 0; i < size && ok; ++i)
      self->request(pool_, timeout, checkout_atom::value)
        .receive([&](caf::actor& w, uint64_t lease) { leases.emplace_back(w, lease); },
                 [&](caf::error&) { ok = false; });
    for (auto& lease : leases) {
      if (!ok)
        break;
      self->request(lease.first, timeout, call_atom::value, caf::make_message(std::string{"ok?"}))
        .receive(
          [&](reply_atom, caf::message& m) {
            ok = m.match_elements<std::string>() && m.get_as<std::string>(0) == "ok?";
          },
          [&](caf::error&) { ok = false; });
    }
    for (auto& lease : leases)
      self->send(pool_, checkin_atom::value, lease.second);
    // The stats request comes after the checkins from the same sender: they are in.
    return idle() && ok;
  }

  // Stops the pool: exit, then kill, each awaited with a deadline. False if it did not go.
  bool stop_pool() {
    if (!pool_)
      return true;
    caf::scoped_actor self{*sys_};
    self->monitor(pool_);
    bool down = false;
    auto await_down = [&](std::chrono::milliseconds timeout) {
      self->receive([&](caf::down_msg&) { down = true; }, caf::after(timeout) >> [] {});
    };
    self->send_exit(pool_, caf::exit_reason::user_shutdown);
    await_down(testkit::scaled(std::chrono::seconds{10}));
    if (!down) {
      self->send_exit(pool_, caf::exit_reason::kill);
      await_down(testkit::scaled(std::chrono::seconds{5}));
    }
    pool_ = nullptr;
    return down;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  port_options port_;
  caf::actor pool_;
  pool_stats baseline_;
};

} // namespace keel::actors::test
