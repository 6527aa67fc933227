// keel::gateway::detail::coalescer: turns the batches that a server's sessions hand over during
// one turn of the I/O loop into ONE backend call (internal; I/O thread only).
//
// A session submits its pipeline and a completion. The first submission of a turn posts a
// flush to the I/O loop; Asio runs it after the read handlers that were already ready, so every
// connection whose data arrived together shares one execute(): one message to the router and
// one per shard instead of one per connection. Each connection's commands stay in order and
// contiguous; its completion gets exactly its own replies, back on the I/O thread. A turn that
// gathers `max_commands` flushes at once. Each connection has at most one batch in flight, so
// coalescing never reorders a connection's commands.
#pragma once

#include "gateway/backend.hpp"
#include "gateway/detail/counter_cells.hpp"

#include <boost/asio/io_context.hpp>

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <vector>

namespace keel::gateway::detail {

class coalescer {
public:
  /// Runs on the I/O thread with the replies of one submitted batch.
  using completion = std::function<void(std::vector<reply>)>;

  /// Commands gathered before a turn flushes early.
  static constexpr size_t max_commands = 8192;

  coalescer(boost::asio::io_context& io, backend& store, counter_cells& numbers);

  /// Queues `batch` (not empty) for this turn's backend call. @pre on the I/O thread.
  void submit(std::vector<command> batch, completion on_done);

  void set_logger(std::shared_ptr<spdlog::logger> log) { log_ = std::move(log); }

private:
  struct part {
    size_t size;
    completion on_done;
  };

  void flush();

  boost::asio::io_context& io_;
  backend& store_;
  counter_cells& numbers_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<command> cmds_;
  std::vector<part> parts_;
  bool flush_posted_ = false;
};

} // namespace keel::gateway::detail
