// keel::actors::shard_host: the actor that hosts one durable state machine (shard k).
//
// A shard host owns one state_machine<Request, Reply> and talks to its shard's WAL writer
// (wal/writer_actor.hpp) with the stream protocol. Its life:
//
//   start:    asks the writer for the recovery_result (`recovery_atom`), restores the snapshot,
//             replays the records after it, and only then calls ctx.ready(). A record or image
//             the machine rejects fails the start (shard_errc::recovery_failed). When there is
//             something to restore or replay, that work runs in a detached helper actor that
//             owns nothing but its inputs, while the host awaits it with its mailbox held: the
//             shards of a node recover in parallel even when the scheduler has one thread, and
//             no scheduler thread is blocked by a long replay.
//   request:  execute(req, now, next) -> a non-empty record is sent to the writer as
//             `(append_atom, next, record)` (a batch's records together, as
//             `(append_atom, first, records)`; requests of a batch that the machine lets
//             merge (may_merge) share one record and one LSN) and next advances; the reply is
//             released at once when `depends_on` is durable already, else parked until the
//             writer reports `(durable_atom, d)` with d >= depends_on. Parked replies are
//             released in the order they were parked (depends_on is clamped to be
//             non-decreasing), so a reply never precedes the durability of anything it shows.
//             A sink's replies (the in-process form below) are handed to the writer instead
//             (`(wal::notify_atom, callback)`, after the records): the writer sends them right
//             after the write or sync that acknowledges them, with no hop back through the host;
//             later replies of the host wait behind them (same clamping).
//   failure:  `(failed_atom, first, last, why)` fails every parked reply with
//             shard_errc::not_durable and the host exits with that error: its in-memory state
//             holds changes the log lacks, so its supervisor restarts it from the log. When the
//             writer goes down, parked replies fail with shard_errc::wal_down and new requests
//             are refused until the supervisor (rest_for_one) restarts the host.
//             Replies handed to the writer fail the same way when their records do; when the
//             writer goes down they are dropped, and the sink fails its commands as unavailable.
//   time:     every `tick_interval` the host calls tick(now, next) (expiry) and logs its record.
//   snapshot: when the log since the last snapshot passes `snapshot_threshold_bytes`, on
//             `(checkpoint_atom)` and on a clean exit (user_shutdown / normal) the host sends
//             `(snapshot_atom, lsn, snapshot())` to the writer (a clean exit waits for it).
//             snapshot() runs in a detached helper while the host awaits it, as at start.
//
// ## Messages (atoms in actors/shard_atoms.hpp)
//
//   (exec_atom, Request)                          -> Reply
//   (batch_atom, std::vector<Request>)            -> std::vector<Reply>   (one park per batch)
//   (batch_atom, uint64_t id, std::vector<Request>)  async; the sender gets
//       (result_atom, uint64_t id, std::vector<Reply>)  or  (result_atom, uint64_t id, error)
//   (batch_atom, request_sink_ptr<Request, Reply>)  async, in-process only: the sink carries
//       the requests and gets the replies (reply_sink.hpp), with no reply message to route back
//   (checkpoint_atom)                             -> uint64_t lsn of the snapshot written
//   (shard_info_atom)                             -> shard_info
//
// Request and Reply must be CAF message types (inspectable, or CAF_ALLOW_UNSAFE_MESSAGE_TYPE
// for Reply, std::vector<Reply> and Request where needed).
//
// Thread-safety: an actor; the state machine is only touched from the host. Lifetime: the host
// monitors (does not link) its writer; the shard supervisor (shard.hpp) restarts both.
#pragma once

#include "actors/reply_sink.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/state_machine.hpp"
#include "supervision/start_context.hpp"
#include "wal/atoms.hpp"
#include "wal/writer_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace keel::actors {

