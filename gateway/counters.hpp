// keel::gateway::counters: the gateway's numbers for metrics and INFO, one consistent-enough
// snapshot (each field read atomically, not all together). A value type.
#pragma once

#include <cstdint>

namespace keel::gateway {

struct counters {
  uint64_t connected_clients = 0;    ///< sessions open now
  uint64_t total_connections = 0;    ///< connections accepted since start (rejected included)
  uint64_t rejected_connections = 0; ///< refused at max_clients
  uint64_t total_commands = 0;       ///< commands parsed and answered or forwarded
  uint64_t protocol_errors = 0;      ///< connections closed for malformed input
  uint64_t batches = 0;              ///< batches handed to the backend
  uint64_t batched_commands = 0;     ///< commands in those batches (sum of batch sizes)
  uint64_t output_limit_closes = 0;  ///< clients closed at the output buffer limit
  uint64_t idle_closes = 0;          ///< clients closed by the idle timeout
};

} // namespace keel::gateway
