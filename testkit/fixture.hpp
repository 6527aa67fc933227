// keel::testkit::fixture: a private actor system per test, with teardown that cannot hang.
//
// Every actor a test spawns through the fixture is tracked. teardown() (run by the destructor
// if the test did not call it) stops them in reverse spawn order: exit with reason
// user_shutdown, wait for the down message with a deadline, then kill. Any actor that needed
// the kill, or did not stop even then, FAILs the test by name; actors still running that the
// test never handed to the kit are reported too. When an actor cannot be stopped at all, the
// actor system is deliberately leaked instead of destroyed, because ~actor_system would wait
// for it forever: the test fails, the suite goes on.
//
// Modes (testkit.md): basic, registry, event_bus, supervised, leak_checked, deterministic and
// full, chosen with fixture_options' named constructors. Threaded fixtures use CAF's
// work-stealing scheduler; deterministic ones CAF's test_coordinator: nothing runs until the
// test calls run()/run_once(), and timers fire only when the test advances the virtual clock.
//
// Thread-safety: a fixture belongs to one test thread. Lifetime: probes and handles from a
// fixture must not outlive it.
#pragma once

#include "supervision/child_ref.hpp"
#include "supervision/events.hpp"
#include "supervision/spec.hpp"
#include "testkit/leak_check.hpp"
#include "testkit/probe.hpp"
#include "testkit/time.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace keel::testkit {

/// How a fixture's actor system runs.
enum class mode : uint8_t {
  threaded,      ///< CAF's default scheduler (real threads, real time)
  deterministic, ///< CAF's test_coordinator and a virtual clock
};

/// Options of a fixture; the defaults suit most tests. The named constructors give the
/// isolation modes of testkit.md.
struct fixture_options {
  mode run_mode = mode::threaded;
  /// Fail the test when a name is still registered at teardown (registry mode).
  bool check_registry = false;
  /// Compare threads, fds and child processes before and after the test (leak_checked mode).
  bool check_leaks = false;
  /// A private event bus with a journal the test waits on (event_bus mode).
  bool event_bus = false;
  /// A private root supervisor for start_supervised (supervised mode; threaded only).
  bool supervised = false;
  /// Scheduler threads in threaded mode (0 = CAF's default).
  size_t threads = 2;
  /// How long each actor gets to stop after its exit message (scaled).
  std::chrono::milliseconds stop_timeout{2000};
  /// How long an actor gets to go down after the kill (scaled).
  std::chrono::milliseconds kill_timeout{1000};
  /// Extra settings applied to the actor_system_config before the system starts.
  std::function<void(caf::actor_system_config&)> configure;

  // -- isolation modes ------------------------------------------------------

  /// A private actor system; teardown stops what the test started.
  static fixture_options basic() { return {}; }

  /// basic + the private registry must be empty at teardown.
  static fixture_options registry() {
    fixture_options opts;
    opts.check_registry = true;
    return opts;
  }

  /// basic + threads, fds and child processes counted before and after.
  static fixture_options leak_checked() {
    fixture_options opts;
    opts.check_leaks = true;
    return opts;
  }

  /// basic + a private event bus: events(), await_event(), await_restart().
  static fixture_options event_bus_mode() {
    fixture_options opts;
    opts.event_bus = true;
    return opts;
  }

  /// basic + event bus + a private root supervisor: start_supervised(spec).
  static fixture_options supervised_mode() {
    fixture_options opts;
    opts.event_bus = true;
    opts.supervised = true;
    return opts;
  }

  /// registry + event_bus + supervised + leak_checked.
  static fixture_options full() {
    fixture_options opts;
    opts.check_registry = true;
    opts.check_leaks = true;
    opts.event_bus = true;
    opts.supervised = true;
    return opts;
  }

  /// CAF's test_coordinator and a virtual clock.
  static fixture_options deterministic() {
    fixture_options opts;
    opts.run_mode = mode::deterministic;
    return opts;
  }
};

/// What teardown found. Empty `problems` means every actor stopped when asked.
struct teardown_report {
  std::vector<std::string> problems;
  /// Names still registered at teardown (registry mode reports them as problems).
  std::vector<std::string> registered;
  /// True when an actor could not be stopped and the system was leaked to avoid a hang.
  bool system_leaked = false;

  [[nodiscard]] bool clean() const { return problems.empty(); }
  /// All problems, one per line.
  [[nodiscard]] std::string str() const;
};

class fixture {
public:
  // -- construction ---------------------------------------------------------

  explicit fixture(fixture_options opts = {});

  /// Runs teardown() unless the test did; records a test failure for every problem found.
  ~fixture();

  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  // -- properties -----------------------------------------------------------

