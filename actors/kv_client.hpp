// keel::kv::client: the in-process client of keel's KV store, for applications.
//
// A client talks to a router (router.hpp), or, given the node's shard_directory, straight to
// the shard hosts while every shard has one (kv_direct.hpp: no router hop, and the callback
// form spawns nothing), falling back to the router while a shard restarts. Three ways to call:
//
//   - blocking (simple programs, tests, tools): get/set/del/incr/call/pipeline wait for the
//     reply up to the client's timeout. Do not call them from inside an actor.
//   - callback: async(cmd, cb) returns at once; cb runs later on a CAF worker thread with the
//     reply or the error (exactly once).
//   - CAF response, from inside an actor: `self->request(c.router(), t, kv_cmd_atom::value,
//     cmd)` -> kv_reply, or `kv_batch_atom` with a vector of commands -> std::vector<kv_reply>.
//
// Errors: a Redis error reply (wrong type, syntax, a shard that is unavailable) is a kv_reply
// of kind error; blocking helpers turn it into a caf::error of category keel_shard. A missing
// reply (router down, timeout) is CAF's error. Thread-safety: const methods, safe from several
// threads. Lifetime: the actor_system must outlive the client.
#pragma once

#include "actors/kv_command.hpp"
#include "actors/kv_direct.hpp"
#include "actors/kv_reply.hpp"
#include "actors/kv_shard.hpp"
#include "actors/shard_atoms.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keel::kv {

using actors::kv_command;
using actors::kv_reply;

class client {
public:
  /// A client of `router`. @pre `sys` outlives the client.
  client(caf::actor_system& sys, caf::actor router,
         std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});

  /// A client that sends straight to the hosts in `hosts` while every shard has one, else to
  /// `router`. @pre `sys` outlives the client.
  client(caf::actor_system& sys, caf::actor router, std::chrono::milliseconds timeout,
         std::shared_ptr<actors::shard_directory> hosts);

  // -- properties -------------------------------------------------------------

  [[nodiscard]] const caf::actor& router() const { return router_; }

  [[nodiscard]] std::chrono::milliseconds timeout() const { return timeout_; }

  // -- asynchronous -----------------------------------------------------------

  /// Sends `cmd`; `done` gets the reply (or the error) once, on a CAF thread.
  void async(kv_command cmd, std::function<void(caf::expected<kv_reply>)> done) const;

  /// Sends `cmds` as one batch; `done` gets the replies in order (or the error) once.
  void async_batch(std::vector<kv_command> cmds,
                   std::function<void(caf::expected<std::vector<kv_reply>>)> done) const;

  // -- blocking ---------------------------------------------------------------

  /// Runs `cmd` and returns its reply (error replies included).
  [[nodiscard]] caf::expected<kv_reply> call(kv_command cmd) const;

  /// Runs `cmds` as one batch; replies in order.
  [[nodiscard]] caf::expected<std::vector<kv_reply>> pipeline(std::vector<kv_command> cmds) const;

  /// GET: the value, or nullopt for a missing key.
  [[nodiscard]] caf::expected<std::optional<std::string>> get(const std::string& key) const;

  /// SET key value; durable when it returns without error (sync policy group).
  [[nodiscard]] caf::error set(const std::string& key, const std::string& value) const;

  /// DEL keys...: how many existed.
  [[nodiscard]] caf::expected<int64_t> del(const std::vector<std::string>& keys) const;

  /// INCRBY key by: the new value.
  [[nodiscard]] caf::expected<int64_t> incr(const std::string& key, int64_t by = 1) const;

private:
  using batch_done = std::function<void(caf::expected<std::vector<kv_reply>>)>;

  // Sends `cmds` straight to the hosts when there are hosts for every shard; false otherwise
  // (then `cmds` and `done` are untouched).
  bool direct(std::vector<kv_command>& cmds, const batch_done& done) const;

  caf::actor_system* sys_;
  caf::actor router_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<actors::shard_directory> hosts_;
};

} // namespace keel::kv
