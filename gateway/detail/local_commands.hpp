// keel::gateway::detail local commands: what the gateway answers itself, without the backend
// (internal; sessions call it, tests drive it directly).
//
// PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT (client_command.hpp), COMMAND
// [COUNT|DOCS|INFO|HELP], CONFIG GET|HELP, INFO, UNWATCH, PUBLISH and PUBSUB (pubsub.hpp; the
// session answers SUBSCRIBE and the like itself). Every other command goes to the
// backend, unless the client must still authenticate (then it is answered NOAUTH). Texts follow
// redis-server 7.
#pragma once

#include "gateway/backend.hpp"
#include "gateway/command.hpp"
#include "gateway/counters.hpp"
#include "gateway/options.hpp"
#include "gateway/reply.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keel::gateway::detail {

class pubsub_hub;

/// What the gateway knows of one connection.
struct client_state {
  uint64_t id = 0;            ///< CLIENT ID
  std::string name;           ///< CLIENT SETNAME
  bool authenticated = false; ///< AUTH done, or no password configured
  std::string lib_name;       ///< CLIENT SETINFO LIB-NAME
  std::string lib_ver;        ///< CLIENT SETINFO LIB-VER
};

/// What CLIENT LIST, CLIENT INFO and CLIENT KILL see of one connection.
struct client_info {
  uint64_t id = 0;
  std::string addr;    ///< the client's end, ip:port ([ip]:port for IPv6)
  std::string laddr;   ///< the server's end
  int fd = -1;
  std::string name;
  int64_t age_s = 0;   ///< since the connection was accepted
  int64_t idle_s = 0;  ///< since it last sent anything
  int64_t multi = -1;  ///< commands queued in MULTI; -1 outside a block
  size_t sub = 0;      ///< channels subscribed to
  size_t psub = 0;     ///< patterns subscribed to
  size_t qbuf = 0;     ///< bytes read and not parsed yet
  size_t omem = 0;     ///< reply bytes not written yet
  std::string cmd;     ///< the last command's name, lower case
  std::string lib_name;
  std::string lib_ver;
};

/// The server's open connections, for CLIENT LIST and CLIENT KILL (I/O thread only).
class client_registry {
public:
  virtual ~client_registry() = default;

  /// Every open connection, the caller's own included, in no particular order.
  [[nodiscard]] virtual std::vector<client_info> clients() const = 0;

  /// Connection `id`, or nullopt. The default looks through clients().
  [[nodiscard]] virtual std::optional<client_info> find(uint64_t id) const;

  /// Closes connection `id` at once (replies not yet written are dropped); false when there is
  /// none. Never called for the caller's own connection.
  virtual bool kill(uint64_t id) = 0;
};

/// What local commands may read of the server; references outlive the call.
struct server_view {
  const options& opts;
  uint16_t port;                                 ///< the bound port (INFO, CONFIG GET port)
  std::chrono::steady_clock::time_point started; ///< for uptime
  counters numbers;                              ///< a snapshot for INFO
  const backend& store;                          ///< stats() for INFO keyspace
  client_registry* clients = nullptr; ///< CLIENT LIST/KILL; without it only the caller is seen
  pubsub_hub* hub = nullptr; ///< PUBLISH and PUBSUB; without it they are unknown commands
};

/// What to do with one command.
enum class disposition : uint8_t {
  to_backend,      ///< not a local command: hand it to the backend
  answered,        ///< `answer` is the reply
  answered_close,  ///< send `answer`, then close the connection (QUIT)
  close_silently,  ///< close the connection without a reply (SHUTDOWN)
};

struct local_result {
  disposition what = disposition::to_backend;
  reply answer = reply::null();
};

/// A HELP reply: `lines` as status replies, as Redis' addReplyHelp.
[[nodiscard]] reply help_lines(std::initializer_list<const char*> lines);

/// Handles `cmd` if it is local (or must be refused before AUTH); may change `client`.
/// @pre !cmd.empty()
[[nodiscard]] local_result handle_local(const command& cmd, client_state& client,
                                        const server_view& srv);

/// True when `cmd` is answered by the gateway (not the backend) for an authenticated client.
[[nodiscard]] bool is_local(const command& cmd);

} // namespace keel::gateway::detail
