// The supervisor's restart decisions: restart type vs exit reason, strategy groups,
// intensity/period, backoff, auto_shutdown.
#include "supervision/detail/supervisor_actor.hpp"

#include "supervision/atoms.hpp"
#include "supervision/detail/log.hpp"
#include "supervision/errc.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace keel::supervision::detail {

void supervisor_actor::decide(const deferred_exit& d) {
  auto c = find(d.uid);
  // Stale: the incarnation was replaced (e.g. by a group restart) or the record is gone.
  if (c == nullptr || c->gen != d.gen || c->hdl
      || (c->state != child_state::restarting && c->state != child_state::stopped))
    return;
  auto significant = c->spec.significant;
  switch (c->spec.restart) {
    case restart_type::temporary:
      fail_parked(*c, make_error(errc::child_unavailable,
                                 "child '" + c->spec.id
                                   + "' was temporary and exited; it is not restarted"));
      remove(d.uid);
      check_auto_shutdown(significant);
      return;
    case restart_type::transient:
      if (is_shutdown_reason(d.reason)) {
        c->state = child_state::stopped;
        if (c->dynamic)
          remove(d.uid);
        check_auto_shutdown(significant);
        return;
      }
      break;
    case restart_type::permanent:
      break;
  }
  restart_after_crash(*c, d.reason);
}

bool supervisor_actor::add_restart() {
  auto now = clock().now();
  restarts_.push_back(now);
  while (!restarts_.empty() && now - restarts_.front() > opts_.flags.period)
    restarts_.pop_front();
  return restarts_.size() <= opts_.flags.intensity;
}

std::vector<uint64_t> supervisor_actor::restart_group(const child_record& c) const {
  std::vector<uint64_t> group;
  switch (opts_.flags.strategy) {
    case restart_strategy::one_for_one:
    case restart_strategy::simple_one_for_one:
      group.push_back(c.uid);
      break;
    case restart_strategy::one_for_all:
      for (auto& x : children_)
        group.push_back(x->uid);
      break;
    case restart_strategy::rest_for_one: {
      bool in = false;
      for (auto& x : children_) {
        in = in || x->uid == c.uid;
        if (in)
          group.push_back(x->uid);
      }
      break;
    }
  }
  return group;
}

void supervisor_actor::restart_after_crash(child_record& c, const caf::error& reason) {
  if (!add_restart()) {
    auto err = make_error(errc::intensity_exceeded,
                          "supervisor '" + opts_.name + "' gave up: more than "
                            + std::to_string(opts_.flags.intensity) + " restart(s) within "
                            + std::to_string(opts_.flags.period.count())
                            + " ms (last: child '" + c.spec.id + "', " + describe(reason)
                            + "); fix the crashing child or raise intensity/period");
    emit(event_type::gave_up, &c, err);
    shutdown(err);
    return;
  }
  std::chrono::milliseconds delay{0};
  if (c.spec.backoff) {
    auto& b = *c.spec.backoff;
    auto now = clock().now();
    if (c.backoff_attempt > 0 && now - c.started_at >= b.reset_after)
      c.backoff_attempt = 0;
    delay = backoff_delay(b, c.backoff_attempt, opts_.random());
    ++c.backoff_attempt;
  }
  // After a failed start, a pause that doubles with each one in a row (1 ms .. 128 ms): the exit
  // that explains the failure (rest_for_one: a sibling the child needs died with it) may still
  // be on its way, and without a pause the retries can use up the intensity before it lands.
  if (c.failed_starts > 0)
    delay = std::max(delay, std::chrono::milliseconds{int64_t{1} << std::min(c.failed_starts - 1,
                                                                             7u)});
  c.state = child_state::restarting;
  auto group = restart_group(c);
  std::deque<step> stops;
  for (auto i = group.rbegin(); i != group.rend(); ++i) {
    if (*i == c.uid)
      continue;
    if (auto r = find(*i)) {
      r->will_restart = true;
      if (r->hdl)
        stops.push_back({false, *i});
    }
  }
  auto crashed = c.uid;
  queue_steps(std::move(stops), [this, group, crashed, delay](caf::error, uint64_t) {
    std::vector<uint64_t> to_start;
    for (auto uid : group) {
      auto r = find(uid);
      if (r == nullptr || r->hdl)
        continue;
      r->will_restart = false;
      if (uid != crashed && r->spec.restart == restart_type::temporary) {
        fail_parked(*r, make_error(errc::child_unavailable,
                                   "child '" + r->spec.id
                                     + "' was temporary and stopped by a group restart"));
        remove(uid);
        continue;
      }
      r->state = child_state::restarting;
      emit(event_type::child_restarting, r, {}, delay);
      to_start.push_back(uid);
    }
    auto c = find(crashed);
    if (delay.count() == 0 || c == nullptr) {
      start_group(std::move(to_start));
      return;
    }
    c->pending_group = std::move(to_start);
    delayed_send(caf::actor_cast<caf::actor>(this), delay, backoff_due_atom::value, crashed,
                 c->gen);
  });
  pump();
}

void supervisor_actor::on_backoff_due(uint64_t uid, uint64_t gen) {
  auto c = find(uid);
  if (c == nullptr || c->gen != gen || c->state != child_state::restarting || shutting_down_)
    return;
  auto group = std::move(c->pending_group);
  c->pending_group.clear();
  start_group(std::move(group));
}

void supervisor_actor::start_group(std::vector<uint64_t> group) {
  std::deque<step> starts;
  for (auto uid : group)
    starts.push_back({true, uid});
  queue_steps(std::move(starts), [this](caf::error err, uint64_t failed) {
    if (!err)
      return;
    // OTP's try_again: a failed restart counts as another crash of that child. Like OTP's
    // try_again_restart message, the retry queues behind the exits that arrived meanwhile: a
    // sibling whose exit explains the failure (rest_for_one: the WAL writer an "sm" child
    // needs) is restarted first instead of the retry spinning up to the intensity limit.
    if (auto r = find(failed)) {
      r->state = child_state::restarting;
      ++r->failed_starts;
      deferred_.push_back({r->uid, r->gen, std::move(err)});
    }
  });
  pump();
}

void supervisor_actor::check_auto_shutdown(bool significant) {
  if (!significant || shutting_down_)
    return;
  switch (opts_.flags.auto_shutdown) {
    case auto_shutdown_policy::never:
      return;
    case auto_shutdown_policy::any_significant:
      shutdown(make_error(errc::auto_shutdown, "supervisor '" + opts_.name
                                                 + "': a significant child exited"));
      return;
    case auto_shutdown_policy::all_significant:
      for (auto& c : children_)
        if (c->spec.significant && c->state != child_state::stopped)
          return;
      shutdown(make_error(errc::auto_shutdown, "supervisor '" + opts_.name
                                                 + "': all significant children exited"));
      return;
  }
}

} // namespace keel::supervision::detail
