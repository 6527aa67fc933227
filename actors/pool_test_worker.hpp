// Test helpers for the pool, breaker and port tests (not installed, not for users).
//
// A scriptable in-process pool worker: it tells an observer when it was spawned, can wait for
// a go message before it reports ready, answers ints with their double and strings with
// "done", and holds the first "hold-once" request it sees (telling the observer) so that a
// test can kill it mid-request.
#pragma once

#include "actors/pool_atoms.hpp"
#include "supervision/spec.hpp"
#include "supervision/start_context.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace keel::actors::test {

/// `(spawned_atom, std::string child_id, caf::actor worker)`: a worker began its init.
using spawned_atom = caf::atom_constant<caf::atom("tspawned")>;
/// `(go_atom)`: a worker that waits reports ready now.
using go_atom = caf::atom_constant<caf::atom("tgo")>;
/// `(held_atom, caf::actor worker)`: a worker holds a request and will not answer it.
/// `(error_atom, caf::error)`: what relay forwards for an error reply (a bare caf::error would
/// be taken for a system error message by the receiving actor).
using error_atom = caf::atom_constant<caf::atom("terror")>;
using held_atom = caf::atom_constant<caf::atom("theld")>;

struct worker_options {
  caf::actor observer;
  bool wait_for_go = false;
  /// Shared by every worker of a test: the first "hold-once" request is held.
  std::shared_ptr<std::atomic<bool>> held = std::make_shared<std::atomic<bool>>(false);
};

inline supervision::start_fn test_worker(worker_options o) {
  return [o](const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    // ctx travels as a spawn argument: CAF 0.17's spawn of an argument-less function actor
    // trips UBSan (init_fun_factory binds a reference to a null tuple).
    auto fun = [o](caf::event_based_actor* self, supervision::start_context ctx) -> caf::behavior {
      if (o.observer)
        self->send(o.observer, spawned_atom::value, ctx.child_id(),
                   caf::actor_cast<caf::actor>(self));
      if (!o.wait_for_go)
        ctx.ready();
      auto parked = std::make_shared<std::vector<caf::response_promise>>();
      return {
        [ctx](go_atom) { ctx.ready(); },
        [self, o, parked](call_atom, caf::message& m) -> caf::result<reply_atom, caf::message> {
          if (m.match_elements<int>())
            return {reply_atom::value, caf::make_message(m.get_as<int>(0) * 2)};
          if (m.match_elements<std::string>() && m.get_as<std::string>(0) == "hold-once"
              && !o.held->exchange(true)) {
            parked->push_back(self->make_response_promise());
            if (o.observer)
              self->send(o.observer, held_atom::value, caf::actor_cast<caf::actor>(self));
            return caf::delegated<reply_atom, caf::message>{};
          }
          return {reply_atom::value, caf::make_message(std::string{"done"})};
        },
      };
    };
    return ctx.system().spawn(fun, ctx);
  };
}

/// examples/workers/echo_worker in the build directory (KEEL_BUILD_ROOT under `meson test`,
/// else beside the test binary, which sits at the top of the build directory); empty when the
/// build directory is unknown. The file may be missing: build it first.
inline std::string echo_worker_path() {
  std::string root;
  if (auto env = std::getenv("KEEL_BUILD_ROOT")) {
    root = env;
  } else {
    char buf[4096];
    auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
      return {};
    root.assign(buf, static_cast<size_t>(n));
    root = root.substr(0, root.find_last_of('/'));
  }
  return root + "/examples/workers/echo_worker";
}

/// A client for tests: `(call_atom, target, req)` and `(checkout_atom, target)` are sent to
/// `target` as requests (CAF 0.17 drops error replies to asynchronous messages, so a probe
/// cannot ask by itself); replies and `(error_atom, err)` are forwarded to `to` as they come.
inline caf::behavior relay(caf::event_based_actor* self, caf::actor to) {
  auto timeout = std::chrono::seconds{86400};
  return {
    [=](call_atom, caf::actor& target, caf::message& req) {
      self->request(target, timeout, call_atom::value, std::move(req))
        .then([=](reply_atom, caf::message& rep) { self->send(to, reply_atom::value, rep); },
              [=](caf::error& err) { self->send(to, error_atom::value, err); });
    },
    [=](checkout_atom, caf::actor& target) {
      self->request(target, timeout, checkout_atom::value)
        .then([=](caf::actor& w, uint64_t lease) { self->send(to, w, lease); },
              [=](caf::error& err) { self->send(to, error_atom::value, err); });
    },
  };
}

} // namespace keel::actors::test
