#include "testkit/fixture.hpp"

#include "supervision/atoms.hpp"
#include "supervision/client.hpp"
#include "supervision/supervisor.hpp"
#include "testkit/detail/probe_state.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace keel::testkit {

namespace {

using clock_type = std::chrono::steady_clock;
using watch_atom = caf::atom_constant<caf::atom("kt_watch")>;

std::string format_ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

/// Systems that could not be stopped stay here, reachable, until the process exits: deleting
/// one would block forever, and a reachable block is not a leak to LeakSanitizer.
struct leaked_system {
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
};
std::vector<leaked_system>* graveyard = new std::vector<leaked_system>;
std::mutex graveyard_mtx;

} // namespace

std::string teardown_report::str() const {
  std::string out;
  for (auto& p : problems) {
    if (!out.empty())
      out += '\n';
    out += p;
  }
  return out;
}

// -- construction -------------------------------------------------------------

fixture::fixture(fixture_options opts) : opts_(std::move(opts)) {
  if (opts_.check_leaks)
    before_ = resource_snapshot::take();
  cfg_ = std::make_unique<caf::actor_system_config>();
  if (opts_.run_mode == mode::deterministic) {
    cfg_->set("scheduler.policy", caf::atom("testing"));
  } else if (opts_.threads > 0) {
    cfg_->set("scheduler.max-threads", opts_.threads);
  }
  cfg_->set("logger.verbosity", caf::atom("quiet"));
  if (opts_.configure)
    opts_.configure(*cfg_);
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  for (auto& entry : sys_->registry().named_actors())
    system_names_.insert(entry.first); // CAF's own services (ConfigServ, SpawnServ)
  if (opts_.event_bus || opts_.supervised) {
    bus_ = supervision::spawn_event_bus(*sys_);
    track(bus_, "event bus");
    journal_probe_ = std::make_unique<probe>(make_probe("event journal"));
    // Subscribed before the constructor returns: the journal misses nothing the test causes.
    if (opts_.run_mode == mode::deterministic) {
      caf::anon_send(bus_, supervision::subscribe_atom::value, journal_probe_->handle());
      run();
    } else {
      caf::scoped_actor self{*sys_, true};
      self->request(bus_, caf::infinite, supervision::subscribe_atom::value,
                    journal_probe_->handle())
        .receive([] {}, [](caf::error&) {});
    }
  }
  if (opts_.supervised) {
    if (opts_.run_mode == mode::deterministic)
      throw std::logic_error("testkit: supervised mode needs the threaded scheduler");
    supervision::supervisor_options root;
    root.name = "test_root";
    root.events = bus_;
    // The test root never gives up: tests of intensity start supervisors of their own.
    root.flags.intensity = 1000000;
    root.flags.period = std::chrono::milliseconds{1};
    auto hdl = supervision::start_supervisor(*sys_, std::move(root), scaled(opts_.stop_timeout));
    if (!hdl)
      throw std::runtime_error("testkit: the test root supervisor did not start: " +
                               sys_->render(hdl.error()));
    root_ = *hdl;
    track(root_, "test_root supervisor");
  }
}

fixture::~fixture() {
  if (torn_down_)
    return;
  auto report = teardown();
  for (auto& p : report.problems)
    FAIL_CHECK("testkit teardown: " << p);
}

// -- spawning and tracking ------------------------------------------------------

void fixture::track(const caf::actor& hdl, std::string label) {
  if (hdl)
    tracked_.push_back(tracked{hdl, std::move(label)});
}

probe fixture::make_probe(std::string label) {
  auto st = std::make_shared<detail::probe_state>();
  if (opts_.run_mode == mode::deterministic)
    st->drive = [this] { run(); };
  auto hdl = sys_->spawn(detail::probe_actor, st);
  track(hdl, std::move(label));
  if (st->drive)
    run();
  return probe{std::move(st), std::move(hdl)};
}

void fixture::on_exit(std::function<void()> fun) {
  on_exit_.emplace_back(std::move(fun));
}

std::string fixture::describe(const tracked& t) const {
  std::string out = "actor #" + std::to_string(t.hdl.id());
  if (!t.label.empty())
    out += " '" + t.label + "'";
  return out;
}

// -- event_bus mode -----------------------------------------------------------------

void fixture::drain_journal(std::chrono::milliseconds timeout) {
  if (!journal_probe_)
    throw std::logic_error("testkit: events need fixture_options::event_bus_mode()");
  while (auto msg = journal_probe_->try_next(timeout)) {
    if (msg->match_elements<supervision::event>())
      journal_.push_back(msg->get_as<supervision::event>(0));
    timeout = std::chrono::milliseconds{0};
  }
}

