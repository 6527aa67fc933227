#include "wal/writer_actor.hpp"

#include "wal/errc.hpp"
#include "wal/logger.hpp"
#include "wal/writer.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>

namespace keel::wal::detail {

/// Blocking I/O that a writer running on the scheduler hands to its helper thread.
struct blocking_job {
  std::function<void()> run;
};

} // namespace keel::wal::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::wal::detail::blocking_job)

namespace keel::wal {

namespace {

using caf::actor_addr;
using detail::blocking_job;

// A record (or batch) written but not yet acknowledged.
struct waiter {
  uint64_t first_lsn;
  uint64_t last_lsn;
  caf::typed_response_promise<uint64_t> promise; // request form
  caf::actor stream;                             // stream form (else null)
};

// The log, closed (written and synced) by whoever lets go of it last: the writer, or its
// helper thread when the writer went down while a job ran.
std::shared_ptr<writer> make_log(options opts) {
  return std::shared_ptr<writer>(new writer(std::move(opts)), [](writer* w) {
    if (!w->poisoned())
      (void) w->close();
    delete w;
  });
}

struct writer_state {
  std::shared_ptr<writer> log;
  /// Runs blocking jobs for a writer on the scheduler; null for a detached writer.
  caf::actor helper;
  recovery_result initial;
  bool initial_taken = false;
  std::deque<waiter> waiting;
  /// notify_atom callbacks, LSNs non-decreasing.
  std::deque<durable_callback> callbacks;
  /// Why records were last dropped (for callbacks that name them afterwards).
  caf::error last_failure;
  bool flush_scheduled = false;
  bool tick_scheduled = false;
  bool poisoned = false;
  uint64_t flushes = 0;

  static inline const char* name = "keel.wal.writer";
};

using self_ptr = caf::stateful_actor<writer_state>*;

uint64_t ack_level(self_ptr self) {
  auto& log = *self->state.log;
  return log.opts().sync == sync_policy::group ? log.durable_lsn() : log.written_lsn();
}

// Runs the callbacks up to `level` (nullptr) or, with `why`, those above it.
void run_callbacks(self_ptr self, uint64_t level, const caf::error* why) {
  auto& cbs = self->state.callbacks;
  if (!why) {
    while (!cbs.empty() && cbs.front().lsn <= level) {
      auto cb = std::move(cbs.front());
      cbs.pop_front();
      cb.run(nullptr);
    }
    return;
  }
  auto first = std::find_if(cbs.begin(), cbs.end(),
                            [&](const durable_callback& cb) { return cb.lsn > level; });
  std::deque<durable_callback> failed(std::make_move_iterator(first),
                                      std::make_move_iterator(cbs.end()));
  cbs.erase(first, cbs.end());
  for (auto& cb : failed)
    cb.run(why);
}

// Answers every waiter whose records are acknowledged.
void ack(self_ptr self) {
  auto& st = self->state;
  auto level = ack_level(self);
  run_callbacks(self, level, nullptr);
  std::vector<caf::actor> streams;
  while (!st.waiting.empty() && st.waiting.front().last_lsn <= level) {
    auto& w = st.waiting.front();
    if (w.stream) {
      if (std::find(streams.begin(), streams.end(), w.stream) == streams.end())
        streams.push_back(w.stream);
    } else {
      w.promise.deliver(w.last_lsn);
    }
    st.waiting.pop_front();
  }
  for (auto& s : streams)
    self->send(s, durable_atom::value, level);
}

// Fails every waiter whose records are no longer in the log (above `keep`).
void fail_above(self_ptr self, uint64_t keep, const caf::error& err) {
  auto& st = self->state;
  st.last_failure = err;
  run_callbacks(self, keep, &err);
  struct range {
    caf::actor who;
    uint64_t first;
    uint64_t last;
  };
  std::vector<range> ranges;
  while (!st.waiting.empty() && st.waiting.back().last_lsn > keep) {
    auto w = std::move(st.waiting.back());
    st.waiting.pop_back();
    if (w.stream) {
      auto i = std::find_if(ranges.begin(), ranges.end(),
                            [&](const range& r) { return r.who == w.stream; });
      if (i == ranges.end())
        ranges.push_back({w.stream, w.first_lsn, w.last_lsn});
      else
        i->first = w.first_lsn;
    } else {
      w.promise.deliver(err);
    }
  }
  for (auto& r : ranges)
    self->send(r.who, failed_atom::value, r.first, r.last, err);
}

void handle_error(self_ptr self, const caf::error& err) {
  auto& st = self->state;
  if (st.log->poisoned()) {
    fail_above(self, st.log->durable_lsn(), err);
    if (!st.poisoned) {
      st.poisoned = true;
      // Leave after answering what is queued already.
      self->send(self, detail::poison_atom::value);
    }
  } else {
    fail_above(self, st.log->written_lsn(), err);
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  auto& log = *st.log;
  ++st.flushes;
  caf::error err = log.write();
  if (!err && log.opts().sync == sync_policy::group)
    err = log.sync();
  if (err) {
    handle_error(self, err);
    return;
  }
  ack(self);
  if (log.opts().sync == sync_policy::interval && !st.tick_scheduled
      && log.durable_lsn() < log.written_lsn()) {
    st.tick_scheduled = true;
    self->delayed_send(self, log.opts().sync_interval, detail::tick_atom::value);
  }
}

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  auto max = st.log->opts().max_batch_bytes;
  if (max > 0 && st.log->pending_bytes() >= max) {
    flush(self);
    return;
  }
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, detail::flush_atom::value);
  }
}

