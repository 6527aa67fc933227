// keel::actors::port: an external program as a supervised, callable worker ("port", as Erlang).
//
// A port actor starts a program (argv, extra environment) in its own process group with
// pipes on stdin, stdout and stderr, and speaks the callable protocol of pool_atoms.hpp:
//
//   (call_atom, caf::message{std::string request}) -> (reply_atom, caf::message{std::string})
//
// so it can be a pool worker (port_worker() is a start_fn) or stand behind a breaker.
//
// Wire format: length-prefixed frames in both directions, one frame =
//   uint32 length (big endian, counts the type byte and the payload, at most 64 MiB)
//   uint8  type
//   bytes  payload
// Types: 'R' ready (worker -> port, payload ignored: the init handshake; the port reports
// ready to its supervisor only then), 'Q' request (port -> worker), 'A' answer and 'E' error
// answer (worker -> port, one per request, in order), 'P' ping (port -> worker, empty) and
// 'O' pong (worker -> port). examples/workers/echo_worker.cpp is a complete worker.
//
// One request is at the worker at a time; later ones queue in the port. A request that gets no
// answer within `request_timeout` fails with pool_errc::request_timeout, and the port kills the
// worker and exits with that error, so its supervisor restarts it. While idle the port pings
// every `health_interval` and treats a missing pong (within request_timeout) the same way. A
// worker that exits or closes stdout makes the port exit with pool_errc::port_failed; the
// requests it held or queued fail with pool_errc::worker_died, which a pool treats like the
// death of an in-process worker (retry once, or fail back). Lines the
// worker writes to stderr are logged one by one (spdlog logger `keel.actors`, level info).
//
// Shutdown: however the port ends, it kills the whole process group (SIGKILL to -pgid), reaps
// the worker (waitpid) and joins its reader thread, in on_exit: no zombies, no orphans (unless
// a grandchild left the group with setsid). The blocking pipe reads happen in that one thread,
// which the port owns; writes to stdin are done by the actor (frames are small).
//
// Thread-safety: an actor; talk to it by message only.
#pragma once

#include "actors/pool_atoms.hpp"
#include "actors/pool_errc.hpp"
#include "config/node_config.hpp"
#include "supervision/spec.hpp"
#include "supervision/start_context.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace keel::actors {

/// What a port runs and how it watches it.
struct port_options {
  /// Name in logs and errors (default: the program's file name).
  std::string name;
  /// Program (a path) and its arguments. @pre not empty.
  std::vector<std::string> argv;
  /// Added to (or replacing in) the environment of the keel process.
  std::map<std::string, std::string> env;
  /// How long the worker may take to answer one request (and a ping).
  std::chrono::milliseconds request_timeout{5000};
  /// Ping interval while idle (0 = no pings).
  std::chrono::milliseconds health_interval{1000};
};

/// Spawns a port: it starts the program and calls ctx.ready() on the worker's 'R' frame, or
/// ctx.fail(err) (and exits) when the program cannot start. Returns at once.
[[nodiscard]] caf::actor spawn_port(caf::actor_system& sys, port_options opts,
                                    const supervision::start_context& ctx);

/// A start_fn that spawns ports with `opts`: the worker factory of a process pool.
[[nodiscard]] supervision::start_fn port_worker(port_options opts);

/// The port options of a `kind: process` pool entry (command, env, request_timeout_ms,
/// health_interval_ms).
[[nodiscard]] port_options port_options_from(const config::pool_config& cfg);

} // namespace keel::actors
