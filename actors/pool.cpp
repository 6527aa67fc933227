#include "actors/pool.hpp"

#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace keel::actors {

namespace {

using caf::actor_clock;
using supervision::event;
using supervision::event_type;

using call_promise = caf::typed_response_promise<reply_atom, caf::message>;
using lease_promise = caf::typed_response_promise<caf::actor, uint64_t>;

// One worker incarnation slot, keyed by the supervisor's child id.
struct slot {
  std::string id;
  caf::actor hdl;
  bool ready = false;
  bool retiring = false;
  bool leased = false;
  size_t load = 0;
  actor_clock::time_point idle_since;
};

// One request (a call or a checkout) on its way through the pool.
struct job {
  uint64_t id = 0;
  bool checkout = false;
  caf::message payload;
  call_promise call_rp;
  lease_promise lease_rp;
  uint32_t attempts = 0;
};

struct waiter {
  uint64_t wait_id = 0;
  job j;
};

struct flight {
  job j;
  std::string worker;
  caf::actor_addr addr;
};

class pool_actor : public caf::event_based_actor {
public:
  pool_actor(caf::actor_config& cfg, pool_options opts, supervision::start_fn worker,
             supervision::start_context ctx)
    : caf::event_based_actor(cfg),
      opts_(std::move(opts)),
      worker_(std::move(worker)),
      ctx_(std::move(ctx)) {
    // nop
  }

  caf::behavior make_behavior() override {
    set_exit_handler([this](caf::exit_msg& msg) { begin_shutdown(msg.reason); });
    set_down_handler([this](caf::down_msg& msg) {
      if (!sup_ || msg.source != sup_.address())
        return;
      if (!stopping_) {
        begin_shutdown(msg.reason);
        stop_reason_ = msg.reason;
      }
      if (ctx_ && !reported_)
        ctx_->fail(stop_reason_ ? stop_reason_ : caf::error{caf::sec::runtime_error});
      quit(stop_reason_);
    });
    supervision::supervisor_options so;
    so.name = opts_.name + "-workers";
    so.flags.strategy = supervision::restart_strategy::simple_one_for_one;
    so.flags.intensity = opts_.restart_intensity != 0 ? opts_.restart_intensity
                                                      : 2 * opts_.size + 2;
    so.flags.period = opts_.restart_period;
    so.events = caf::actor_cast<caf::actor>(this);
    so.start_timeout = opts_.start_timeout;
    supervision::child_spec tmpl;
    tmpl.id = opts_.name + "-worker";
    tmpl.start = worker_;
    tmpl.backoff = opts_.backoff;
    tmpl.start_timeout = opts_.start_timeout;
    so.children.push_back(std::move(tmpl));
    sup_name_ = so.name;
    sup_ = supervision::spawn_supervisor(
      system(), std::move(so),
      supervision::start_context{system(), caf::actor_cast<caf::actor>(this), sup_name_, 1});
    monitor(sup_);
    return {
      [this](supervision::ready_atom, uint64_t) { on_supervisor_ready(); },
      [this](supervision::init_fail_atom, uint64_t, caf::error& err) {
        if (ctx_ && !reported_) {
          reported_ = true;
          ctx_->fail(err);
        }
        begin_shutdown(err);
      },
      [this](event& ev) {
        if (opts_.events)
          send(opts_.events, ev);
        on_event(ev);
      },
      [this](call_atom, caf::message& req) -> caf::result<reply_atom, caf::message> {
        job j;
        j.id = next_job_++;
        j.payload = std::move(req);
        j.call_rp = make_response_promise<reply_atom, caf::message>();
        auto rp = j.call_rp;
        assign(std::move(j), false);
        return rp;
      },
      [this](checkout_atom) -> caf::result<caf::actor, uint64_t> {
        job j;
        j.id = next_job_++;
        j.checkout = true;
        j.lease_rp = make_response_promise<caf::actor, uint64_t>();
        auto rp = j.lease_rp;
        assign(std::move(j), false);
        return rp;
      },
      [this](checkin_atom, uint64_t lease) { checkin(lease); },
      [this](stats_atom) { return stats(); },
      [this](detail::wait_timeout_atom, uint64_t wait_id) { on_wait_timeout(wait_id); },
      [this](detail::idle_check_atom) { on_idle_check(); },
    };
  }