// Appends and registers a waiter; returns the error if the append failed at once.
caf::error add(self_ptr self, const std::string_view* payloads, size_t n, waiter w) {
  auto& st = self->state;
  auto lsn = st.log->append(payloads, n);
  if (!lsn) {
    handle_error(self, lsn.error()); // earlier buffered records may have been dropped
    return lsn.error();
  }
  w.first_lsn = *lsn - n + 1;
  w.last_lsn = *lsn;
  // A stream's consecutive records share one waiter while none of them is written yet (a roll
  // writes what is pending: a failure after it must not fail the records it stored).
  auto& q = st.waiting;
  if (w.stream && !q.empty() && q.back().stream == w.stream && q.back().last_lsn + 1 == w.first_lsn
      && q.back().first_lsn > st.log->written_lsn())
    q.back().last_lsn = w.last_lsn;
  else
    q.push_back(std::move(w));
  schedule_flush(self);
  return caf::none;
}

// One stream-form record at `lsn`, which must be the log's next LSN; the error if it was not
// appended.
caf::error add_streamed(self_ptr self, const caf::actor& sender, uint64_t lsn,
                        std::string_view payload) {
  auto& log = *self->state.log;
  if (lsn != log.next_lsn())
    return log.poisoned() ? log.append(std::string_view{}).error()
                          : make_error(errc::invalid_argument,
                                       "append with LSN " + std::to_string(lsn)
                                         + " but the next LSN is "
                                         + std::to_string(log.next_lsn()));
  waiter w{0, 0, caf::typed_response_promise<uint64_t>{}, sender};
  return add(self, &payload, 1, std::move(w));
}

caf::behavior blocking_lane(caf::event_based_actor*) {
  return {
    [](detail::run_atom, blocking_job& job) {
      job.run();
      return true;
    },
  };
}

// Runs `work` (blocking I/O on the log; it may only touch what it captures) and then `done` on
// the writer. A detached writer runs both at once. A writer on the scheduler hands `work` to its
// helper thread and awaits it: no other message is handled in between, and the scheduler thread
// is free meanwhile. Call it last in a handler: the handler's own code after it would run while
// the helper works.
void offload(self_ptr self, std::function<void()> work, std::function<void()> done) {
  auto& st = self->state;
  if (!st.helper) {
    work();
    done();
    return;
  }
  self->request(st.helper, caf::infinite, detail::run_atom::value, blocking_job{std::move(work)})
    .await([done](bool) { done(); }, [self](caf::error& err) { self->quit(err); });
}

