// The supervisor's stopping side: shutdown policies, down and exit messages, and the
// reverse-order shutdown of everything (all at once for simple_one_for_one, as in OTP).
#include "supervision/detail/supervisor_actor.hpp"

#include "supervision/atoms.hpp"
#include "supervision/detail/log.hpp"
#include "supervision/errc.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace keel::supervision::detail {

// -- stopping ----------------------------------------------------------------

void supervisor_actor::begin_stop(child_record& c, std::function<void()> k) {
  if (!c.hdl) {
    k();
    return;
  }
  if (c.state == child_state::stopping) {
    c.on_stopped = std::move(k); // a stop (or kill) is already under way
    return;
  }
  auto cancelled = std::move(c.on_started);
  c.state = child_state::stopping;
  c.on_stopped = std::move(k);
  auto& pol = *c.spec.shutdown;
  switch (pol.how) {
    case shutdown_policy::kind::brutal_kill:
      send_exit(c.hdl, caf::exit_reason::kill);
      break;
    case shutdown_policy::kind::timeout:
      send_exit(c.hdl, caf::exit_reason::user_shutdown);
      delayed_send(caf::actor_cast<caf::actor>(this), pol.after, stop_timeout_atom::value,
                   c.uid, c.gen);
      break;
    case shutdown_policy::kind::infinity:
      send_exit(c.hdl, caf::exit_reason::user_shutdown);
      break;
  }
  if (cancelled)
    cancelled(make_error(errc::shutting_down,
                         "child '" + c.spec.id + "' was stopped before it reported ready"));
}

void supervisor_actor::on_stop_timeout(uint64_t uid, uint64_t gen) {
  auto c = find(uid);
  if (c == nullptr || c->state != child_state::stopping || c->gen != gen || !c->hdl)
    return;
  log_->warn("supervisor '{}': child '{}' did not stop within {} ms; killing it", opts_.name,
             c->spec.id, c->spec.shutdown->after.count());
  send_exit(c->hdl, caf::exit_reason::kill);
}

void supervisor_actor::on_down(caf::down_msg& dm) {
  auto c = find_by_addr(dm.source);
  if (c == nullptr)
    return;
  auto reason = std::move(dm.reason);
  switch (c->state) {
    case child_state::stopping: {
      emit(event_type::child_exited, c, reason);
      c->hdl = nullptr;
      c->state = child_state::stopped;
      if (auto k = std::move(c->on_stopped))
        k();
      break;
    }
    case child_state::starting: {
      auto e = make_error(errc::start_failed, "child '" + c->spec.id
                                                + "' exited before it reported ready: "
                                                + describe(reason));
      emit(event_type::child_start_failed, c, e);
      c->hdl = nullptr;
      c->state = child_state::stopped;
      c->started_at = clock().now();
      if (auto k = std::move(c->on_started))
        k(std::move(e));
      break;
    }
    default: {
      emit(event_type::child_exited, c, reason);
      c->hdl = nullptr;
      auto comes_back = !shutting_down_ && c->spec.restart != restart_type::temporary
                        && !(c->spec.restart == restart_type::transient
                             && is_shutdown_reason(reason));
      c->state = comes_back ? child_state::restarting : child_state::stopped;
      if (!comes_back)
        fail_parked(*c, make_error(errc::child_unavailable,
                                   "child '" + c->spec.id + "' exited ("
                                     + describe(reason) + ") and is not restarted"));
      deferred_.push_back({c->uid, c->gen, std::move(reason)});
      pump();
    }
  }
}

void supervisor_actor::on_exit(caf::exit_msg& em) {
  if (find_by_addr(em.source) != nullptr)
    return; // children are monitored: their down message decides
  // From the parent (or anyone else asking us to stop).
  shutdown(std::move(em.reason));
}

void supervisor_actor::shutdown(caf::error reason) {
  if (shutting_down_)
    return;
  shutting_down_ = true;
  emit(event_type::shutting_down, nullptr, reason);
  ops_.clear();
  deferred_.clear();
  waiting_ = false;
  std::deque<step> stops;
  if (opts_.flags.strategy == restart_strategy::simple_one_for_one) {
    // OTP stops a simple_one_for_one supervisor's children asynchronously, all at once: they
    // are alike and unordered, and each may take long to clean up (a shard's checkpoint).
    stops.push_back({false, 0, true});
  } else {
    for (auto i = children_.rbegin(); i != children_.rend(); ++i)
      if ((*i)->hdl)
        stops.push_back({false, (*i)->uid});
  }
  queue_steps(std::move(stops), [this, reason](caf::error, uint64_t) {
    auto gone = make_error(errc::child_unavailable,
                           "supervisor '" + opts_.name + "' shut down: " + describe(reason));
    for (auto& c : children_)
      fail_parked(*c, gone);
    if (!ready_)
      ctx_.fail(reason ? reason
                       : make_error(errc::start_failed, "supervisor '" + opts_.name
                                                          + "' was stopped during its start"));
    quit(reason);
  });
  pump();
}

} // namespace keel::supervision::detail
