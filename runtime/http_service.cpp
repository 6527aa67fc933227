#include "runtime/http_service.hpp"

#include "runtime/http_server.hpp"
#include "runtime/logging.hpp"
#include "supervision/atoms.hpp"
#include "supervision/errc.hpp"
#include "supervision/events.hpp"
#include "supervision/start_context.hpp"

#include <caf/all.hpp>

#include <map>
#include <mutex>

namespace keel::runtime {

namespace {

/// Which components are down, from the event stream; read by /healthz on the HTTP thread.
class health_state {
public:
  void on_event(const supervision::event& ev) {
    using supervision::event_type;
    if (ev.supervisor != "shards" && ev.supervisor != "root")
      return;
    auto name = ev.supervisor == "shards" ? ev.child : "service " + ev.child;
    std::lock_guard<std::mutex> guard{mtx_};
    switch (ev.type) {
      case event_type::child_started:
        down_.erase(name);
        break;
      case event_type::child_exited:
        down_[name] = "down (" + supervision::describe(ev.reason) + ")";
        break;
      case event_type::child_restarting:
        down_[name] = "restarting in " + std::to_string(ev.delay.count()) + " ms";
        break;
      case event_type::child_start_failed:
        down_[name] = "failed to start (" + supervision::describe(ev.reason) + ")";
        break;
      default:
        break;
    }
  }

  health_report report() const {
    health_report rep;
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [name, why] : down_)
      rep.failing.push_back(name + ": " + why);
    rep.ok = rep.failing.empty();
    return rep;
  }

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::string> down_;
};

struct service_state {
  std::shared_ptr<health_state> health = std::make_shared<health_state>();
  std::unique_ptr<http_server> server;

  void stop() {
    if (server) {
      server->stop();
      server.reset();
    }
  }
};

caf::behavior http_service(caf::event_based_actor* self, http_options opts,
                           const metrics_registry* registry, caf::actor bus,
                           supervision::start_context ctx) {
  auto log = logger("keel.runtime");
  auto st = std::make_shared<service_state>();
  auto health = st->health;
  st->server = std::make_unique<http_server>(
    *registry, [health] { return health->report(); }, opts);
  auto port = st->server->start();
  if (!port) {
    log->error("http cannot listen on {}:{}: {}", opts.address, opts.port,
               self->system().render(port.error()));
    st->server.reset();
    ctx.fail(port.error());
    self->quit(port.error());
    return {};
  }
  log->info("http listening on {}:{} (/metrics, /healthz)", opts.address, *port);
  self->attach_functor([st] { st->stop(); });
  self->set_exit_handler([self, st](caf::exit_msg& msg) {
    st->stop();
    self->quit(msg.reason);
  });
  // Ready once subscribed, so every later component event is seen.
  self->request(bus, std::chrono::seconds{5}, supervision::subscribe_atom::value,
                caf::actor{self})
    .then([ctx]() { ctx.ready(); },
          [self, ctx](caf::error& err) {
            ctx.fail(err);
            self->quit(err);
          });
  return {
    [health](const supervision::event& ev) { health->on_event(ev); },
  };
}

} // namespace

supervision::child_spec http_child(const config::http_section& section,
                                   const metrics_registry& registry, caf::actor bus) {
  http_options opts;
  opts.address = section.bind;
  opts.port = section.port;
  supervision::child_spec spec;
  spec.id = "http";
  spec.start = [opts, reg = &registry, bus](const supervision::start_context& ctx)
    -> caf::expected<caf::actor> {
    return ctx.system().spawn<caf::detached>(http_service, opts, reg, bus, ctx);
  };
  return spec;
}

} // namespace keel::runtime
