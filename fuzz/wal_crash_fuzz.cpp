// Fuzz target for the WAL's promise: an acknowledged record is never lost, whatever fails and
// whenever the power goes.
//
// The input drives a wal::writer on an in-memory fault_file_system: appends (single records and
// atomic batches), writes, syncs, commits, segment rolls and snapshots, with faults armed in
// between (fdatasync failing with EIO, writes failing with ENOSPC after a torn prefix) and power
// cuts (crash(), keeping a torn part of what was not synced). A writer that is poisoned, and
// every power cut, is followed by a restart: a new writer opens the directory with the default
// recovery.
//
// Checked at each restart: the directory opens; the snapshot it recovers is one that was taken;
// every record it recovers was appended under that LSN (no garbage, no record from another
// LSN), in order without gaps; every record acknowledged as durable (by sync, commit or
// snapshot) is either covered by the snapshot or recovered with its payload; the writer goes on
// after the last LSN recovered. Errors are only wal_poisoned, or disk_full and io_error after
// which the writer goes on.
#include "fuzz/fuzz_check.hpp"
#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/reporter.hpp"
#include "wal/writer.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace keel::wal;
using keel::fuzz::check;

namespace {

const std::string dir = "/db";

struct model {
  std::map<uint64_t, std::string> live;       // appended and not dropped, by LSN
  std::map<uint64_t, std::set<std::string>> ever; // every payload appended under each LSN
  std::map<uint64_t, std::string> acked;      // acknowledged durable
  std::map<uint64_t, std::string> snapshots;  // taken successfully: LSN -> state
  uint64_t payloads = 0;

  std::string payload(uint8_t len) {
    return "#" + std::to_string(++payloads) + std::string(len % 90, static_cast<char>('a' + len % 26));
  }

  void appended(uint64_t lsn, const std::string& p) {
    live[lsn] = p;
    ever[lsn].insert(p);
  }

  /// Everything up to `lsn` is durable now.
  void durable(uint64_t lsn) {
    for (auto i = live.begin(); i != live.end() && i->first <= lsn; ++i)
      acked[i->first] = i->second;
  }

