#include "actors/breaker.hpp"

#include <caf/all.hpp>

#include <deque>

namespace keel::actors {

const char* to_string(breaker_state x) {
  switch (x) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

namespace {

using call_promise = caf::typed_response_promise<reply_atom, caf::message>;
using time_point = caf::actor_clock::time_point;

class breaker_actor : public caf::event_based_actor {
public:
  breaker_actor(caf::actor_config& cfg, breaker_options opts, caf::actor target)
    : caf::event_based_actor(cfg), opts_(std::move(opts)), target_(std::move(target)) {
    // nop
  }

  caf::behavior make_behavior() override {
    return {
      [this](call_atom, caf::message& req) -> caf::result<reply_atom, caf::message> {
        auto rp = make_response_promise<reply_atom, caf::message>();
        on_call(std::move(req), rp);
        return rp;
      },
      [this](stats_atom) {
        auto st = stats_;
        st.state = state_;
        return st;
      },
      [this](detail::open_done_atom, uint64_t epoch) {
        if (state_ == breaker_state::open && epoch == epoch_)
          to(breaker_state::half_open, 0);
      },
    };
  }

  void on_exit() override {
    target_ = nullptr;
    opts_.fallback_actor = nullptr;
    opts_.events = nullptr;
  }

private:
  void on_call(caf::message req, call_promise rp) {
    auto now = clock().now();
    if (state_ == breaker_state::open && now >= open_until_)
      to(breaker_state::half_open, 0); // the timer may not have run yet
    bool pass = state_ == breaker_state::closed
                || (state_ == breaker_state::half_open && probes_started_ < opts_.half_open_probes);
    if (!pass) {
      ++stats_.rejected;
      fall_back(std::move(req), rp,
                make_error(pool_errc::circuit_open,
                           "breaker '" + opts_.name + "' is " + to_string(state_)
                             + " after repeated failures of its target; calls are tried again "
                               "after open_duration ("
                             + std::to_string(opts_.open_duration.count()) + " ms)"));
      return;
    }
    if (state_ == breaker_state::half_open)
      ++probes_started_;
    ++stats_.calls;
    auto epoch = epoch_;
    auto copy = req;
    request(target_, opts_.call_timeout, call_atom::value, std::move(req))
      .then(
        [this, rp, epoch](reply_atom, caf::message& reply) mutable {
          ++stats_.successes;
          rp.deliver(reply_atom::value, std::move(reply));
          record(true, epoch);
        },
        [this, rp, epoch, copy](caf::error& err) mutable {
          ++stats_.failures;
          record(false, epoch);
          fall_back(std::move(copy), rp, std::move(err));
        });
  }

  // Answers a call that did not pass (or failed) by the fallback, or with `err`.
  void fall_back(caf::message req, call_promise rp, caf::error err) {
    if (opts_.fallback_actor) {
      ++stats_.fallbacks;
      request(opts_.fallback_actor, opts_.call_timeout, call_atom::value, std::move(req))
        .then([rp](reply_atom, caf::message& reply) mutable {
          rp.deliver(reply_atom::value, std::move(reply));
        },
              [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
      return;
    }
    if (opts_.fallback_value) {
      ++stats_.fallbacks;
      rp.deliver(reply_atom::value, *opts_.fallback_value);
      return;
    }
    rp.deliver(std::move(err));
  }

  void record(bool ok, uint64_t epoch) {
    if (epoch != epoch_)
      return; // started under an older state
    auto now = clock().now();
    if (state_ == breaker_state::half_open) {
      if (!ok) {
        to(breaker_state::open, 1);
        return;
      }
      if (++probes_ok_ >= opts_.half_open_probes)
        to(breaker_state::closed, 0);
      return;
    }
    if (state_ != breaker_state::closed)
      return;
    window_.push_back({now, ok});
    while (!window_.empty() && now - window_.front().first > opts_.window)
      window_.pop_front();
    size_t failures = 0;
    for (auto& o : window_)
      if (!o.second)
        ++failures;
    bool by_count = opts_.failure_threshold > 0 && failures >= opts_.failure_threshold;
    bool by_ratio = opts_.failure_ratio > 0 && window_.size() >= opts_.min_calls
                    && static_cast<double>(failures) / static_cast<double>(window_.size())
                         >= opts_.failure_ratio;
    if (by_count || by_ratio)
      to(breaker_state::open, failures);
  }

  void to(breaker_state next, size_t failures) {
    auto prev = state_;
    state_ = next;
    ++epoch_;
    window_.clear();
    probes_started_ = 0;
    probes_ok_ = 0;
    switch (next) {
      case breaker_state::open:
        ++stats_.opened;
        open_until_ = clock().now() + opts_.open_duration;
        delayed_send(this, opts_.open_duration, detail::open_done_atom::value, epoch_);
        break;
      case breaker_state::half_open:
        ++stats_.half_opened;
        break;
      case breaker_state::closed:
        ++stats_.closed;
        break;
    }
    if (opts_.events)
      send(opts_.events, breaker_event{opts_.name, prev, next, failures});
  }

  breaker_options opts_;
  caf::actor target_;
  breaker_state state_ = breaker_state::closed;
  uint64_t epoch_ = 0;
  std::deque<std::pair<time_point, bool>> window_;
  time_point open_until_;
  size_t probes_started_ = 0;
  size_t probes_ok_ = 0;
  breaker_stats stats_;
};

} // namespace

caf::actor spawn_breaker(caf::actor_system& sys, breaker_options opts, caf::actor target) {
  return sys.spawn<breaker_actor>(std::move(opts), std::move(target));
}

} // namespace keel::actors