  /// The private actor system.
  [[nodiscard]] caf::actor_system& sys() { return *sys_; }

  [[nodiscard]] mode run_mode() const { return opts_.run_mode; }

  // -- spawning and tracking ------------------------------------------------

  /// Spawns a function-based actor and tracks it under `label`.
  template <class F, class... Ts>
  caf::actor spawn_named(std::string label, F fun, Ts&&... xs) {
    auto hdl = caf::actor_cast<caf::actor>(sys_->spawn(std::move(fun), std::forward<Ts>(xs)...));
    track(hdl, std::move(label));
    return hdl;
  }

  /// Spawns a function-based actor and tracks it (labelled by its id).
  template <class F, class... Ts>
  caf::actor spawn(F fun, Ts&&... xs) {
    return spawn_named(std::string{}, std::move(fun), std::forward<Ts>(xs)...);
  }

  /// Spawns a class-based actor `T` and tracks it.
  template <class T, class... Ts>
  caf::actor spawn_class(std::string label, Ts&&... xs) {
    auto hdl = caf::actor_cast<caf::actor>(sys_->spawn<T>(std::forward<Ts>(xs)...));
    track(hdl, std::move(label));
    return hdl;
  }

  /// Tracks an actor the test started some other way (a factory, a supervisor).
  void track(const caf::actor& hdl, std::string label = {});

  /// A new probe, tracked and stopped by teardown.
  probe make_probe(std::string label = "probe");

  /// Registers a callback that teardown runs after every tracked actor is confirmed down.
  void on_exit(std::function<void()> fun);

  // -- event_bus mode ---------------------------------------------------------

  /// The private event bus (event_bus mode): give it to supervisors as
  /// supervisor_options::events. Invalid in other modes.
  [[nodiscard]] const caf::actor& events() const { return bus_; }

  /// The first event, since the fixture started and after the last one an await returned, for
  /// which `pred` holds. The journal records from the fixture's start, so an event caused by
  /// the test cannot be missed however fast it comes. FAILs at the deadline, listing what came.
  supervision::event await_event(const std::function<bool(const supervision::event&)>& pred,
                                 std::chrono::milliseconds timeout = default_timeout());

  /// Waits until child `child` of supervisor `supervisor` exited and was started again;
  /// returns the new incarnation.
  caf::actor await_restart(const std::string& supervisor, const std::string& child,
                           std::chrono::milliseconds timeout = default_timeout());

  /// Every event recorded so far, in arrival order.
  [[nodiscard]] const std::vector<supervision::event>& journal();

  // -- supervised mode --------------------------------------------------------

  /// The private root supervisor (supervised mode), named "test_root".
  [[nodiscard]] const caf::actor& root_supervisor() const { return root_; }

  /// Starts `spec` under the private root supervisor and returns the child once it is ready.
  caf::expected<caf::actor> start_supervised(supervision::child_spec spec);

  /// A stable handle to a child started by start_supervised.
  [[nodiscard]] supervision::child_ref supervised_ref(const std::string& id) const;

  // -- deterministic mode ---------------------------------------------------

  /// deterministic mode: the scheduler (precondition: run_mode() == mode::deterministic).
  [[nodiscard]] caf::scheduler::test_coordinator& sched();

  /// deterministic mode: runs messages until nothing is left; returns how many ran.
  size_t run();

  /// deterministic mode: runs one message; false when nothing was ready.
  bool run_once();

  /// deterministic mode: advances the virtual clock, fires due timers, runs until idle.
  size_t advance_time(caf::timespan d);

  // -- teardown -------------------------------------------------------------

  /// Stops everything (see the file comment). Idempotent: later calls return the first report.
  teardown_report teardown();

private:
  struct tracked {
    caf::actor hdl;
    std::string label;
  };

  std::string describe(const tracked& t) const;
  void drain_journal(std::chrono::milliseconds timeout);
  teardown_report stop_threaded();
  teardown_report stop_deterministic();

  fixture_options opts_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::vector<tracked> tracked_;
  std::vector<std::function<void()>> on_exit_;
  resource_snapshot before_;
  caf::actor bus_;
  caf::actor root_;
  std::unique_ptr<probe> journal_probe_;
  std::vector<supervision::event> journal_;
  size_t cursor_ = 0;
  std::set<caf::atom_value> system_names_;
  bool torn_down_ = false;
  teardown_report report_;
};

/// Waits until `sys` runs exactly `n` actors (e.g. the count before a test's tree started, once
/// it is gone); false at the deadline.
bool await_running(caf::actor_system& sys, size_t n,
                   std::chrono::milliseconds timeout = default_timeout());

} // namespace keel::testkit