  /// The writer dropped what it had not written (ENOSPC, poison): those LSNs get reused.
  void dropped_after(uint64_t written) {
    live.erase(live.upper_bound(written), live.end());
  }
};

options writer_options(std::shared_ptr<fault_file_system> fs) {
  options o;
  o.dir = dir;
  o.segment_size = 4096;
  o.fs = std::move(fs);
  return o;
}

/// Restarts after a power cut: opens a new writer and checks what it recovered.
std::unique_ptr<writer> restart(std::shared_ptr<fault_file_system> fs, model& m) {
  auto w = std::make_unique<writer>(writer_options(fs));
  bool has_snapshot = false;
  uint64_t snapshot_lsn = 0;
  std::vector<std::pair<uint64_t, std::string>> records;
  collecting_reporter rep;
  auto err = w->open(
    rep,
    [&](uint64_t lsn, std::string_view state) {
      has_snapshot = true;
      snapshot_lsn = lsn;
      auto i = m.snapshots.find(lsn);
      check(i != m.snapshots.end() && i->second == state, "the snapshot is one that was taken");
    },
    [&](uint64_t lsn, std::string_view p) { records.emplace_back(lsn, std::string{p}); });
  if (err)
    std::fprintf(stderr, "open after a crash: %s\n", describe(err).c_str());
  check(!err, "the directory opens after a crash");
  uint64_t expect = has_snapshot ? snapshot_lsn + 1 : 1;
  for (auto& [lsn, p] : records) {
    check(lsn == expect++, "records come in order without gaps");
    auto i = m.ever.find(lsn);
    check(i != m.ever.end() && i->second.count(p) == 1, "a record was appended under its LSN");
  }
  uint64_t last = expect - 1;
  for (auto& [lsn, p] : m.acked) {
    if (has_snapshot && lsn <= snapshot_lsn)
      continue;
    check(lsn <= last && records[lsn - (has_snapshot ? snapshot_lsn + 1 : 1)].second == p,
          "an acknowledged record is recovered");
  }
  check(w->next_lsn() == last + 1, "the writer goes on after the last LSN recovered");
  // What survived is durable; what did not is gone and its LSNs are free again.
  m.live.clear();
  m.acked.clear();
  for (auto& [lsn, p] : records)
    m.live[lsn] = m.acked[lsn] = p;
  return w;
}

/// An operation failed: poison means a restart; disk_full and io_error (a segment or snapshot
/// file that could not be prepared) leave the writer going without what it had not written.
bool failed(const caf::error& err, writer& w, model& m) {
  bool expected = is(err, errc::disk_full) || is(err, errc::wal_poisoned) || is(err, errc::io_error);
  if (!expected)
    std::fprintf(stderr, "failed: %s\n", describe(err).c_str());
  check(expected, "an operation fails with disk_full, io_error or wal_poisoned");
  if (w.poisoned())
    return true;
  m.dropped_after(w.written_lsn());
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = [] {
    spdlog::set_level(spdlog::level::off); // every open and poison logs otherwise
    return true;
  }();
  (void) quiet;
  keel::fuzz::byte_reader in{data, size};
  auto fs = std::make_shared<fault_file_system>();
  model m;
  auto w = std::make_unique<writer>(writer_options(fs));
  {
    collecting_reporter rep;
    check(!w->open(rep, nullptr, nullptr), "an empty directory opens");
  }
  // A power cut and the restart after it.
  auto power_cut = [&](size_t keep_unsynced) {
    w.reset();
    fs->clear_faults();
    fs->crash(keep_unsynced);
    w = restart(fs, m);
  };
  // KEEL_FUZZ_TRACE=1 prints each operation and its outcome (for reading a reproducer).
  static const bool trace = std::getenv("KEEL_FUZZ_TRACE") != nullptr;
  size_t ops = 0;
  while (in.n > 0 && ops++ < 200) {
    auto op = in.next();
    auto arg = in.next();
    if (trace)
      std::fprintf(stderr, "op %d arg %d: next %llu written %llu durable %llu\n", op % 12, arg,
                   static_cast<unsigned long long>(w->next_lsn()),
                   static_cast<unsigned long long>(w->written_lsn()),
                   static_cast<unsigned long long>(w->durable_lsn()));
    caf::error err;
    switch (op % 12) {
      case 0: {
        auto p = m.payload(arg);
        auto lsn = w->append(p);
        if (lsn)
          m.appended(*lsn, p);
        else
          err = lsn.error();
        break;
      }
      case 1: {
        std::vector<std::string> ps;
        for (int i = 0; i < 2 + arg % 3; ++i)
          ps.push_back(m.payload(static_cast<uint8_t>(arg + i * 37)));
        std::vector<std::string_view> views(ps.begin(), ps.end());
        auto last = w->append(views.data(), views.size());
        if (last)
          for (size_t i = 0; i < ps.size(); ++i)
            m.appended(*last - ps.size() + 1 + i, ps[i]);
        else
          err = last.error();
        break;
      }
      case 2:
        err = w->commit();
        break;
      case 3:
        err = w->write();
        break;
      case 4:
        err = w->sync();
        break;
      case 5:
        err = w->roll();
        break;
      case 6: {
        err = w->write();
        if (!err && w->written_lsn() > 0) {
          auto lsn = w->written_lsn() - arg % 3 % w->written_lsn();
          auto state = "state at " + std::to_string(lsn) + " #" + std::to_string(++m.payloads);
          err = w->snapshot(lsn, state);
          if (!err) {
            m.snapshots[lsn] = state;
            m.durable(lsn);
          }
        }
        break;
      }
      case 7:
        fs->fail_nth(fault_file_system::op::fdatasync, 1 + arg % 4, EIO);
        break;
      case 8:
        fs->fail_nth(fault_file_system::op::pwrite, 1 + arg % 4, ENOSPC);
        break;
      case 9:
        fs->fail_all(fault_file_system::op::pwrite, ENOSPC, arg);
        break;
      case 10:
        fs->clear_faults();
        break;
      case 11:
        power_cut(arg % 4 == 0 ? 0 : arg * 3);
        continue;
    }
    if (!err) {
      m.durable(w->durable_lsn());
      continue;
    }
    if (trace)
      std::fprintf(stderr, "  failed: %s\n", describe(err).c_str());
    if (failed(err, *w, m))
      power_cut(arg * 5 % 300);
  }
  power_cut(0);
  return 0;
}
