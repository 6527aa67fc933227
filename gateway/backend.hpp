// keel::gateway::backend: what executes the key-value commands the gateway does not answer
// itself. The durable KV shards implement it (through the router's messages); memory_backend
// stands in for tests and benchmarks.
//
// Contract: execute() receives, as ONE batch, the commands that the connections read in one
// turn of the gateway's I/O loop sent (each connection's pipeline in order and contiguous), and
// must call `done` exactly once with exactly one reply per command, in the same order. It may call `done` from any thread, synchronously or later; the gateway moves
// the replies back to the connection's thread. It must not throw and must not block for long:
// the gateway's I/O thread calls it. Commands are never empty; names arrive as the client sent
// them (any case). A command the backend does not know gets standard_replies' unknown_command.
// A MULTI ... EXEC block arrives as ONE command, EXEC n words... (transaction_command in
// command.hpp); the backend runs its commands with nothing in between and answers one array
// (one reply per command), or one error when it cannot run them as a unit.
// The gateway keeps at most one batch per connection in flight, so a backend sees a
// connection's batches in order. The gateway's stop() waits until every `done` has been called.
//
// stats() feeds INFO and CONFIG GET; it is called on the I/O thread and must be cheap and
// thread-safe (return cached numbers rather than ask shards).
#pragma once

#include "gateway/command.hpp"
#include "gateway/reply.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace keel::gateway {

/// What a backend tells INFO about itself.
struct backend_stats {
  uint64_t keys = 0;         ///< keys in db 0 (INFO keyspace)
  uint64_t expires = 0;      ///< keys with a time to live
  uint64_t used_memory = 0;  ///< bytes the data takes, approximately (INFO memory)
  uint64_t maxmemory = 0;    ///< the limit on used_memory; 0: none (INFO memory, CONFIG GET)
  std::string maxmemory_policy = "noeviction"; ///< what happens over it, in Redis' words
  uint64_t evicted_keys = 0; ///< keys deleted over maxmemory (INFO stats)
  uint64_t expired_keys = 0; ///< keys deleted because their time to live ran out (INFO stats)
  bool durable = false;      ///< writes survive a crash (INFO persistence, CONFIG GET appendonly)
  bool saving = false;       ///< a SAVE or BGSAVE is running (INFO persistence)
  int64_t last_save = 0;     ///< Unix time of the last successful SAVE or BGSAVE (LASTSAVE)
  bool last_save_ok = true;  ///< the last SAVE or BGSAVE succeeded
  uint64_t changes_since_save = 0; ///< writes since the last SAVE or BGSAVE began
};

class backend {
public:
  /// Called with one reply per command of the batch, in order.
  using done_handler = std::function<void(std::vector<reply>)>;

  virtual ~backend();

  /// Executes `batch` (one connection's pipelined commands, in order) and calls `done` once
  /// with one reply each (see the header comment for the full contract).
  virtual void execute(std::vector<command> batch, done_handler done) = 0;

  /// Numbers for INFO; cheap, thread-safe, non-blocking.
  [[nodiscard]] virtual backend_stats stats() const = 0;
};

} // namespace keel::gateway
