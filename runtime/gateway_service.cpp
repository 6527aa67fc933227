#include "runtime/gateway_service.hpp"

#include "gateway/server.hpp"
#include "runtime/logging.hpp"
#include "supervision/start_context.hpp"

#include <caf/all.hpp>

namespace keel::runtime {

namespace {

gateway::options to_options(const config::gateway_section& s) {
  gateway::options opts;
  opts.bind = s.bind;
  opts.port = s.port;
  opts.password = s.password;
  opts.max_clients = s.max_clients;
  opts.max_bulk_bytes = s.max_bulk_bytes;
  opts.max_array_len = s.max_array_len;
  opts.idle_timeout = std::chrono::seconds{s.idle_timeout_s};
  opts.output_buffer_limit_bytes = s.output_buffer_limit_bytes;
  return opts;
}

/// What the service actor owns; the server goes before the backend it refers to.
struct service_state {
  std::shared_ptr<gateway::backend> backend;
  std::unique_ptr<gateway::server> server;

  void stop() {
    if (server) {
      server->stop();
      server.reset();
    }
  }
};

using publish_atom = caf::atom_constant<caf::atom("gw_publish")>;

/// The server's numbers as metrics; counters advance by what the server counted since.
class gateway_metrics {
public:
  explicit gateway_metrics(metrics_registry& reg)
    : clients_(reg.gauge("keel_gateway_clients", "Connected RESP clients.")),
      connections_(reg.counter("keel_gateway_connections_total",
                               "RESP connections accepted (refused ones included).")),
      rejected_(reg.counter("keel_gateway_rejected_total",
                            "RESP connections refused at max_clients.")),
      commands_(reg.counter("keel_gateway_commands_total", "RESP commands answered.")),
      protocol_errors_(reg.counter("keel_gateway_protocol_errors_total",
                                   "RESP connections closed for malformed input.")) {
    // nop
  }

  void publish(const gateway::counters& now) {
    clients_.set(static_cast<int64_t>(now.connected_clients));
    advance(connections_, now.total_connections, last_.total_connections);
    advance(rejected_, now.rejected_connections, last_.rejected_connections);
    advance(commands_, now.total_commands, last_.total_commands);
    advance(protocol_errors_, now.protocol_errors, last_.protocol_errors);
    last_ = now;
  }

private:
  static void advance(counter& c, uint64_t now, uint64_t before) {
    if (now > before)
      c.inc(now - before);
  }

  gauge& clients_;
  counter& connections_;
  counter& rejected_;
  counter& commands_;
  counter& protocol_errors_;
  gateway::counters last_;
};

caf::behavior gateway_service(caf::event_based_actor* self, gateway::options opts,
                              backend_factory make_backend, supervision::start_context ctx,
                              metrics_registry* registry) {
  auto log = logger("keel.gateway");
  auto st = std::make_shared<service_state>();
  st->backend = make_backend(self->system());
  st->server = std::make_unique<gateway::server>(opts, *st->backend);
  auto port = st->server->start();
  if (!port) {
    log->error("gateway cannot listen on {}:{}: {}; free the port or set gateway.port",
               opts.bind, opts.port, self->system().render(port.error()));
    st->server.reset();
    ctx.fail(port.error());
    self->quit(port.error());
    return {};
  }
  log->info("gateway listening on {}:{}", opts.bind, *port);
  // Also when killed: never leave a listening socket or a running I/O thread behind.
  self->attach_functor([st] { st->stop(); });
  self->set_exit_handler([self, st, log](caf::exit_msg& msg) {
    log->info("gateway stopping: no new clients, finishing commands in flight");
    st->stop();
    self->quit(msg.reason);
  });
  ctx.ready();
  std::shared_ptr<gateway_metrics> metrics;
  if (registry != nullptr) {
    metrics = std::make_shared<gateway_metrics>(*registry);
    self->send(self, publish_atom::value);
  }
  return {
    [](caf::get_atom) { return caf::unit; },
    [self, st, metrics](publish_atom) {
      if (!metrics || !st->server)
        return;
      metrics->publish(st->server->numbers());
      self->delayed_send(self, std::chrono::seconds{1}, publish_atom::value);
    },
  };
}

} // namespace

supervision::child_spec gateway_child(const config::gateway_section& section,
                                      backend_factory make_backend, metrics_registry* registry,
                                      std::function<void(const std::string& who)> on_shutdown) {
  supervision::child_spec spec;
  spec.id = "gateway";
  auto opts = to_options(section);
  opts.on_shutdown = std::move(on_shutdown);
  spec.start = [opts, make_backend, registry](const supervision::start_context& ctx)
    -> caf::expected<caf::actor> {
    // Detached: the server's start and stop block (bind, join).
    return ctx.system().spawn<caf::detached>(gateway_service, opts, make_backend, ctx,
                                             registry);
  };
  return spec;
}

} // namespace keel::runtime