  void on_exit() override {
    // Break the reference cycles (supervisor -> events -> pool, parent -> pool -> parent).
    sup_ = nullptr;
    ctx_.reset();
    opts_.events = nullptr;
  }

private:
  // -- start and readiness ----------------------------------------------------

  size_t needed() const {
    if (opts_.lazy)
      return 0;
    return opts_.min_ready == 0 ? opts_.size : std::min(opts_.min_ready, opts_.size);
  }

  void on_supervisor_ready() {
    if (!opts_.lazy)
      for (size_t i = 0; i < opts_.size; ++i)
        start_worker(); // all requests at once: simple_one_for_one starts them in parallel
    check_ready();
  }

  void check_ready() {
    if (reported_ || !ctx_ || stopping_)
      return;
    if (ready_count() >= needed()) {
      reported_ = true;
      ctx_->ready();
    }
  }

  void start_worker() {
    ++starting_;
    request(sup_, opts_.start_timeout + std::chrono::seconds{5}, supervision::start_child_atom::value,
            caf::message{})
      .then([this](caf::actor&, std::string&) { --starting_; },
            [this](caf::error& err) {
              --starting_;
              if (stopping_)
                return;
              if (!reported_ && ctx_) {
                reported_ = true;
                ctx_->fail(err);
                begin_shutdown(err);
                return;
              }
              // Running pool: the waiters time out by themselves; try again on demand.
            });
  }

