// Message tags of the WAL writer actor (CAF 0.17 atoms, at most 10 characters).
#pragma once

#include <caf/atom.hpp>

namespace keel::wal {

/// Append records (writer_actor.hpp documents every message).
using append_atom = caf::atom_constant<caf::atom("wal_append")>;

/// Writer -> stream client: everything up to an LSN is acknowledged.
using durable_atom = caf::atom_constant<caf::atom("wal_durabl")>;

/// Writer -> stream client: a range of its records failed.
using failed_atom = caf::atom_constant<caf::atom("wal_failed")>;

/// Stream client -> writer: run a callback once the log is acknowledged up to an LSN.
using notify_atom = caf::atom_constant<caf::atom("wal_notify")>;

/// Store a snapshot.
using snapshot_atom = caf::atom_constant<caf::atom("wal_snap")>;

/// Fetch the recovered state.
using recovery_atom = caf::atom_constant<caf::atom("wal_recov")>;

/// Fetch the writer's counters.
using status_atom = caf::atom_constant<caf::atom("wal_status")>;

namespace detail {

/// Internal: write and sync what is buffered.
using flush_atom = caf::atom_constant<caf::atom("wal_flush")>;

/// Internal: the interval policy's timer.
using tick_atom = caf::atom_constant<caf::atom("wal_tick")>;

/// Internal: a job a writer that runs on the scheduler hands to its blocking-I/O thread.
using run_atom = caf::atom_constant<caf::atom("wal_run")>;

/// Internal: a poisoned writer leaves once the appends queued before this are answered.
using poison_atom = caf::atom_constant<caf::atom("wal_poison")>;

} // namespace detail

} // namespace keel::wal