/// How a shard host runs; plain data with defaults.
struct shard_host_options {
  /// Shard index, used in errors and logs.
  uint32_t shard = 0;
  /// Bytes of records logged since the last snapshot that trigger a checkpoint (0: never).
  uint64_t snapshot_threshold_bytes = uint64_t{256} << 20;
  /// Period of state_machine::tick (0: never).
  std::chrono::milliseconds tick_interval{100};
  /// How long the host waits for the writer's recovery_result.
  std::chrono::milliseconds recovery_timeout{30000};
  /// The wall clock handed to the machine; default: system_clock in milliseconds.
  std::function<time_point()> clock;
  /// Called with the number of requests each message executed (for metrics); cheap, no throw.
  std::function<void(uint64_t requests)> on_executed;
  /// Called with the host (`serving` true) once it has recovered and takes requests, and with
  /// `serving` false when it stops taking them (its writer went down, it is stopping or gone):
  /// lets a directory send batches straight to the host. Cheap, no throw.
  std::function<void(const caf::actor& host, bool serving)> on_serving;
};

/// Counters of one shard host.
struct shard_info {
  uint32_t shard = 0;
  uint64_t next_lsn = 0;
  uint64_t durable_lsn = 0;
  uint64_t parked = 0;
  uint64_t log_bytes_since_snapshot = 0;
  uint64_t snapshot_lsn = 0;
  uint64_t checkpoints = 0;
  /// Records replayed at start (after the snapshot).
  uint64_t replayed = 0;
  /// True when the start restored a snapshot.
  bool restored_snapshot = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_info& x) {
  return f(caf::meta::type_name("keel.actors.shard_info"), x.shard, x.next_lsn, x.durable_lsn,
           x.parked, x.log_bytes_since_snapshot, x.snapshot_lsn, x.checkpoints, x.replayed,
           x.restored_snapshot);
}

namespace detail {

/// Asks a host's helper actor for its one answer.
using run_atom = caf::atom_constant<caf::atom("run")>;

/// What a recovery run by a helper reports to its host.
struct recovery_outcome {
  std::string error; ///< empty when the machine took the snapshot and every record
  uint64_t replayed = 0;
  uint64_t log_bytes = 0; ///< payload bytes of the records replayed
};

/// Restores `r`'s snapshot into `m` and replays its records; stops early (with an error) once
/// `cancel` is set.
template <class Machine>
recovery_outcome run_recovery(Machine& m, const wal::recovery_result& r,
                              const std::atomic<bool>& cancel) {
  recovery_outcome out;
  if (r.has_snapshot) {
    if (auto err = m.restore(r.snapshot)) {
      out.error = "snapshot at LSN " + std::to_string(r.snapshot_lsn) + " rejected: "
                  + err.message;
      return out;
    }
  }
  for (auto& rec : r.records) {
    if (cancel.load(std::memory_order_relaxed)) {
      out.error = "recovery abandoned: the shard host stopped";
      return out;
    }
    if (auto err = m.replay(rec.payload, rec.lsn)) {
      out.error = "record at LSN " + std::to_string(rec.lsn) + " rejected: " + err.message;
      return out;
    }
    out.log_bytes += rec.payload.size();
    ++out.replayed;
  }
  return out;
}

} // namespace detail

} // namespace keel::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::actors::detail::recovery_outcome)

namespace keel::actors {

/// Makes the state machine of shard `k` (called once per incarnation of the host).
template <class Request, class Reply>
using machine_factory = std::function<std::unique_ptr<state_machine<Request, Reply>>(uint32_t k)>;

/// The host actor; spawn it with spawn_shard_host.
template <class Request, class Reply>
class shard_host : public caf::event_based_actor {
public:
  using machine_type = state_machine<Request, Reply>;
  using reply_list = std::vector<Reply>;

  shard_host(caf::actor_config& cfg, supervision::start_context ctx, caf::actor writer,
             std::shared_ptr<machine_type> machine, shard_host_options opts)
    : caf::event_based_actor(cfg),
      ctx_(std::move(ctx)),
      writer_(std::move(writer)),
      m_(std::move(machine)),
      opts_(std::move(opts)) {
    if (!opts_.clock)
      opts_.clock = [] {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now());
      };
  }

