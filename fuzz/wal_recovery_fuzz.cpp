// Fuzz target for keel::wal::recover: a valid log (three segments, a snapshot, two atomic
// batches) is damaged as the input says, then recovered in the mode the input picks.
//
// Input: byte 0 picks the recovery mode (bits 0-1), repair (bit 2) and whether the snapshot is
// removed (bit 3); then up to 8 edits of 4 bytes each: file (index into the sorted file list),
// offset (2 bytes, little endian) and value: a value other than 0 XORs the byte at the offset,
// 0 cuts the file there.
//
// Checked: an undamaged log recovers everything. A recovery that succeeds delivers only the
// original snapshot and original records, in LSN order, never part of an atomic batch, and
// (every mode but skip) without gaps from the snapshot on. A recovery that fails says corrupt
// or io_error and names the shard and a file or the directory. Without repair recovery changes
// nothing. A writer opening the same damaged log recovers the same, goes on after the last LSN,
// and what it leaves recovers cleanly (absolute mode; skip mode for skip, whose bad records stay)
// to that state plus what it appended.
#include "fuzz/fuzz_check.hpp"
#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/recovery.hpp"
#include "wal/reporter.hpp"
#include "wal/writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <cstdio>
#include <vector>

using namespace keel::wal;
using keel::fuzz::check;