const std::vector<supervision::event>& fixture::journal() {
  drain_journal(std::chrono::milliseconds{0});
  return journal_;
}

supervision::event
fixture::await_event(const std::function<bool(const supervision::event&)>& pred,
                     std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  drain_journal(std::chrono::milliseconds{0});
  for (;;) {
    for (; cursor_ < journal_.size(); ++cursor_)
      if (pred(journal_[cursor_]))
        return journal_[cursor_++];
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      clock_type::now());
    if (left.count() <= 0 || opts_.run_mode == mode::deterministic)
      break;
    drain_journal(left);
  }
  std::string seen;
  for (auto& ev : journal_)
    seen += "\n  " + supervision::to_string(ev);
  FAIL("testkit: no matching event within " << format_ms(timeout) << "; journal:" << seen);
  throw std::logic_error("unreachable");
}

caf::actor fixture::await_restart(const std::string& supervisor, const std::string& child,
                                  std::chrono::milliseconds timeout) {
  using supervision::event_type;
  auto is = [&](event_type type) {
    return [&, type](const supervision::event& ev) {
      return ev.type == type && ev.child == child && ev.supervisor == supervisor;
    };
  };
  await_event(is(event_type::child_exited), timeout);
  auto started = await_event(is(event_type::child_started), timeout);
  return caf::actor_cast<caf::actor>(started.child_addr);
}

// -- supervised mode ------------------------------------------------------------------

caf::expected<caf::actor> fixture::start_supervised(supervision::child_spec spec) {
  if (!root_)
    throw std::logic_error("testkit: start_supervised needs fixture_options::supervised_mode()");
  supervision::supervisor_client client{*sys_, root_, scaled(opts_.stop_timeout)};
  auto started = client.start_child(std::move(spec));
  if (!started)
    return std::move(started.error());
  return started->hdl;
}

supervision::child_ref fixture::supervised_ref(const std::string& id) const {
  return supervision::child_ref{root_, id};
}

// -- deterministic mode -----------------------------------------------------------

caf::scheduler::test_coordinator& fixture::sched() {
  if (opts_.run_mode != mode::deterministic)
    throw std::logic_error("fixture::sched() needs mode::deterministic");
  return dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
}

size_t fixture::run() {
  return sched().run();
}

bool fixture::run_once() {
  return sched().try_run_once();
}

size_t fixture::advance_time(caf::timespan d) {
  sched().advance_time(d);
  return run();
}

// -- teardown ----------------------------------------------------------------------

teardown_report fixture::teardown() {
  if (torn_down_)
    return report_;
  torn_down_ = true;
  report_ = opts_.run_mode == mode::deterministic ? stop_deterministic() : stop_threaded();
  // Registered names hold their actors: report them (registry mode) and let go of them.
  for (auto& [name, hdl] : sys_->registry().named_actors()) {
    if (system_names_.count(name) != 0)
      continue;
    report_.registered.emplace_back(caf::to_string(name));
    sys_->registry().erase(name);
  }
  if (opts_.check_registry)
    for (auto& name : report_.registered)
      report_.problems.emplace_back("registry name '" + name + "' still registered at teardown; "
                                    "erase it when its actor stops");
  // Every tracked actor is confirmed down (or reported): now the callbacks may look around.
  for (auto& f : on_exit_)
    f();
  on_exit_.clear();
  tracked_.clear();
  if (report_.system_leaked) {
    // ~actor_system would wait forever for the actor that did not stop.
    std::lock_guard<std::mutex> guard{graveyard_mtx};
    graveyard->push_back(leaked_system{std::move(cfg_), std::move(sys_)});
  } else {
    sys_.reset();
    cfg_.reset();
    if (opts_.check_leaks)
      for (auto& leak : describe_leaks(before_, resource_snapshot::take(), "caf."))
        report_.problems.emplace_back(std::move(leak));
  }
  return report_;
}

