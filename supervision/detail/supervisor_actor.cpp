// The supervisor's lifecycle: ordered start with the ready handshake, reverse-order stop
// honouring shutdown policies, and the op queue that keeps both in order.
#include "supervision/detail/supervisor_actor.hpp"

#include "supervision/atoms.hpp"
#include "supervision/detail/log.hpp"
#include "supervision/errc.hpp"
#include "supervision/spec_check.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace keel::supervision::detail {

supervisor_actor::supervisor_actor(caf::actor_config& cfg, supervisor_options opts,
                                   start_context ctx)
  : caf::event_based_actor(cfg), opts_(std::move(opts)), ctx_(std::move(ctx)), log_(logger()) {
  if (!opts_.random)
    opts_.random = make_random_source();
}

caf::behavior supervisor_actor::make_behavior() {
  set_down_handler([this](caf::down_msg& dm) { on_down(dm); });
  set_exit_handler([this](caf::exit_msg& em) { on_exit(em); });
  // However the supervisor ends (a kill included), its children end with it, as linked
  // children do in OTP; after an orderly shutdown none is left to stop here.
  attach_functor([this](const caf::error& reason) {
    auto why = reason ? reason : caf::error{caf::exit_reason::kill};
    for (auto& c : children_)
      if (c->hdl)
        caf::anon_send(c->hdl, caf::exit_msg{address(), why});
    // Drop every handle and captured spec now: a dead supervisor that kept them would keep
    // its children's actor objects (and a detached child's thread) alive until it is freed.
    children_.clear();
    ops_.clear();
    deferred_.clear();
    template_.reset();
    opts_.children.clear();
    opts_.events = nullptr;
  });
  start_initial_children();
  return api_behavior();
}

// -- ordered start ------------------------------------------------------------

void supervisor_actor::start_initial_children() {
  auto err = check_flags(opts_.flags, opts_.children.size());
  if (!err)
    err = check_child_specs(opts_.children, opts_.flags.auto_shutdown);
  if (err) {
    log_->error("supervisor '{}' not started: {}", opts_.name, describe(err));
    ctx_.fail(err);
    quit(err);
    return;
  }
  std::deque<step> steps;
  if (opts_.flags.strategy == restart_strategy::simple_one_for_one) {
    template_ = with_defaults(opts_.children.front());
  } else {
    for (auto& spec : opts_.children) {
      auto rec = std::make_unique<child_record>();
      rec->uid = next_uid_++;
      rec->spec = with_defaults(spec);
      steps.push_back({true, rec->uid});
      children_.emplace_back(std::move(rec));
    }
  }
  opts_.children.clear();
  queue_steps(std::move(steps), [this](caf::error err, uint64_t) {
    if (!err) {
      ready_ = true;
      emit(event_type::supervisor_ready, nullptr);
      ctx_.ready();
      return;
    }
    // Roll back: stop what started, in reverse order, then report the failure.
    shutting_down_ = true;
    deferred_.clear();
    emit(event_type::shutting_down, nullptr, err);
    std::deque<step> stops;
    for (auto i = children_.rbegin(); i != children_.rend(); ++i)
      if ((*i)->hdl)
        stops.push_back({false, (*i)->uid});
    queue_steps(std::move(stops), [this, err](caf::error, uint64_t) {
      for (auto& c : children_)
        fail_parked(*c, err);
      ctx_.fail(err);
      quit(err);
    });
  });
  pump();
}

void supervisor_actor::queue_steps(std::deque<step> steps,
                                   std::function<void(caf::error, uint64_t)> done) {
  ops_.push_back(op{next_op_++, std::move(steps), std::move(done)});
}

void supervisor_actor::pump() {
  if (pumping_)
    return;
  pumping_ = true;
  while (!waiting_) {
    if (!ops_.empty()) {
      auto& o = ops_.front();
      if (o.steps.empty()) {
        auto done = std::move(o.done);
        ops_.pop_front();
        if (done)
          done(caf::error{}, 0);
        continue;
      }
      auto s = o.steps.front();
      o.steps.pop_front();
      run_step(s);
      continue;
    }
    if (!deferred_.empty() && !shutting_down_) {
      auto d = std::move(deferred_.front());
      deferred_.pop_front();
      decide(d);
      continue;
    }
    break;
  }
  pumping_ = false;
}

void supervisor_actor::run_step(step s) {
  if (s.all) {
    stop_all_at_once();
    return;
  }
  auto c = find(s.uid);
  if (c == nullptr)
    return;
  auto op_id = ops_.front().id;
  if (s.start) {
    if (c->state == child_state::running || c->state == child_state::starting)
      return;
    waiting_ = true;
    begin_start(*c, [this, op_id, uid = s.uid](caf::error err) {
      if (ops_.empty() || ops_.front().id != op_id)
        return; // the op was cancelled by a shutdown
      waiting_ = false;
      if (err) {
        auto done = std::move(ops_.front().done);
        ops_.pop_front();
        if (done)
          done(std::move(err), uid);
      }
      pump();
    });
  } else {
    if (!c->hdl)
      return;
    waiting_ = true;
    begin_stop(*c, [this, op_id] {
      if (ops_.empty() || ops_.front().id != op_id)
        return;
      waiting_ = false;
      pump();
    });
  }
}

void supervisor_actor::stop_all_at_once() {
  auto op_id = ops_.front().id;
  auto left = std::make_shared<size_t>(0);
  for (auto& c : children_)
    *left += c->hdl ? 1 : 0;
  if (*left == 0)
    return;
  waiting_ = true;
  for (auto& c : children_) {
    if (!c->hdl)
      continue;
    begin_stop(*c, [this, op_id, left] {
      if (--*left > 0 || ops_.empty() || ops_.front().id != op_id)
        return;
      waiting_ = false;
      pump();
    });
  }
}

