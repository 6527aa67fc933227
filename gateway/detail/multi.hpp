// keel::gateway::detail multi: MULTI, EXEC, DISCARD and the queue of a transaction, per
// connection (internal).
//
// As redis-server 7: MULTI opens a block; every command after it is checked (known command,
// arity) and queued (+QUEUED), or answered with the error and the block marked failed; EXEC
// then answers EXECABORT instead of running it. MULTI inside a block and WATCH inside a block
// are refused without failing it; QUIT still quits at once. WATCH is refused (a transaction runs
// whole in one shard, so there is nothing to watch for), UNWATCH answers OK. At EXEC the session
// answers the queued local commands itself (PING, CLIENT SETNAME, ...) and sends the others to
// the backend as one transaction command (transaction_command), splicing the replies back into
// one array in queue order.
#pragma once

#include "gateway/command.hpp"
#include "gateway/reply.hpp"

#include <vector>

namespace keel::gateway::detail {

/// A connection's transaction state.
struct multi_state {
  bool open = false;           ///< inside MULTI
  bool failed = false;         ///< a queued command was refused: EXEC aborts
  std::vector<command> queued; ///< the block's commands, in order
};

/// What filter() did with a command.
enum class multi_step : uint8_t {
  pass,     ///< not the transaction's business: handle it as usual
  answered, ///< `answer` is the reply (QUEUED, an error, OK for MULTI or DISCARD)
  exec,     ///< run `queued` now (the state is closed); answer one array
};

struct multi_result {
  multi_step what = multi_step::pass;
  reply answer = reply::null();
  std::vector<command> queued; ///< exec: the block's commands
};

/// Handles MULTI/EXEC/DISCARD/WATCH/UNWATCH and, inside a block, queues `cmd`. Called for
/// every command of an authenticated client. @pre !cmd.empty()
[[nodiscard]] multi_result multi_filter(command& cmd, multi_state& st);

} // namespace keel::gateway::detail