  const char* name() const override { return "keel.shard_host"; }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& dm) {
      if (dm.source != writer_.address())
        return;
      writer_down_ = true;
      serving(false);
      if (!recovered_) {
        // Reported only now, after the writer's down message: its supervisor got that message
        // first, so it restarts the writer (rest_for_one) rather than retrying this host alone.
        auto why = make_error(shard_errc::recovery_failed,
                              prefix() + "the WAL writer went down before recovery ("
                                + describe_error(dm.reason) + "); the shard restarts");
        ctx_.fail(why);
        quit(why);
        return;
      }
      fail_all(make_error(shard_errc::wal_down, prefix() + "the WAL writer went down ("
                                                  + describe_error(dm.reason)
                                                  + "); the shard restarts and recovers"));
    });
    set_exit_handler([this](caf::exit_msg& em) { handle_exit(std::move(em.reason)); });
    monitor(writer_);
    request(writer_, opts_.recovery_timeout, wal::recovery_atom::value)
      .await([this](wal::recovery_result& r) { recover(r); },
             [this](caf::error& err) {
               if (err == caf::sec::request_receiver_down)
                 return; // the writer is ending: its down message fails the start
               auto why = make_error(shard_errc::recovery_failed,
                                     prefix() + "the WAL writer gave no recovery result ("
                                       + describe_error(err) + ")");
               ctx_.fail(why);
               quit(why);
             });
    return {
      [this](exec_atom, Request& req) -> caf::result<Reply> {
        if (auto err = refuse())
          return err;
        auto r = run(req);
        if (r.depends_on <= durable_)
          return std::move(r.reply);
        entry e;
        e.rp = make_response_promise();
        e.replies.emplace_back(std::move(r.reply));
        auto rp = e.rp;
        park(r.depends_on, std::move(e));
        return rp;
      },
      [this](batch_atom, std::vector<Request>& reqs) -> caf::result<reply_list> {
        if (auto err = refuse())
          return err;
        reply_list out;
        auto dep = run_batch(reqs, out);
        if (dep <= durable_)
          return out;
        entry e;
        e.rp = make_response_promise();
        e.batch = true;
        e.replies = std::move(out);
        auto rp = e.rp;
        park(dep, std::move(e));
        return rp;
      },
      [this](batch_atom, uint64_t id, std::vector<Request>& reqs) {
        auto to = caf::actor_cast<caf::actor>(current_sender());
        if (auto err = refuse()) {
          if (to)
            send(to, result_atom::value, id, err);
          return;
        }
        reply_list out;
        auto dep = run_batch(reqs, out);
        if (dep <= durable_) {
          if (to)
            send(to, result_atom::value, id, std::move(out));
          return;
        }
        entry e;
        e.to = std::move(to);
        e.id = id;
        e.batch = true;
        e.replies = std::move(out);
        park(dep, std::move(e));
      },
      [this](batch_atom, request_sink_ptr<Request, Reply>& sink) {
        if (!sink)
          return;
        auto reqs = sink->take();
        if (auto err = refuse()) {
          sink->fail(err, context());
          return;
        }
        reply_list out;
        auto dep = run_batch(reqs, out);
        if (dep <= durable_ && handed_ <= durable_) {
          sink->deliver(std::move(out), context());
          return;
        }
        hand_to_writer(std::max(dep, handed_), std::move(sink), std::move(out));
      },
      [this](wal::durable_atom, uint64_t d) {
        durable_ = std::max(durable_, d);
        release();
      },
      [this](wal::failed_atom, uint64_t first, uint64_t last, caf::error& why) {
        auto err = make_error(shard_errc::not_durable,
                              prefix() + "the WAL failed to store LSN " + std::to_string(first)
                                + ".." + std::to_string(last) + " (" + describe_error(why)
                                + "); those writes were not applied; retry");
        serving(false);
        fail_all(err);
        quit(err); // the in-memory state is ahead of the log: restart from the log
      },
      [this](detail::tick_atom) {
        if (!writer_down_) {
          auto rec = m_->tick(opts_.clock(), next_);
          if (!rec.empty())
            append(std::move(rec));
        }
        schedule_tick();
      },
      [this](checkpoint_atom) -> caf::result<uint64_t> {
        if (auto err = refuse())
          return err;
        auto rp = make_response_promise<uint64_t>();
        checkpoint([rp](caf::expected<uint64_t> x) mutable {
          if (x)
            rp.deliver(*x);
          else
            rp.deliver(std::move(x.error()));
        });
        return rp;
      },
      [this](shard_info_atom) {
        auto out = info_;
        out.shard = opts_.shard;
        out.next_lsn = next_;
        out.durable_lsn = durable_;
        out.parked = parked_.size();
        out.log_bytes_since_snapshot = log_bytes_;
        out.snapshot_lsn = snapshot_lsn_;
        return out;
      },
    };
  }

