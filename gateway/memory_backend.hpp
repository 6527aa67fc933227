// keel::gateway::memory_backend: a thread-safe in-memory key-value backend.
//
// NOT DURABLE: everything is lost when the process ends. It stands in for the durable KV shards
// in the gateway's tests and in `bench resp` until those exist. Commands: GET, SET key value,
// DEL, EXISTS, INCR, DBSIZE, FLUSHALL [ASYNC|SYNC], MGET, MSET (case-insensitive); anything
// else answers Redis' unknown-command error. execute() runs the batch under one lock on the
// caller's thread and calls `done` before it returns.
#pragma once

#include "gateway/backend.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace keel::gateway {

class memory_backend final : public backend {
public:
  memory_backend() = default;
  memory_backend(const memory_backend&) = delete;
  memory_backend& operator=(const memory_backend&) = delete;

  void execute(std::vector<command> batch, done_handler done) override;

  [[nodiscard]] backend_stats stats() const override;

  /// Runs one command (the same code execute() uses), for tests.
  [[nodiscard]] reply run(const command& cmd);

private:
  reply run_locked(const command& cmd);

  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::string> data_;
  uint64_t bytes_ = 0; ///< sum of key and value sizes
  std::unordered_map<std::string, uint64_t> written_; ///< key -> the write that last changed it
  uint64_t writes_ = 0;     ///< writes so far (WATCH versions)
  uint64_t flushed_at_ = 0; ///< the write number of the last FLUSHALL
};

} // namespace keel::gateway