  size_t ready_count() const {
    return static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(),
                                             [](const slot& s) { return s.ready; }));
  }

  size_t active_count() const {
    return static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(),
                                             [](const slot& s) { return !s.retiring; }));
  }

  // -- worker lifecycle ---------------------------------------------------------

  slot* find_slot(const std::string& id) {
    for (auto& s : slots_)
      if (s.id == id)
        return &s;
    return nullptr;
  }

  void on_event(const event& ev) {
    if (ev.supervisor != sup_name_)
      return;
    switch (ev.type) {
      case event_type::child_started: {
        auto s = find_slot(ev.child);
        if (s == nullptr) {
          slots_.push_back(slot{});
          s = &slots_.back();
          s->id = ev.child;
        }
        s->hdl = caf::actor_cast<caf::actor>(ev.child_addr);
        s->ready = static_cast<bool>(s->hdl);
        s->load = 0;
        s->leased = false;
        s->idle_since = clock().now();
        check_ready();
        if (slots_.size() > opts_.size)
          arm_idle_check();
        drain();
        break;
      }
      case event_type::child_exited: {
        auto s = find_slot(ev.child);
        if (s == nullptr)
          return;
        s->ready = false;
        s->hdl = nullptr;
        s->load = 0;
        s->leased = false;
        auto retiring = s->retiring;
        if (retiring)
          slots_.erase(slots_.begin() + (s - slots_.data()));
        worker_gone(ev.child, ev.reason);
        break;
      }
      default:
        break;
    }
  }

  // Fails or retries every request the dead worker held; drops its leases.
  void worker_gone(const std::string& id, const caf::error& reason) {
    std::vector<uint64_t> ids;
    for (auto& [jid, f] : in_flight_)
      if (f.worker == id)
        ids.push_back(jid);
    std::sort(ids.begin(), ids.end());
    for (auto jid : ids) {
      auto f = std::move(in_flight_[jid]);
      in_flight_.erase(jid);
      retry_or_fail(std::move(f.j), id, reason);
    }
    for (auto i = leases_.begin(); i != leases_.end();)
      i = i->second == id ? leases_.erase(i) : std::next(i);
  }

  void retry_or_fail(job j, const std::string& worker, const caf::error& reason) {
    if (opts_.on_death == config::on_worker_death::retry && j.attempts == 0 && !stopping_) {
      ++j.attempts;
      ++retried_;
      assign(std::move(j), true);
      return;
    }
    auto why = opts_.on_death == config::on_worker_death::retry
                 ? std::string{"its retry failed too"}
                 : std::string{"the pool does not retry (on_worker_death: fail)"};
    fail(j, make_error(pool_errc::worker_died,
                       "pool '" + opts_.name + "': worker '" + worker + "' died ("
                         + supervision::describe(reason) + ") while it held the request; "
                         + why + "; send it again if it is idempotent"));
  }

  // -- assigning work -------------------------------------------------------------

  slot* pick(bool exclusive) {
    auto usable = [&](const slot& s) {
      return s.ready && !s.retiring && !s.leased
             && (exclusive ? s.load == 0 : s.load < opts_.worker_capacity);
    };
    if (slots_.empty())
      return nullptr;
    if (opts_.strategy == config::pool_strategy::least_busy) {
      slot* best = nullptr;
      for (auto& s : slots_)
        if (usable(s) && (best == nullptr || s.load < best->load))
          best = &s;
      return best;
    }
    auto n = slots_.size();
    for (size_t i = 0; i < n; ++i) {
      auto& s = slots_[(rr_ + i) % n];
      if (usable(s)) {
        rr_ = (rr_ + i + 1) % n;
        return &s;
      }
    }
    return nullptr;
  }

  void assign(job j, bool front) {
    if (stopping_) {
      fail(j, make_error(pool_errc::shutting_down,
                         "pool '" + opts_.name + "' is shutting down; it takes no new work"));
      return;
    }
    if (waiters_.empty() || front) {
      if (auto s = pick(j.checkout)) {
        dispatch(std::move(j), *s);
        return;
      }
    }
    if (waiters_.size() >= opts_.max_waiters) {
      fail(j, make_error(pool_errc::pool_full,
                         "pool '" + opts_.name + "': all " + std::to_string(active_count())
                           + " workers busy and " + std::to_string(waiters_.size())
                           + " requests waiting (max_waiters); raise size, max_overflow or "
                             "max_waiters, or slow down"));
      return;
    }
    auto wid = next_wait_++;
    if (front)
      waiters_.push_front(waiter{wid, std::move(j)});
    else
      waiters_.push_back(waiter{wid, std::move(j)});
    delayed_send(this, opts_.checkout_timeout, detail::wait_timeout_atom::value, wid);
    maybe_grow();
  }

  void maybe_grow() {
    if (starting_ >= waiters_.size())
      return; // enough workers on their way
    auto total = active_count() + starting_;
    if (total < opts_.size) {
      start_worker(); // lazy pool (or a pool whose worker is restarting: harmless)
      return;
    }
    if (total < opts_.size + opts_.max_overflow) {
      ++grown_;
      start_worker();
    }
  }

  void dispatch(job j, slot& s) {
    if (j.checkout) {
      s.leased = true;
      auto lease = next_lease_++;
      leases_.emplace(lease, s.id);
      j.lease_rp.deliver(s.hdl, lease);
      return;
    }
    ++s.load;
    auto id = j.id;
    auto payload = j.payload;
    in_flight_.emplace(id, flight{std::move(j), s.id, s.hdl.address()});
    request(s.hdl, opts_.request_timeout, call_atom::value, std::move(payload))
      .then([this, id](reply_atom, caf::message& reply) { on_reply(id, reply); },
            [this, id](caf::error& err) { on_fail(id, err); });
  }

  void release(const flight& f) {
    auto s = find_slot(f.worker);
    if (s == nullptr || !s->hdl || s->hdl.address() != f.addr || s->load == 0)
      return;
    if (--s->load == 0)
      s->idle_since = clock().now();
  }

  void on_reply(uint64_t id, caf::message& reply) {
    auto i = in_flight_.find(id);
    if (i == in_flight_.end())
      return; // already retried or failed after its worker died
    auto f = std::move(i->second);
    in_flight_.erase(i);
    release(f);
    ++calls_;
    f.j.call_rp.deliver(reply_atom::value, std::move(reply));
    drain();
  }

  void on_fail(uint64_t id, caf::error& err) {
    auto i = in_flight_.find(id);
    if (i == in_flight_.end())
      return;
    auto f = std::move(i->second);
    in_flight_.erase(i);
    release(f);
    if (err == caf::sec::request_receiver_down || is(err, pool_errc::worker_died)) {
      retry_or_fail(std::move(f.j), f.worker, err);
    } else if (err == caf::sec::request_timeout) {
      fail(f.j, make_error(pool_errc::request_timeout,
                           "pool '" + opts_.name + "': worker '" + f.worker
                             + "' did not answer within "
                             + std::to_string(opts_.request_timeout.count())
                             + " ms; raise request_timeout or fix the worker"));
    } else {
      fail(f.j, std::move(err)); // the worker's own answer
    }
    drain();
  }

  void fail(job& j, caf::error err) {
    ++failed_;
    if (j.checkout)
      j.lease_rp.deliver(std::move(err));
    else
      j.call_rp.deliver(std::move(err));
  }

  void drain() {
    while (!waiters_.empty()) {
      auto s = pick(waiters_.front().j.checkout);
      if (s == nullptr)
        return;
      auto j = std::move(waiters_.front().j);
      waiters_.pop_front();
      dispatch(std::move(j), *s);
    }
  }

  void checkin(uint64_t lease) {
    auto i = leases_.find(lease);
    if (i == leases_.end())
      return; // unknown, or its worker died meanwhile
    if (auto s = find_slot(i->second)) {
      s->leased = false;
      s->idle_since = clock().now();
    }
    leases_.erase(i);
    drain();
  }

  void on_wait_timeout(uint64_t wait_id) {
    auto i = std::find_if(waiters_.begin(), waiters_.end(),
                          [&](const waiter& w) { return w.wait_id == wait_id; });
    if (i == waiters_.end())
      return;
    auto j = std::move(i->j);
    waiters_.erase(i);
    ++timeouts_;
    fail(j, make_error(pool_errc::checkout_timeout,
                       "pool '" + opts_.name + "': no worker free within "
                         + std::to_string(opts_.checkout_timeout.count()) + " ms (size "
                         + std::to_string(opts_.size) + ", max_overflow "
                         + std::to_string(opts_.max_overflow) + ", "
                         + std::to_string(waiters_.size())
                         + " still waiting); raise size or max_overflow, or check in leases"));
  }

  // -- shrinking ------------------------------------------------------------------

  void arm_idle_check() {
    if (idle_armed_ || stopping_)
      return;
    idle_armed_ = true;
    delayed_send(this, opts_.overflow_idle, detail::idle_check_atom::value);
  }

  void on_idle_check() {
    idle_armed_ = false;
    if (stopping_)
      return;
    auto now = clock().now();
    auto active = active_count();
    for (auto& s : slots_) {
      if (active <= opts_.size)
        break;
      if (s.ready && !s.retiring && !s.leased && s.load == 0
          && now - s.idle_since >= opts_.overflow_idle) {
        s.retiring = true;
        --active;
        ++shrunk_;
        auto id = s.id;
        request(sup_, std::chrono::seconds{30}, supervision::terminate_child_atom::value, id)
          .then([this, id]() { erase_retired(id); },
                [this, id](caf::error&) { erase_retired(id); });
      }
    }
    if (active > opts_.size)
      arm_idle_check();
  }

  void erase_retired(const std::string& id) {
    auto s = find_slot(id);
    if (s != nullptr && s->retiring)
      slots_.erase(slots_.begin() + (s - slots_.data()));
  }

  // -- stats and shutdown -----------------------------------------------------------

  pool_stats stats() const {
    pool_stats st;
    for (auto& s : slots_) {
      if (s.ready)
        ++st.workers;
      if (s.load > 0 || s.leased)
        ++st.busy;
    }
    st.starting = starting_;
    st.waiting = waiters_.size();
    st.in_flight = in_flight_.size();
    st.calls = calls_;
    st.failed = failed_;
    st.retried = retried_;
    st.timeouts = timeouts_;
    st.grown = grown_;
    st.shrunk = shrunk_;
    return st;
  }

  void begin_shutdown(caf::error reason) {
    if (stopping_)
      return;
    stopping_ = true;
    stop_reason_ = reason;
    auto err = make_error(pool_errc::shutting_down,
                          "pool '" + opts_.name + "' is shutting down; the request was not run");
    while (!waiters_.empty()) {
      auto j = std::move(waiters_.front().j);
      waiters_.pop_front();
      fail(j, err);
    }
    auto flights = std::move(in_flight_);
    in_flight_.clear();
    for (auto& [id, f] : flights)
      fail(f.j, err);
    leases_.clear();
    if (sup_)
      send_exit(sup_, reason ? reason : caf::error{caf::exit_reason::user_shutdown});
    // The down handler quits once the supervisor (and so every worker) is gone.
  }

  pool_options opts_;
  supervision::start_fn worker_;
  std::optional<supervision::start_context> ctx_;
  caf::actor sup_;
  std::string sup_name_;
  std::vector<slot> slots_;
  std::deque<waiter> waiters_;
  std::unordered_map<uint64_t, flight> in_flight_;
  std::unordered_map<uint64_t, std::string> leases_;
  size_t starting_ = 0;
  size_t rr_ = 0;
  uint64_t next_job_ = 1;
  uint64_t next_wait_ = 1;
  uint64_t next_lease_ = 1;
  uint64_t calls_ = 0;
  uint64_t failed_ = 0;
  uint64_t retried_ = 0;
  uint64_t timeouts_ = 0;
  uint64_t grown_ = 0;
  uint64_t shrunk_ = 0;
  bool reported_ = false;
  bool stopping_ = false;
  bool idle_armed_ = false;
  caf::error stop_reason_;
};

} // namespace