private:
  // A reply waiting for durability: a promise (request forms) or an async batch id (a sink's
  // replies wait in the writer: hand_to_writer).
  struct entry {
    caf::response_promise rp;
    caf::actor to;
    uint64_t id = 0;
    bool batch = false;
    reply_list replies;
  };

  std::string prefix() const { return "shard " + std::to_string(opts_.shard) + ": "; }

  caf::error refuse() const {
    if (writer_down_)
      return make_error(shard_errc::wal_down,
                        prefix() + "the WAL writer is down; the shard is restarting, retry");
    if (stopping_)
      return make_error(shard_errc::shutting_down, prefix()
                          + "the shard is stopping (a restart or the node's shutdown); "
                            "the request was not applied, retry");
    return {};
  }

  void recover(wal::recovery_result& r) {
    if (!r.has_snapshot && r.records.empty()) {
      recovered(r, detail::recovery_outcome{});
      return;
    }
    // The machine is the helper's alone until it answers: the host awaits it and touches
    // nothing else meanwhile.
    auto input = std::make_shared<wal::recovery_result>(std::move(r));
    auto helper = spawn_helper([m = m_, input, cancel = cancel_] {
      return detail::run_recovery(*m, *input, *cancel);
    });
    request(helper, caf::infinite, detail::run_atom::value)
      .await([this, input](detail::recovery_outcome& out) { recovered(*input, out); },
             [this](caf::error& err) {
               fail_start("the recovery helper ended without a result ("
                          + describe_error(err) + ")");
             });
  }

  // A detached actor that answers one (run_atom) with work() and quits: the machine's long
  // calls run there while the host awaits the answer.
  template <class Work>
  caf::actor spawn_helper(Work work) {
    return spawn<caf::detached>([work](caf::event_based_actor* self) -> caf::behavior {
      return {
        [self, work](detail::run_atom) {
          auto out = work();
          self->quit();
          return out;
        },
      };
    });
  }

  // Finishes the start once the machine holds `r` (or failed to take it, per `out`).
  void recovered(const wal::recovery_result& r, const detail::recovery_outcome& out) {
    if (!out.error.empty()) {
      fail_start(out.error);
      return;
    }
    if (r.has_snapshot) {
      info_.restored_snapshot = true;
      snapshot_lsn_ = r.snapshot_lsn;
    }
    log_bytes_ += out.log_bytes;
    info_.replayed += out.replayed;
    next_ = r.next_lsn;
    durable_ = next_ - 1;
    recovered_ = true;
    schedule_tick();
    serving(true); // before ready: whoever waits for the start finds the host published
    ctx_.ready();
  }

  void serving(bool up) {
    if (opts_.on_serving && up != serving_) {
      serving_ = up;
      opts_.on_serving(caf::actor_cast<caf::actor>(this), up);
    }
  }

  void fail_start(const std::string& what) {
    auto err = make_error(shard_errc::recovery_failed,
                          prefix() + what + "; fix the data directory or start with "
                                            "recovery: point_in_time to salvage");
    ctx_.fail(err);
    quit(err);
  }

  execute_result<Reply> run(const Request& req) {
    if (opts_.on_executed)
      opts_.on_executed(1);
    auto r = m_->execute(req, opts_.clock(), next_);
    if (!r.record.empty())
      append(std::move(r.record));
    return r;
  }

  lsn run_batch(std::vector<Request>& reqs, reply_list& out) {
    if (opts_.on_executed)
      opts_.on_executed(reqs.size());
    out.reserve(reqs.size());
    lsn dep = 0;
    auto now = opts_.clock();
    std::string merged; // the record of next_ that requests are merged into
    for (auto& req : reqs) {
      bool join = m_->may_merge(req, merged.size());
      if (!join && !merged.empty()) {
        stage(std::move(merged)); // closes the record: this request gets the next LSN
        merged.clear();
      }
      auto r = m_->execute(req, now, next_);
      if (!r.record.empty()) {
        if (join)
          m_->merge_record(merged, r.record);
        else
          stage(std::move(r.record));
      }
      dep = std::max(dep, r.depends_on);
      out.emplace_back(std::move(r.reply));
    }
    if (!merged.empty())
      stage(std::move(merged));
    send_staged();
    return dep;
  }

  // One record for the next LSN, sent to the writer at once.
  void append(std::string rec) {
    stage(std::move(rec));
    send_staged();
  }

  // A record for the next LSN, sent to the writer by the next send_staged(): a batch's records
  // travel in one message.
  void stage(std::string rec) {
    log_bytes_ += rec.size();
    staged_.push_back(std::move(rec));
    ++next_;
  }

  void send_staged() {
    if (staged_.empty())
      return;
    auto first = next_ - staged_.size();
    if (staged_.size() == 1)
      send(writer_, wal::append_atom::value, first, std::move(staged_.front()));
    else
      send(writer_, wal::append_atom::value, first, std::move(staged_));
    staged_.clear();
    // Only now: a snapshot must not overtake the records it covers on their way to the writer.
    if (opts_.snapshot_threshold_bytes > 0 && log_bytes_ >= opts_.snapshot_threshold_bytes
        && !auto_checkpoint_) {
      auto_checkpoint_ = true;
      checkpoint([this](caf::expected<uint64_t>) { auto_checkpoint_ = false; });
    }
  }

  void park(lsn dep, entry e) {
    dep = std::max(dep, handed_);
    if (!parked_.empty())
      dep = std::max(dep, parked_.back().first);
    parked_.emplace_back(dep, std::move(e));
  }

  // The writer sends the replies once `dep` is acknowledged (wal::notify_atom), right after its
  // write or sync: no hop back through this host. Sent after the records, so the writer knows
  // every LSN up to dep (or has failed it). A callback the writer drops unrun (it went down)
  // leaves the sink to fail its commands when released.
  void hand_to_writer(lsn dep, reply_sink_ptr<Reply> sink, reply_list replies) {
    handed_ = dep;
    wal::durable_callback cb;
    cb.lsn = dep;
    cb.run = [sink = std::move(sink), replies = std::move(replies),
              shard = opts_.shard](const caf::error* why) mutable {
      if (!why) {
        sink->deliver(std::move(replies), nullptr);
        return;
      }
      sink->fail(make_error(shard_errc::not_durable,
                            "shard " + std::to_string(shard)
                              + ": the WAL failed to store these writes (" + describe_error(*why)
                              + "); they were not applied; retry"),
                 nullptr);
    };
    send(writer_, wal::notify_atom::value, std::move(cb));
  }

  void deliver(entry& e) {
    if (e.to) {
      send(e.to, result_atom::value, e.id, std::move(e.replies));
    } else if (e.batch) {
      e.rp.deliver(std::move(e.replies));
    } else {
      e.rp.deliver(std::move(e.replies.front()));
    }
  }

  void release() {
    while (!parked_.empty() && parked_.front().first <= durable_) {
      deliver(parked_.front().second);
      parked_.pop_front();
    }
  }

  void fail_all(const caf::error& err) {
    for (auto& p : parked_) {
      if (p.second.to)
        send(p.second.to, result_atom::value, p.second.id, err);
      else
        p.second.rp.deliver(err);
    }
    parked_.clear();
  }

  void schedule_tick() {
    if (opts_.tick_interval.count() > 0)
      delayed_send(this, opts_.tick_interval, detail::tick_atom::value);
  }

  using checkpoint_done = std::function<void(caf::expected<uint64_t>)>;

  // Snapshots the machine at the newest LSN; `done` gets the LSN the writer stored. The image
  // is made by a detached helper while the host awaits it (mailbox held, so the machine does
  // not change meanwhile): the shards of a node checkpoint in parallel on any scheduler.
  void checkpoint(checkpoint_done done) {
    if (imaging_) {
      // An exit that arrives while the image is made: nothing changed since, that image is it.
      joiners_.push_back(std::move(done));
      return;
    }
    lsn at = next_ - 1;
    if (at == snapshot_lsn_ || at == 0) {
      done(at);
      return;
    }
    imaging_ = true;
    log_bytes_ = 0;
    auto helper = spawn_helper([m = m_] { return m->snapshot(); });
    auto all_done = [this, done] {
      imaging_ = false;
      auto all = std::move(joiners_);
      joiners_.clear();
      all.push_back(done);
      return all;
    };
    request(helper, caf::infinite, detail::run_atom::value)
      .await(
        [this, at, all_done](std::string& image) {
          auto all = all_done();
          request(writer_, caf::infinite, wal::snapshot_atom::value, at, std::move(image))
            .then(
              [this, all](uint64_t stored) {
                snapshot_lsn_ = std::max(snapshot_lsn_, stored);
                ++info_.checkpoints;
                for (auto& d : all)
                  d(stored);
              },
              [all](caf::error& err) {
                for (auto& d : all)
                  d(err);
              });
        },
        [all_done](caf::error& err) {
          for (auto& d : all_done())
            d(err);
        });
  }

  void on_exit() override {
    cancel_->store(true, std::memory_order_relaxed);
    serving(false);
    caf::event_based_actor::on_exit();
  }

  void handle_exit(caf::error reason) {
    static constexpr const char* unconfirmed
      = "before the WAL confirmed this request; it may or may not be stored: read it back or "
        "retry it";
    serving(false);
    bool clean = reason == caf::exit_reason::user_shutdown || reason == caf::exit_reason::normal;
    if (!clean || !recovered_ || writer_down_ || stopping_) {
      fail_all(make_error(shard_errc::shutting_down,
                          prefix() + "stopped (" + describe_error(reason) + ") " + unconfirmed));
      quit(std::move(reason));
      return;
    }
    stopping_ = true;
    // A clean stop writes a snapshot first, so the next start replays nothing.
    checkpoint([this, reason](caf::expected<uint64_t>) {
      fail_all(make_error(shard_errc::shutting_down, prefix() + "stopped " + unconfirmed));
      quit(reason);
    });
  }

  supervision::start_context ctx_;
  caf::actor writer_;
  std::shared_ptr<machine_type> m_;
  shard_host_options opts_;
  /// Set when the host exits: a recovery helper still running stops between records.
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  lsn next_ = 1;
  lsn durable_ = 0;
  lsn handed_ = 0; ///< the highest LSN a reply was handed to the writer for (hand_to_writer)
  lsn snapshot_lsn_ = 0;
  uint64_t log_bytes_ = 0;
  bool recovered_ = false;
  bool writer_down_ = false;
  bool stopping_ = false;
  bool auto_checkpoint_ = false;
  bool serving_ = false;
  bool imaging_ = false;                ///< a checkpoint's image is being made
  std::vector<checkpoint_done> joiners_; ///< checkpoints that wait for that image
  shard_info info_;
  std::deque<std::pair<lsn, entry>> parked_;
  std::vector<std::string> staged_; ///< records not yet sent to the writer (see stage())
};

/// Spawns a shard host for `machine` that recovers from `writer` and then calls ctx.ready().
/// @pre `writer` is the current WAL writer of the shard; `machine` is fresh.
template <class Request, class Reply>
[[nodiscard]] caf::actor
spawn_shard_host(const supervision::start_context& ctx, caf::actor writer,
                 std::unique_ptr<state_machine<Request, Reply>> machine,
                 shard_host_options opts) {
  std::shared_ptr<state_machine<Request, Reply>> m{std::move(machine)};
  return ctx.system().spawn<shard_host<Request, Reply>>(ctx, std::move(writer), std::move(m),
                                                        std::move(opts));
}

} // namespace keel::actors
