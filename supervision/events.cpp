#include "supervision/events.hpp"

#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <vector>

namespace keel::supervision {

const char* to_string(event_type x) {
  switch (x) {
    case event_type::child_started: return "child_started";
    case event_type::child_exited: return "child_exited";
    case event_type::child_restarting: return "child_restarting";
    case event_type::child_start_failed: return "child_start_failed";
    case event_type::gave_up: return "gave_up";
    case event_type::shutting_down: return "shutting_down";
    case event_type::supervisor_ready: return "supervisor_ready";
  }
  return "unknown";
}

std::string to_string(const event& ev) {
  std::string out = ev.supervisor;
  if (!ev.child.empty())
    out += "/" + ev.child;
  out += " ";
  out += to_string(ev.type);
  if (ev.type == event_type::child_restarting)
    out += " in " + std::to_string(ev.delay.count()) + " ms";
  if (ev.reason)
    out += " (" + describe(ev.reason) + ")";
  return out;
}

namespace {

struct bus_state {
  std::vector<caf::actor> subscribers;
  static inline const char* name = "keel.event_bus";
};

caf::behavior event_bus(caf::stateful_actor<bus_state>* self,
                        std::vector<caf::actor> initial) {
  for (auto& who : initial) {
    if (!who)
      continue;
    self->monitor(who);
    self->state.subscribers.emplace_back(std::move(who));
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& s) { return s.address() == dm.source; }),
               subs.end());
  });
  return {
    [self](subscribe_atom, caf::actor& who) {
      if (!who)
        return caf::unit;
      self->monitor(who);
      self->state.subscribers.emplace_back(std::move(who));
      return caf::unit;
    },
    [self](unsubscribe_atom, const caf::actor& who) {
      auto& subs = self->state.subscribers;
      auto i = std::find(subs.begin(), subs.end(), who);
      if (i != subs.end()) {
        self->demonitor(who);
        subs.erase(i);
      }
      return caf::unit;
    },
    [self](const event& ev) {
      for (auto& s : self->state.subscribers)
        self->send(s, ev);
    },
  };
}

} // namespace

caf::actor spawn_event_bus(caf::actor_system& sys, std::vector<caf::actor> subscribers) {
  return sys.spawn(event_bus, std::move(subscribers));
}

} // namespace keel::supervision