// Recovery sinks that collect the snapshot and the records into `out`.
snapshot_sink snapshot_into(recovery_result& out) {
  return [&out](uint64_t lsn, std::string_view state) {
    out.has_snapshot = true;
    out.snapshot_lsn = lsn;
    out.snapshot = std::string{state};
  };
}

record_sink records_into(recovery_result& out) {
  return [&out](uint64_t lsn, std::string_view p) { out.records.push_back({lsn, std::string{p}}); };
}

// Reads the directory like recovery at start (after flushing), for a restarted state machine.
struct rescan {
  caf::error commit_err;
  caf::error err;
  recovery_result out;
};

void run_rescan(writer& log, rescan& r) {
  if ((r.commit_err = log.commit()))
    return;
  recovery_options ropts;
  ropts.dir = log.opts().dir;
  ropts.shard = log.opts().shard;
  ropts.mode = recovery_mode::absolute;
  ropts.repair = false;
  recovery_summary sum;
  log_reporter rep{ropts.shard};
  auto fs = log.opts().fs ? log.opts().fs : posix_file_system();
  r.err = recover(*fs, ropts, rep, snapshot_into(r.out), records_into(r.out), sum);
  r.out.next_lsn = log.next_lsn();
}

// Calls `op` (roll, sync) on the log where it may block (offload); then handles its error or
// acknowledges what it made durable.
void offload_call(self_ptr self, caf::error (writer::*op)()) {
  auto err = std::make_shared<caf::error>();
  offload(
    self, [log = self->state.log, err, op] { *err = (log.get()->*op)(); },
    [self, err] {
      if (*err)
        handle_error(self, *err);
      else
        ack(self);
    });
}

// A writer on the scheduler starts the next segment before the current one is full, on its
// helper thread, so that append() never rolls over (and syncs) on the scheduler.
void roll_early(self_ptr self) {
  auto& st = self->state;
  auto& log = *st.log;
  if (!st.helper || st.poisoned || log.poisoned() || log.room() >= log.opts().segment_size / 16)
    return;
  offload_call(self, &writer::roll);
}