pool_options pool_options_from(const config::pool_config& cfg) {
  pool_options opts;
  opts.name = cfg.name;
  opts.size = cfg.size;
  opts.max_overflow = cfg.max_overflow;
  opts.lazy = cfg.lazy;
  opts.strategy = cfg.strategy;
  opts.on_death = cfg.on_death;
  opts.checkout_timeout = std::chrono::milliseconds{cfg.checkout_timeout_ms};
  opts.max_waiters = cfg.max_waiters;
  opts.min_ready = cfg.min_ready;
  opts.request_timeout = std::chrono::milliseconds{cfg.request_timeout_ms};
  return opts;
}

caf::actor spawn_pool(caf::actor_system& sys, pool_options opts, supervision::start_fn worker,
                      const supervision::start_context& ctx) {
  return sys.spawn<pool_actor>(std::move(opts), std::move(worker), ctx);
}

supervision::child_spec pool_child(pool_options opts, supervision::start_fn worker) {
  supervision::child_spec spec;
  spec.id = opts.name;
  spec.type = supervision::child_type::supervisor;
  spec.shutdown = supervision::shutdown_policy::infinity();
  spec.start_timeout = opts.start_timeout + std::chrono::seconds{5};
  spec.start = [opts = std::move(opts), worker = std::move(worker)](
                 const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    return spawn_pool(ctx.system(), opts, worker, ctx);
  };
  return spec;
}

supervision::child_spec pool_child(const config::pool_config& cfg, supervision::start_fn worker) {
  return pool_child(pool_options_from(cfg), std::move(worker));
}

} // namespace keel::actors
