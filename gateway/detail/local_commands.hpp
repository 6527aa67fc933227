// keel::gateway::detail local commands: what the gateway answers itself, without the backend
// (internal; sessions call it, tests drive it directly).
//
// PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT SETNAME/GETNAME/ID, COMMAND [COUNT|DOCS|INFO],
// CONFIG GET, INFO and UNWATCH. Every other command goes to the backend, unless the client must still
// authenticate (then it is answered NOAUTH). Texts follow redis-server 7.
#pragma once

#include "gateway/backend.hpp"
#include "gateway/command.hpp"
#include "gateway/counters.hpp"
#include "gateway/options.hpp"
#include "gateway/reply.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace keel::gateway::detail {

/// What the gateway knows of one connection.
struct client_state {
  uint64_t id = 0;            ///< CLIENT ID
  std::string name;           ///< CLIENT SETNAME
  bool authenticated = false; ///< AUTH done, or no password configured
};

/// What local commands may read of the server; references outlive the call.
struct server_view {
  const options& opts;
  uint16_t port;                                 ///< the bound port (INFO, CONFIG GET port)
  std::chrono::steady_clock::time_point started; ///< for uptime
  counters numbers;                              ///< a snapshot for INFO
  const backend& store;                          ///< stats() for INFO keyspace
};

/// What to do with one command.
enum class disposition : uint8_t {
  to_backend,      ///< not a local command: hand it to the backend
  answered,        ///< `answer` is the reply
  answered_close,  ///< send `answer`, then close the connection (QUIT)
};

struct local_result {
  disposition what = disposition::to_backend;
  reply answer = reply::null();
};

/// Handles `cmd` if it is local (or must be refused before AUTH); may change `client`.
/// @pre !cmd.empty()
[[nodiscard]] local_result handle_local(const command& cmd, client_state& client,
                                        const server_view& srv);

/// True when `cmd` is answered by the gateway (not the backend) for an authenticated client.
[[nodiscard]] bool is_local(const command& cmd);

} // namespace keel::gateway::detail
