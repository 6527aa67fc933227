// The supervisor's message interface: handshakes, timers, introspection, dynamic children and
// child_ref delivery.
#include "supervision/detail/supervisor_actor.hpp"

#include "supervision/atoms.hpp"
#include "supervision/detail/log.hpp"
#include "supervision/errc.hpp"
#include "supervision/introspection.hpp"
#include "supervision/spec_check.hpp"

#include <caf/all.hpp>

namespace keel::supervision::detail {

namespace {

child_status status_of(const child_record& c) {
  switch (c.state) {
    case child_state::running: return child_status::running;
    case child_state::starting: return child_status::starting;
    case child_state::restarting: return child_status::restarting;
    case child_state::stopping:
      return c.will_restart ? child_status::restarting : child_status::stopping;
    case child_state::stopped: return child_status::stopped;
  }
  return child_status::stopped;
}

caf::error not_found(const std::string& id) {
  return make_error(errc::child_not_found,
                    "no child '" + id + "'; which_children lists the ids");
}

} // namespace

caf::behavior supervisor_actor::api_behavior() {
  return {
    // -- handshakes and timers ------------------------------------------------
    [this](ready_atom, uint64_t token) { on_ready(token); },
    [this](init_fail_atom, uint64_t token, caf::error& err) {
      on_init_fail(token, std::move(err));
    },
    [this](start_timeout_atom, uint64_t uid, uint64_t token) { on_start_timeout(uid, token); },
    [this](stop_timeout_atom, uint64_t uid, uint64_t gen) { on_stop_timeout(uid, gen); },
    [this](backoff_due_atom, uint64_t uid, uint64_t gen) { on_backoff_due(uid, gen); },
    // -- introspection ----------------------------------------------------------
    [this](which_atom) {
      std::vector<child_info> out;
      out.reserve(children_.size());
      for (auto& c : children_)
        out.push_back(child_info{c->spec.id,
                                 c->state == child_state::running
                                     || c->state == child_state::starting
                                   ? c->hdl
                                   : caf::actor{},
                                 status_of(*c), c->spec.type});
      return out;
    },
    [this](count_atom) {
      child_counts out;
      out.specs = children_.size();
      for (auto& c : children_) {
        if (c->state == child_state::running)
          ++out.active;
        if (c->spec.type == child_type::supervisor)
          ++out.supervisors;
        else
          ++out.workers;
      }
      return out;
    },
    [this](get_spec_atom, const std::string& id) -> caf::result<child_spec> {
      if (auto c = find(id))
        return c->spec;
      if (template_ && template_->id == id)
        return *template_;
      return not_found(id);
    },
    // -- changing the children --------------------------------------------------
    [this](start_child_atom, child_spec& spec) -> caf::result<caf::actor, std::string> {
      if (shutting_down_)
        return make_error(errc::shutting_down, "supervisor '" + opts_.name
                                                 + "' is shutting down");
      if (template_)
        return make_error(errc::wrong_strategy,
                          "supervisor '" + opts_.name
                            + "' is simple_one_for_one: call start_child with start "
                              "arguments (a caf::message), not a child_spec");
      if (auto err = check_child_spec(spec, opts_.flags.auto_shutdown))
        return err;
      if (auto c = find(spec.id))
        return make_error(errc::already_present,
                          "child '" + spec.id + "' exists already ("
                            + (c->hdl ? "running" : "not running")
                            + "); use restart_child, or delete_child first");
      auto rec = std::make_unique<child_record>();
      rec->uid = next_uid_++;
      rec->spec = with_defaults(std::move(spec));
      auto uid = rec->uid;
      children_.emplace_back(std::move(rec));
      auto rp = make_response_promise<caf::actor, std::string>();
      queue_steps({{true, uid}}, [this, rp, uid](caf::error err, uint64_t) mutable {
        auto c = find(uid);
        if (err || c == nullptr || !c->hdl) {
          remove(uid); // OTP keeps no spec of a child that failed to start
          rp.deliver(err ? err : make_error(errc::start_failed, "child stopped during start"));
          return;
        }
        rp.deliver(c->hdl, c->spec.id);
      });
      pump();
      return rp;
    },
    [this](start_child_atom, caf::message& args) -> caf::result<caf::actor, std::string> {
      if (shutting_down_)
        return make_error(errc::shutting_down, "supervisor '" + opts_.name
                                                 + "' is shutting down");
      if (!template_)
        return make_error(errc::wrong_strategy,
                          "supervisor '" + opts_.name
                            + "' is not simple_one_for_one: call start_child with a "
                              "child_spec");
      auto rec = std::make_unique<child_record>();
      rec->uid = next_uid_++;
      rec->spec = *template_;
      rec->spec.id = template_->id + "#" + std::to_string(next_dynamic_++);
      rec->dynamic = true;
      rec->args = std::move(args);
      auto& c = *rec;
      auto uid = rec->uid;
      children_.emplace_back(std::move(rec));
      auto rp = make_response_promise<caf::actor, std::string>();
      // Dynamic children start in parallel: no op, just the handshake.
      begin_start(c, [this, rp, uid](caf::error err) mutable {
        auto r = find(uid);
        if (err || r == nullptr || !r->hdl) {
          if (r != nullptr && !r->hdl)
            remove(uid);
          rp.deliver(err ? err : make_error(errc::start_failed, "child stopped during start"));
          return;
        }
        rp.deliver(r->hdl, r->spec.id);
      });
      return rp;
    },
    [this](terminate_child_atom, const std::string& id) -> caf::result<caf::unit_t> {
      auto c = find(id);
      if (c == nullptr)
        return not_found(id);
      auto uid = c->uid;
      auto rp = make_response_promise<caf::unit_t>();
      auto finish = [this, rp, uid]() mutable {
        if (auto r = find(uid)) {
          r->state = child_state::stopped;
          fail_parked(*r, make_error(errc::child_unavailable,
                                     "child '" + r->spec.id
                                       + "' was terminated; restart_child brings it back"));
          // OTP: temporary and dynamic children are forgotten when terminated.
          if (r->dynamic || r->spec.restart == restart_type::temporary)
            remove(uid);
        }
        rp.deliver(caf::unit);
      };
      if (c->dynamic) {
        begin_stop(*c, std::move(finish));
      } else {
        queue_steps({{false, uid}}, [finish](caf::error, uint64_t) mutable { finish(); });
        pump();
      }
      return rp;
    },
    [this](restart_child_atom, const std::string& id) -> caf::result<caf::actor> {
      if (template_)
        return make_error(errc::wrong_strategy,
                          "restart_child is not supported by simple_one_for_one (OTP's "
                          "rule); start a new child with start_child");
      auto c = find(id);
      if (c == nullptr)
        return not_found(id);
      if (c->state != child_state::stopped)
        return make_error(errc::child_running,
                          "child '" + id + "' is " + to_string(status_of(*c))
                            + "; terminate_child it first");
      auto uid = c->uid;
      auto rp = make_response_promise<caf::actor>();
      queue_steps({{true, uid}}, [this, rp, uid](caf::error err, uint64_t) mutable {
        auto r = find(uid);
        if (err || r == nullptr || !r->hdl) {
          rp.deliver(err ? err : make_error(errc::start_failed, "child stopped during start"));
          return;
        }
        rp.deliver(r->hdl);
      });
      pump();
      return rp;
    },
    [this](delete_child_atom, const std::string& id) -> caf::result<caf::unit_t> {
      if (template_)
        return make_error(errc::wrong_strategy,
                          "delete_child is not supported by simple_one_for_one (OTP's "
                          "rule); terminate_child removes a dynamic child");
      auto c = find(id);
      if (c == nullptr)
        return not_found(id);
      if (c->state != child_state::stopped)
        return make_error(errc::child_running,
                          "child '" + id + "' is " + to_string(status_of(*c))
                            + "; terminate_child it first");
      fail_parked(*c, make_error(errc::child_unavailable, "child '" + id + "' was deleted"));
      remove(c->uid);
      return caf::unit;
    },
    // -- child_ref -------------------------------------------------------------
    [this](forward_atom, const std::string& id, caf::message& msg) -> caf::response_promise {
      auto rp = make_response_promise();
      auto c = find(id);
      parked_message pm{rp, std::move(msg)};
      if (c == nullptr) {
        fail_back(pm, id, not_found(id));
      } else if (c->state == child_state::running) {
        pm.promise.delegate(c->hdl, std::move(pm.content));
      } else if (c->state == child_state::starting || c->state == child_state::restarting
                 || (c->state == child_state::stopping && c->will_restart)) {
        if (c->parked.size() < opts_.child_ref_queue)
          c->parked.emplace_back(std::move(pm));
        else
          fail_back(pm, id,
                    make_error(errc::child_unavailable,
                               "child '" + id + "' is restarting and "
                                 + std::to_string(opts_.child_ref_queue)
                                 + " messages wait already; retry later or raise "
                                   "child_ref_queue"));
      } else {
        fail_back(pm, id, make_error(errc::child_unavailable,
                                     "child '" + id + "' is " + to_string(status_of(*c))
                                       + "; restart_child brings it back"));
      }
      return rp;
    },
  };
}

void supervisor_actor::deliver_parked(child_record& c) {
  while (!c.parked.empty()) {
    auto pm = std::move(c.parked.front());
    c.parked.pop_front();
    pm.promise.delegate(c.hdl, std::move(pm.content));
  }
}

void supervisor_actor::fail_parked(child_record& c, const caf::error& reason) {
  while (!c.parked.empty()) {
    auto pm = std::move(c.parked.front());
    c.parked.pop_front();
    fail_back(pm, c.spec.id, reason);
  }
}

void supervisor_actor::fail_back(parked_message& pm, const std::string& id,
                                 const caf::error& reason) {
  if (!pm.promise.async()) {
    pm.promise.deliver(reason);
    return;
  }
  if (auto src = caf::actor_cast<caf::actor>(pm.promise.source())) {
    send(src, unavailable_atom::value, id, reason, std::move(pm.content));
    return;
  }
  log_->warn("supervisor '{}': message for child '{}' from an anonymous sender could not be "
             "delivered ({}); send with a sender to get it back",
             opts_.name, id, describe(reason));
}

} // namespace keel::supervision::detail
