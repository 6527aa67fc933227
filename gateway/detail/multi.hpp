// keel::gateway::detail multi: MULTI, EXEC, DISCARD and the queue of a transaction, per
// connection (internal).
//
// As redis-server 7: MULTI opens a block; every command after it is checked (known command,
// arity) and queued (+QUEUED), or answered with the error and the block marked failed; EXEC
// then answers EXECABORT instead of running it. MULTI inside a block and WATCH inside a block
// are refused without failing it; QUIT still quits at once. WATCH (outside a block) goes to the
// backend, which answers a version per key; the session keeps them and EXEC sends them along
// (a first WATCHED command in the transaction), so that the backend runs the block only if no
// watched key changed and answers nil otherwise. EXEC, DISCARD and UNWATCH forget the watched
// keys. At EXEC the session
// answers the queued local commands itself (PING, CLIENT SETNAME, ...) and sends the others to
// the backend as one transaction command (transaction_command), splicing the replies back into
// one array in queue order.
#pragma once

#include "gateway/command.hpp"
#include "gateway/reply.hpp"

#include <string>
#include <utility>
#include <vector>

namespace keel::gateway::detail {

/// A connection's transaction state.
struct multi_state {
  bool open = false;           ///< inside MULTI
  bool failed = false;         ///< a queued command was refused: EXEC aborts
  std::vector<command> queued; ///< the block's commands, in order
  std::vector<std::pair<std::string, std::string>> watched; ///< key, version at WATCH

  /// Closes the block and forgets the watched keys.
  void reset() { *this = multi_state{}; }
};

/// What filter() did with a command.
enum class multi_step : uint8_t {
  pass,     ///< not the transaction's business: handle it as usual
  answered, ///< `answer` is the reply (QUEUED, an error, OK for MULTI or DISCARD)
  exec,     ///< run `queued` now (the state is reset); answer one array, or nil
  watch,    ///< ask the backend for the versions of the keys of `cmd`; answer OK
};

struct multi_result {
  multi_step what = multi_step::pass;
  reply answer = reply::null();
  std::vector<command> queued; ///< exec: the block's commands
  std::vector<std::pair<std::string, std::string>> watched; ///< exec: the watched keys
};

/// Adds the versions a backend answered to WATCH `keys` (a key watched already keeps its
/// first version); false when `versions` is not one bulk string per key.
[[nodiscard]] bool add_watched(multi_state& st, const std::vector<std::string>& keys,
                               const reply& versions);

/// Handles MULTI/EXEC/DISCARD/WATCH/UNWATCH and, inside a block, queues `cmd`. Called for
/// every command of an authenticated client. @pre !cmd.empty()
[[nodiscard]] multi_result multi_filter(command& cmd, multi_state& st);

} // namespace keel::gateway::detail
