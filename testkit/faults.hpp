// keel::testkit faults: fault injection for tests of code built on keel.
//
//   - fault_file_system: keel's WAL file system that fails the Nth fdatasync with EIO, runs
//     out of space, tears writes, flips bits and loses un-synced data on a simulated crash
//     (wal/fault_file_system.hpp). Hand it to wal::options::fs (or a shard's options) and
//     assert what survives.
//   - crash_child: crashes the current incarnation of a supervised child with a chosen exit
//     reason, as a bug inside it would; pair it with fixture::await_restart.
//
// Thread-safety: crash_child may be called from the test's thread.
#pragma once

#include "wal/fault_file_system.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <string>

namespace keel::testkit {

/// keel's fault-injecting WAL file system (wal/fault_file_system.hpp).
using fault_file_system = wal::fault_file_system;

class fixture;

/// Crashes child `id` of `supervisor`: its current incarnation receives an exit message with
/// `reason` (not `kill`: CAF 0.17 would propagate that through links) and goes down with it.
/// Returns the incarnation that was crashed; FAILs the test when the supervisor has no running
/// child `id`.
caf::actor crash_child(fixture& fx, const caf::actor& supervisor, const std::string& id,
                       caf::error reason = caf::make_error(caf::sec::runtime_error));

} // namespace keel::testkit
