#include "gateway/detail/coalescer.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

namespace keel::gateway::detail {

namespace asio = boost::asio;

coalescer::coalescer(asio::io_context& io, backend& store, counter_cells& numbers)
  : io_(io), store_(store), numbers_(numbers) {
}

void coalescer::submit(std::vector<command> batch, completion on_done) {
  numbers_.batched_commands.fetch_add(batch.size(), std::memory_order_relaxed);
  parts_.push_back(part{batch.size(), std::move(on_done)});
  if (cmds_.empty()) {
    cmds_ = std::move(batch);
  } else {
    cmds_.insert(cmds_.end(), std::make_move_iterator(batch.begin()),
                 std::make_move_iterator(batch.end()));
  }
  if (cmds_.size() >= max_commands) {
    flush();
    return;
  }
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(io_, [this] {
      flush_posted_ = false;
      flush();
    });
  }
}

void coalescer::flush() {
  if (parts_.empty())
    return;
  auto cmds = std::move(cmds_);
  auto parts = std::make_shared<std::vector<part>>(std::move(parts_));
  cmds_.clear();
  parts_.clear();
  numbers_.batches.fetch_add(1, std::memory_order_relaxed);
  auto n = cmds.size();
  // Keeps io.run() (and so the server's stop()) going until the replies are delivered.
  auto guard = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
    io_.get_executor());
  auto deliver = [parts](std::vector<reply> replies) {
    size_t at = 0;
    for (auto& p : *parts) {
      std::vector<reply> mine;
      if (parts->size() == 1) {
        mine = std::move(replies);
      } else {
        auto end = std::min(replies.size(), at + p.size);
        if (at < end)
          mine.assign(std::make_move_iterator(replies.begin() + static_cast<ptrdiff_t>(at)),
                      std::make_move_iterator(replies.begin() + static_cast<ptrdiff_t>(end)));
      }
      at += p.size;
      // A short answer is completed by the session ("ERR backend gave no reply").
      p.on_done(std::move(mine));
    }
  };
  auto done = [io = &io_, guard, deliver](std::vector<reply> replies) mutable {
    asio::post(*io, [guard = std::move(guard), deliver = std::move(deliver),
                     replies = std::move(replies)]() mutable {
      deliver(std::move(replies));
      guard->reset();
    });
  };
  try {
    store_.execute(std::move(cmds), std::move(done));
  } catch (const std::exception& e) {
    if (log_)
      log_->error("backend threw ({}); answering {} commands with errors", e.what(), n);
    asio::post(io_, [deliver, n] {
      deliver(std::vector<reply>(n, reply::error("ERR backend failure")));
    });
  }
}

} // namespace keel::gateway::detail