namespace {

const std::string dir = "/db";

struct base_log {
  std::vector<std::pair<std::string, std::string>> files; // name, bytes (sorted by name)
  std::map<uint64_t, std::string> records;                // every LSN written
  std::vector<std::pair<uint64_t, uint64_t>> batches;     // atomic batches [first, last]
  uint64_t snapshot_lsn = 0;
  std::string snapshot_state;
};

std::string payload(uint64_t lsn) {
  // Lengths vary, so that record boundaries fall everywhere.
  return "rec" + std::to_string(lsn) + std::string(lsn * 7 % 53, static_cast<char>('a' + lsn % 26));
}

void append_one(writer& w, base_log& b, uint64_t lsn) {
  auto p = payload(lsn);
  check(w.append(p) && !w.commit(), "base log: append");
  b.records[lsn] = p;
}

void append_batch(writer& w, base_log& b, uint64_t first, uint64_t last) {
  std::vector<std::string> ps;
  for (auto lsn = first; lsn <= last; ++lsn)
    ps.push_back(b.records[lsn] = payload(lsn));
  std::vector<std::string_view> views(ps.begin(), ps.end());
  check(w.append(views.data(), views.size()) && !w.commit(), "base log: batch");
  b.batches.emplace_back(first, last);
}

base_log make_base() {
  spdlog::set_level(spdlog::level::off); // every open logs a line otherwise
  base_log b;
  auto fs = std::make_shared<fault_file_system>();
  options o;
  o.dir = dir;
  o.segment_size = 4096;
  o.fs = fs;
  writer w{o};
  collecting_reporter rep;
  check(!w.open(rep, nullptr, nullptr), "base log: open");
  for (uint64_t i = 1; i <= 12; ++i)
    append_one(w, b, i);
  append_batch(w, b, 13, 15);
  check(!w.roll(), "base log: roll");
  for (uint64_t i = 16; i <= 20; ++i)
    append_one(w, b, i);
  b.snapshot_lsn = 17;
  b.snapshot_state = "state at 17";
  check(!w.snapshot(b.snapshot_lsn, b.snapshot_state), "base log: snapshot");
  append_batch(w, b, 21, 24);
  check(!w.roll(), "base log: roll");
  for (uint64_t i = 25; i <= 30; ++i)
    append_one(w, b, i);
  check(!w.close(), "base log: close");
  std::vector<std::string> names;
  check(fs->list(dir, names) == 0, "base log: list");
  std::sort(names.begin(), names.end());
  for (auto& n : names)
    if (n != "LOCK")
      b.files.emplace_back(n, fs->content(dir + "/" + n));
  return b;
}

struct outcome {
  caf::error err;
  bool has_snapshot = false;
  uint64_t snapshot_lsn = 0;
  std::string snapshot;
  std::vector<std::pair<uint64_t, std::string>> records;
};

outcome run(file_system& fs, recovery_mode mode, bool repair) {
  outcome out;
  recovery_options opts;
  opts.dir = dir;
  opts.mode = mode;
  opts.repair = repair;
  collecting_reporter rep;
  recovery_summary summary;
  out.err = recover(
    fs, opts, rep,
    [&](uint64_t lsn, std::string_view state) {
      out.has_snapshot = true;
      out.snapshot_lsn = lsn;
      out.snapshot = std::string{state};
    },
    [&](uint64_t lsn, std::string_view p) { out.records.emplace_back(lsn, std::string{p}); },
    summary);
  if (!out.err)
    check(summary.last_lsn
            == (out.records.empty() ? out.snapshot_lsn : out.records.back().first),
          "summary.last_lsn is the last LSN delivered");
  return out;
}

std::shared_ptr<fault_file_system>
make_fs(const std::vector<std::pair<std::string, std::string>>& files) {
  auto fs = std::make_shared<fault_file_system>();
  check(fs->mkdir(dir) == 0, "mkdir");
  for (auto& [name, bytes] : files)
    fs->set_content(dir + "/" + name, bytes);
  return fs;
}

bool mutates(fault_file_system::op x) {
  return x != fault_file_system::op::fdatasync && x != fault_file_system::op::fsync_dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const base_log base = make_base();
  if (size == 0)
    return 0;
  auto mode = static_cast<recovery_mode>(data[0] & 3);
  bool repair = (data[0] & 4) != 0;
  bool drop_snapshot = (data[0] & 8) != 0;
  std::vector<std::pair<std::string, std::string>> files;
  for (auto& [name, bytes] : base.files)
    if (!(drop_snapshot && name.size() > 5 && name.compare(name.size() - 5, 5, ".snap") == 0))
      files.emplace_back(name, bytes);
  size_t edits = 0;
  for (size_t at = 1; at + 4 <= size && edits < 8; at += 4, ++edits) {
    auto& bytes = files[data[at] % files.size()].second;
    size_t offset = data[at + 1] | (size_t{data[at + 2]} << 8);
    if (data[at + 3] == 0)
      bytes.resize(std::min(bytes.size(), offset % (bytes.size() + 1)));
    else if (!bytes.empty())
      bytes[offset % bytes.size()] = static_cast<char>(bytes[offset % bytes.size()] ^ data[at + 3]);
  }
  auto fs = make_fs(files);
  auto events_before = fs->events().size();
  auto r = run(*fs, mode, repair);
  if (edits == 0 && !drop_snapshot) {
    check(!r.err, "an undamaged log recovers");
    check(r.has_snapshot && r.records.size() == base.records.size() - base.snapshot_lsn,
          "an undamaged log recovers the snapshot and every record after it");
  }
  if (!repair) {
    auto events = fs->events();
    for (auto i = events_before; i < events.size(); ++i)
      check(!mutates(events[i].kind), "recovery without repair changes nothing");
  }
  if (r.err) {
    check(is(r.err, errc::corrupt) || is(r.err, errc::io_error), "fails as corrupt or io_error");
    auto what = describe(r.err);
    check(what.find("shard 0") != std::string::npos, "the error names the shard");
    check(what.find(".wal") != std::string::npos || what.find(".snap") != std::string::npos
            || what.find(dir) != std::string::npos,
          "the error names a file or the directory");
    return 0;
  }
  if (r.has_snapshot)
    check(r.snapshot_lsn == base.snapshot_lsn && r.snapshot == base.snapshot_state,
          "only the original snapshot is delivered");
  uint64_t expect = r.has_snapshot ? r.snapshot_lsn + 1 : 1;
  uint64_t prev = r.has_snapshot ? r.snapshot_lsn : 0;
  for (auto& [lsn, p] : r.records) {
    auto i = base.records.find(lsn);
    check(i != base.records.end() && i->second == p, "only original records are delivered");
    check(lsn > prev, "records come in LSN order");
    if (mode != recovery_mode::skip)
      check(lsn == expect, "no gaps outside skip mode");
    prev = lsn;
    expect = lsn + 1;
  }
  for (auto [first, last] : base.batches) {
    size_t n = 0;
    for (auto& rec : r.records)
      n += rec.first >= first && rec.first <= last ? 1 : 0;
    check(n == 0 || n == last - first + 1, "an atomic batch is delivered whole or not at all");
  }
  // The next start: a writer recovers the same damaged log (repairing it), appends, closes.
  // Then the log is clean: it recovers (in absolute mode, but for skip mode, whose bad records
  // stay) to what the writer saw plus the new record.
  auto wfs = make_fs(files);
  options o;
  o.dir = dir;
  o.segment_size = 4096;
  o.recovery = mode;
  o.fs = wfs;
  outcome seen;
  {
    writer w{o};
    collecting_reporter rep;
    check(!w.open(
            rep,
            [&](uint64_t lsn, std::string_view state) {
              seen.has_snapshot = true;
              seen.snapshot_lsn = lsn;
              seen.snapshot = std::string{state};
            },
            [&](uint64_t lsn, std::string_view p) { seen.records.emplace_back(lsn, std::string{p}); }),
          "a writer opens a log that recovery accepts");
    check(seen.has_snapshot == r.has_snapshot && seen.snapshot_lsn == r.snapshot_lsn
            && seen.records == r.records,
          "the writer recovers what recovery does");
    auto next = w.next_lsn();
    check(next == (r.records.empty() ? r.snapshot_lsn : r.records.back().first) + 1
            || mode == recovery_mode::skip,
          "the writer goes on after the last LSN recovered");
    check(w.append("after the repair") && !w.close(), "the writer appends to the recovered log");
    seen.records.emplace_back(next, "after the repair");
  }
  auto again = run(*wfs, mode == recovery_mode::skip ? mode : recovery_mode::absolute, false);
  if (again.err)
    std::fprintf(stderr, "after the writer: %s\n", describe(again.err).c_str());
  check(!again.err, "the log a writer repaired and appended to recovers");
  check(again.has_snapshot == seen.has_snapshot && again.snapshot_lsn == seen.snapshot_lsn
          && again.records == seen.records,
        "the log a writer repaired and appended to recovers to the same state");
  return 0;
}
