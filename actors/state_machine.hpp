// keel::actors::state_machine: the deterministic core an application hands to keel's shards.
//
// keel hosts an application's state machine in N shards. A shard actor owns one instance and
// calls it from one actor at a time (no locking inside). For each request the shard:
//
//   1. calls execute(req, now, next) where `next` is the LSN the shard will give the next log
//      record; execute returns the reply, the log record (empty when nothing changed) and
//      `depends_on`, the LSN of the newest state the reply reveals;
//   2. appends a non-empty record to its WAL under LSN `next` (and then advances `next`);
//   3. releases the reply once LSN `depends_on` is durable (at once when it already is).
//
// Step 3 is the read barrier: the state machine, not the host, knows which keys a request read
// and which records last changed them (including deletions by expiry or eviction that the host
// never sees as keys), so it tracks the LSN of the last write per key and reports the maximum
// over what the reply shows. A reply to a write depends on its own record.
//
// Determinism contract: replaying the records a machine produced, in LSN order, into a fresh
// machine (or into one restored from a snapshot taken between two records) yields the same
// state. Hence records carry absolute times and outcomes, never "now" or random choices; the
// clock is always passed in (`now`), never read inside.
//
// Thread-safety: none; one caller at a time. Ordering: calls are strictly sequential. restore,
// replay and snapshot may run on a helper thread of the shard while its host waits for them,
// so a machine must not depend on the thread it is called from.
#pragma once

#include "actors/state_machine_error.hpp"

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>

namespace keel::actors {

/// A log sequence number, as assigned by the shard's WAL; 0 means "before the first record"
/// (always durable).
using lsn = std::uint64_t;

/// Wall-clock time in milliseconds since the Unix epoch, injected by the caller.
using time_point = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

/// What one execute (or tick) produced.
template <class Reply>
struct execute_result {
  /// The answer to the request.
  Reply reply;

  /// The log record that replays the change; empty when the request changed nothing (every
  /// read-only request). Encoding is the state machine's own (versioned) business.
  std::string record;

  /// The reply may be released once this LSN is durable (0: at once). Equals the `next`
  /// passed to execute when `record` is not empty.
  lsn depends_on = 0;
};

/// An application's state machine. `Request` and `Reply` are plain value types (the KV store
/// uses a vector of byte strings and kv_reply).
template <class Request, class Reply>
class state_machine {
public:
  using request_type = Request;
  using reply_type = Reply;

  virtual ~state_machine() = default;

  /// Executes one request at time `now`. `next` is the LSN a non-empty record will get; the
  /// machine stamps it on the state it changes. A read-only request returns an empty record.
  /// @pre `next` is greater than every LSN passed before (to execute, tick or replay), or equal
  /// to the last one when the host merges this request's record into the previous one (below).
  virtual execute_result<Reply> execute(const Request& req, time_point now, lsn next) = 0;

  /// Record merging: within one batch the host may log several requests as ONE record under one
  /// LSN (one header, one checksum, one message to the writer). Before it executes `req` with
  /// the LSN of a record holding `merged_bytes` so far, it asks whether the request may join;
  /// if so, it appends the request's record with merge_record. The merged record must replay
  /// as the records one after the other would. The default never merges.
  [[nodiscard]] virtual bool may_merge(const Request& req, std::size_t merged_bytes) const {
    static_cast<void>(req);
    static_cast<void>(merged_bytes);
    return false;
  }

  /// Appends `more` (a record of a request that may_merge allowed) to the record `into`.
  virtual void merge_record(std::string& into, std::string_view more) {
    into.append(more.data(), more.size());
  }

  /// Housekeeping driven by time (the KV store expires keys here). Returns a record to append
  /// under `next`, or an empty string. The default does nothing.
  virtual std::string tick(time_point now, lsn next) {
    static_cast<void>(now);
    static_cast<void>(next);
    return {};
  }

  /// Re-applies a record produced by execute or tick, with the same effect as then. `at` is the
  /// record's LSN. On error the state is unchanged.
  virtual state_machine_error replay(std::string_view record, lsn at) = 0;

  /// The full state as a self-contained, versioned image; equal states give equal images.
  [[nodiscard]] virtual std::string snapshot() const = 0;

  /// Replaces the state by `image`. On error (corrupt or foreign image) the state is unchanged
  /// and the error says what is wrong. Every restored entry counts as durable (LSN 0).
  virtual state_machine_error restore(std::string_view image) = 0;

protected:
  state_machine() = default;
  state_machine(const state_machine&) = default;
  state_machine& operator=(const state_machine&) = default;
};

} // namespace keel::actors