void supervisor_actor::begin_start(child_record& c, std::function<void(caf::error)> k) {
  ++c.gen;
  c.token = next_token_++;
  c.state = child_state::starting;
  c.will_restart = false;
  start_context ctx{system(), caf::actor_cast<caf::actor>(this), c.spec.id, c.token, c.args};
  caf::expected<caf::actor> res{caf::error{}};
  try {
    res = c.spec.start(ctx);
  } catch (const std::exception& ex) {
    res = make_error(errc::start_failed, std::string{"start factory threw: "} + ex.what());
  }
  if (!res || !*res) {
    auto cause = res ? describe(caf::sec::invalid_argument) + " (factory returned no actor)"
                     : describe(res.error());
    auto err = make_error(errc::start_failed, "child '" + c.spec.id
                                                + "' failed to start: " + cause
                                                + "; fix its start factory");
    c.state = child_state::stopped;
    emit(event_type::child_start_failed, &c, err);
    k(std::move(err));
    return;
  }
  c.hdl = std::move(*res);
  // Monitor, never link: in CAF a link carries an outside kill of the child (exit_reason::kill,
  // which no exit handler can trap) up to the supervisor, where OTP's supervisor would merely
  // see a `killed` child. The supervisor's own end stops its children (make_behavior).
  monitor(c.hdl);
  c.on_started = std::move(k);
  auto timeout = c.spec.start_timeout.value_or(opts_.start_timeout);
  delayed_send(caf::actor_cast<caf::actor>(this), timeout, start_timeout_atom::value, c.uid,
               c.token);
}

void supervisor_actor::on_ready(uint64_t token) {
  for (auto& ptr : children_) {
    auto& c = *ptr;
    if (c.state != child_state::starting || c.token != token)
      continue;
    c.state = child_state::running;
    c.started_at = clock().now();
    c.failed_starts = 0;
    emit(event_type::child_started, &c);
    deliver_parked(c);
    if (auto k = std::move(c.on_started))
      k(caf::error{});
    return;
  }
  // A stale token: the attempt timed out or was cancelled.
}

namespace {

// Kills a child whose start failed and reports `err` once it is down.
void abandon_start(supervisor_actor& self, child_record& c, caf::error err) {
  c.started_at = self.clock().now();
  c.state = child_state::stopping;
  c.on_stopped = [k = std::move(c.on_started), err]() mutable {
    if (k)
      k(err);
  };
  self.send_exit(c.hdl, caf::exit_reason::kill);
}

} // namespace

void supervisor_actor::on_init_fail(uint64_t token, caf::error err) {
  for (auto& ptr : children_) {
    auto& c = *ptr;
    if (c.state != child_state::starting || c.token != token)
      continue;
    auto e = make_error(errc::start_failed, "child '" + c.spec.id
                                              + "' failed to start: " + describe(err)
                                              + "; see the child's init");
    emit(event_type::child_start_failed, &c, e);
    abandon_start(*this, c, std::move(e));
    return;
  }
}

void supervisor_actor::on_start_timeout(uint64_t uid, uint64_t token) {
  auto c = find(uid);
  if (c == nullptr || c->state != child_state::starting || c->token != token)
    return;
  auto timeout = c->spec.start_timeout.value_or(opts_.start_timeout);
  auto e = make_error(errc::start_timeout,
                      "child '" + c->spec.id + "' did not report ready within "
                        + std::to_string(timeout.count())
                        + " ms; call ctx.ready() when its init is done (or use ready_on_spawn), "
                          "or raise its start_timeout");
  emit(event_type::child_start_failed, c, e);
  abandon_start(*this, *c, std::move(e));
}

// -- helpers -------------------------------------------------------------------

child_record* supervisor_actor::find(uint64_t uid) {
  for (auto& c : children_)
    if (c->uid == uid)
      return c.get();
  return nullptr;
}

child_record* supervisor_actor::find(const std::string& id) {
  for (auto& c : children_)
    if (c->spec.id == id)
      return c.get();
  return nullptr;
}

child_record* supervisor_actor::find_by_addr(const caf::actor_addr& addr) {
  for (auto& c : children_)
    if (c->hdl && c->hdl.address() == addr)
      return c.get();
  return nullptr;
}

void supervisor_actor::remove(uint64_t uid) {
  children_.erase(std::remove_if(children_.begin(), children_.end(),
                                 [uid](const auto& c) { return c->uid == uid; }),
                  children_.end());
}

void supervisor_actor::emit(event_type type, const child_record* c, caf::error reason,
                            std::chrono::milliseconds delay) {
  event ev{type,
           opts_.name,
           c != nullptr ? c->spec.id : std::string{},
           c != nullptr && c->hdl ? c->hdl.address() : caf::actor_addr{},
           std::move(reason),
           delay};
  auto lvl = spdlog::level::debug;
  switch (type) {
    case event_type::child_exited:
      lvl = is_shutdown_reason(ev.reason) || (c != nullptr && c->state == child_state::stopping)
              ? spdlog::level::debug
              : spdlog::level::warn;
      break;
    case event_type::child_restarting:
    case event_type::shutting_down:
      lvl = spdlog::level::info;
      break;
    case event_type::child_start_failed:
    case event_type::gave_up:
      lvl = spdlog::level::err;
      break;
    default:
      break;
  }
  if (log_->should_log(lvl))
    log_->log(lvl, "{}", to_string(ev));
  if (opts_.events)
    send(opts_.events, std::move(ev));
}

} // namespace keel::supervision::detail