teardown_report fixture::stop_threaded() {
  teardown_report rep;
  std::set<caf::actor_addr> down;
  {
    caf::scoped_actor self{*sys_, true};
    for (auto& t : tracked_)
      self->monitor(t.hdl);
    // Waits until `addr` is down or `timeout` passes; records every down on the way.
    auto wait_down = [&](const caf::actor_addr& addr, std::chrono::milliseconds timeout) {
      auto deadline = clock_type::now() + timeout;
      while (down.count(addr) == 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          clock_type::now());
        if (left.count() <= 0)
          return false;
        self->receive([&](caf::down_msg& dm) { down.insert(dm.source); },
                      caf::after(left) >> [] {});
      }
      return true;
    };
    auto stop_timeout = scaled(opts_.stop_timeout);
    auto kill_timeout = scaled(opts_.kill_timeout);
    for (auto i = tracked_.rbegin(); i != tracked_.rend(); ++i) {
      auto addr = i->hdl.address();
      if (down.count(addr) != 0)
        continue;
      if (journal_probe_ && i->hdl == journal_probe_->handle() && down.count(bus_.address()) == 0) {
        // The supervisors are down; their last events may still be on their way through the
        // bus. A round trip to the bus, then one to the journal, lets them arrive first.
        self->request(bus_, stop_timeout, supervision::unsubscribe_atom::value, caf::actor{})
          .receive([] {}, [](caf::error&) {});
        self->request(i->hdl, stop_timeout, watch_atom::value, bus_)
          .receive([] {}, [](caf::error&) {});
      }
      self->send_exit(i->hdl, caf::exit_reason::user_shutdown);
      if (wait_down(addr, stop_timeout))
        continue;
      self->send_exit(i->hdl, caf::exit_reason::kill);
      if (wait_down(addr, kill_timeout)) {
        rep.problems.emplace_back(describe(*i) + " did not stop within " +
                                  format_ms(stop_timeout) +
                                  " of its exit message and was killed; make it handle exit "
                                  "messages (or stop it in the test)");
      } else {
        rep.problems.emplace_back(describe(*i) + " did not stop, not even when killed (a blocking "
                                  "actor that never receives?); the test's actor system is "
                                  "leaked so the run can go on");
        rep.system_leaked = true;
      }
    }
  }
  if (rep.system_leaked)
    return rep;
  // Actors the test never handed to the kit (spawned by its actors and not linked to them)
  // would keep ~actor_system waiting forever: wait for them with a deadline.
  auto& reg = sys_->registry();
  if (await_running(*sys_, 0, scaled(opts_.stop_timeout)))
    return rep;
  rep.problems.emplace_back(std::to_string(reg.running()) +
                            " actor(s) still running that the test did not spawn through the "
                            "fixture; link them to a tracked actor or track() them; the test's "
                            "actor system is leaked so the run can go on");
  rep.system_leaked = true;
  return rep;
}

teardown_report fixture::stop_deterministic() {
  teardown_report rep;
  // A watcher outside the tracked set records every down message.
  auto st = std::make_shared<detail::probe_state>();
  auto watcher = sys_->spawn(detail::probe_actor, st);
  for (auto& t : tracked_)
    caf::anon_send(watcher, watch_atom::value, t.hdl);
  run();
  auto is_down = [&](const caf::actor& hdl) {
    for (auto& dm : st->downs)
      if (dm.source == hdl.address())
        return true;
    return false;
  };
  for (auto i = tracked_.rbegin(); i != tracked_.rend(); ++i) {
    if (is_down(i->hdl))
      continue;
    caf::anon_send_exit(i->hdl, caf::exit_reason::user_shutdown);
    run();
    if (is_down(i->hdl))
      continue;
    caf::anon_send_exit(i->hdl, caf::exit_reason::kill);
    run();
    if (is_down(i->hdl)) {
      rep.problems.emplace_back(describe(*i) +
                                " did not stop on its exit message and was killed; make it "
                                "handle exit messages (or stop it in the test)");
    } else {
      rep.problems.emplace_back(describe(*i) + " did not stop, not even when killed; the test's "
                                "actor system is leaked so the run can go on");
      rep.system_leaked = true;
    }
  }
  caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
  run();
  auto running = sys_->registry().running();
  if (running != 0 && !rep.system_leaked) {
    rep.problems.emplace_back(std::to_string(running) +
                              " actor(s) still running that the test did not spawn through the "
                              "fixture; link them to a tracked actor or track() them; the test's "
                              "actor system is leaked so the run can go on");
    rep.system_leaked = true;
  }
  return rep;
}

bool await_running(caf::actor_system& sys, size_t n, std::chrono::milliseconds timeout) {
  auto& reg = sys.registry();
  if (reg.running() == n)
    return true;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  std::thread waiter{[&reg, n, done] {
    reg.await_running_count_equal(n);
    done->set_value();
  }};
  if (fut.wait_for(timeout) == std::future_status::ready) {
    waiter.join();
    return true;
  }
  // The waiter blocks inside CAF until the count is reached; it may outlive this call.
  waiter.detach();
  return false;
}

} // namespace keel::testkit