caf::behavior writer_actor(self_ptr self, options opts) {
  auto& st = self->state;
  st.log = make_log(opts);
  if (opts.sync != sync_policy::group) {
    st.helper = self->spawn<caf::detached>(blocking_lane);
    self->attach_functor([helper = st.helper](const caf::error&) {
      caf::anon_send_exit(helper, caf::exit_reason::kill);
    });
  }
  // Locking and recovery happen before any message is handled (a scheduled writer awaits them).
  auto init = std::make_shared<recovery_result>();
  auto err = std::make_shared<caf::error>();
  offload(
    self,
    [log = st.log, init, err] {
      log_reporter rep{log->opts().shard};
      *err = log->open(rep, snapshot_into(*init), records_into(*init));
      init->next_lsn = log->next_lsn();
    },
    [self, init, err] {
      if (*err) {
        detail::logger()->error("{}", describe(*err));
        self->quit(*err);
        return;
      }
      self->state.initial = std::move(*init);
    });
  if (*err && !st.helper)
    return {};
  return {
    [=](append_atom, std::string& payload) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      std::string_view view{payload};
      waiter w{0, 0, rp, caf::actor{}};
      if (auto err = add(self, &view, 1, std::move(w)))
        rp.deliver(err);
      return rp;
    },
    [=](append_atom, std::vector<std::string>& batch) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      std::vector<std::string_view> views(batch.begin(), batch.end());
      waiter w{0, 0, rp, caf::actor{}};
      if (auto err = add(self, views.data(), views.size(), std::move(w)))
        rp.deliver(err);
      return rp;
    },
    [=](append_atom, uint64_t lsn, std::string& payload) {
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      std::string_view view{payload};
      if (auto err = add_streamed(self, sender, lsn, view))
        if (sender)
          self->send(sender, failed_atom::value, lsn, lsn, err);
    },
    [=](append_atom, uint64_t lsn, std::vector<std::string>& payloads) {
      // As many stream-form appends as payloads, in one message: independent records, not an
      // atomic batch. After a failure the rest fail too (their LSNs no longer follow).
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto n = static_cast<uint64_t>(payloads.size());
      for (uint64_t i = 0; i < n; ++i) {
        if (auto err = add_streamed(self, sender, lsn + i, payloads[i])) {
          if (sender)
            self->send(sender, failed_atom::value, lsn + i, lsn + n - 1, err);
          return;
        }
      }
    },
    [=](snapshot_atom, uint64_t lsn, std::string& state) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      auto err = std::make_shared<caf::error>();
      offload(
        self,
        [log = self->state.log, lsn, image = std::move(state), err] {
          *err = log->snapshot(lsn, image);
        },
        [self, rp, lsn, err]() mutable {
          if (*err) {
            if (self->state.log->poisoned())
              handle_error(self, *err);
            rp.deliver(*err);
            return;
          }
          ack(self); // the snapshot synced the log
          rp.deliver(lsn);
        });
      return rp;
    },
    [=](recovery_atom) -> caf::result<recovery_result> {
      auto& st = self->state;
      if (!st.initial_taken) {
        st.initial_taken = true;
        return std::move(st.initial);
      }
      auto rp = self->make_response_promise<recovery_result>();
      auto r = std::make_shared<rescan>();
      offload(
        self, [log = st.log, r] { run_rescan(*log, *r); },
        [self, rp, r]() mutable {
          if (r->commit_err) {
            handle_error(self, r->commit_err);
            rp.deliver(r->commit_err);
            return;
          }
          ack(self);
          if (r->err)
            rp.deliver(r->err);
          else
            rp.deliver(std::move(r->out));
        });
      return rp;
    },
    [=](notify_atom, durable_callback& cb) {
      auto& st = self->state;
      auto& log = *st.log;
      if (!cb.run)
        return;
      if (cb.lsn >= log.next_lsn() || (st.poisoned && cb.lsn > ack_level(self))) {
        // Its records failed before it came (the failure went out as failed_atom), or can no
        // longer become durable.
        auto why = st.last_failure ? st.last_failure
                                   : make_error(errc::invalid_argument,
                                                "notify for LSN " + std::to_string(cb.lsn)
                                                  + ", which was never appended");
        cb.run(&why);
        return;
      }
      if (!st.callbacks.empty())
        cb.lsn = std::max(cb.lsn, st.callbacks.back().lsn);
      else if (cb.lsn <= ack_level(self)) {
        cb.run(nullptr);
        return;
      }
      st.callbacks.push_back(std::move(cb));
    },
    [=](status_atom) {
      auto& st = self->state;
      auto& log = *st.log;
      return writer_status{log.next_lsn(), log.written_lsn(), log.durable_lsn(), log.syncs(),
                           st.flushes, st.callbacks.size()};
    },
    [=](detail::flush_atom) {
      if (self->state.poisoned)
        return;
      flush(self);
      roll_early(self);
    },
    [=](detail::tick_atom) {
      auto& st = self->state;
      st.tick_scheduled = false;
      if (!st.poisoned)
        offload_call(self, &writer::sync);
    },
    [=](detail::poison_atom) {
      auto err = self->state.log->append(std::string_view{}).error();
      self->quit(err);
    },
  };
}

} // namespace

caf::actor spawn_writer(caf::actor_system& sys, options opts) {
  if (opts.sync == sync_policy::group)
    return sys.spawn<caf::detached>(writer_actor, std::move(opts));
  return sys.spawn(writer_actor, std::move(opts));
}

} // namespace keel::wal
