#include "runtime/metrics_subscriber.hpp"

#include "supervision/atoms.hpp"
#include "supervision/events.hpp"

#include <caf/all.hpp>

namespace keel::runtime {

void record_event(metrics_registry& reg, const supervision::event& ev) {
  using supervision::event_type;
  metric_labels child{{"supervisor", ev.supervisor}, {"child", ev.child}};
  switch (ev.type) {
  case event_type::child_started:
    reg.counter("keel_supervisor_child_starts_total", "Children started (first start or restart).",
                child)
        .inc();
    break;
  case event_type::child_exited:
    reg.counter("keel_supervisor_child_exits_total",
                "Children that went down (crash or deliberate stop).", child)
        .inc();
    break;
  case event_type::child_restarting:
    reg.counter("keel_supervisor_restarts_total", "Restarts scheduled by a supervisor.", child)
        .inc();
    break;
  case event_type::child_start_failed:
    reg.counter("keel_supervisor_start_failures_total", "Child start attempts that failed.", child)
        .inc();
    break;
  case event_type::gave_up:
    reg.counter("keel_supervisor_gave_up_total",
                "Supervisors that exceeded their restart intensity and gave up.",
                {{"supervisor", ev.supervisor}})
        .inc();
    break;
  case event_type::shutting_down:
  case event_type::supervisor_ready:
    break;
  }
}

namespace {

caf::behavior metrics_subscriber(caf::event_based_actor* self, metrics_registry* reg,
                                 caf::actor bus) {
  if (bus) {
    self->monitor(bus);
    self->set_down_handler([self, addr = bus.address()](caf::down_msg& dm) {
      if (dm.source == addr)
        self->quit();
    });
  }
  return {
      [reg](const supervision::event& ev) { record_event(*reg, ev); },
      [](caf::get_atom) { return caf::unit; },
      []() {}, // an empty reply (caf::unit) to a subscription sent on the actor's behalf
  };
}

} // namespace

caf::actor spawn_metrics_subscriber(caf::actor_system& sys, metrics_registry& reg,
                                    const caf::actor& bus) {
  auto hdl = sys.spawn(metrics_subscriber, &reg, bus);
  // Subscribed from here, not from the actor's init: the subscription is in the bus's mailbox
  // when this function returns, so no event published afterwards can be missed.
  if (bus)
    caf::anon_send(bus, supervision::subscribe_atom::value, hdl);
  return hdl;
}

} // namespace keel::runtime
