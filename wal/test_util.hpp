// Helpers shared by the wal tests (not part of the library).
#pragma once

#include "testkit/temp_dir.hpp"

#include "wal/file_system.hpp"
#include "wal/recovery.hpp"
#include "wal/writer.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace keel::wal::test {

/// A fresh directory removed with everything in it at scope exit (the test kit's).
using temp_dir = keel::testkit::temp_dir;

/// A recovered record.
struct rec {
  uint64_t lsn;
  std::string payload;
  bool operator==(const rec& o) const { return lsn == o.lsn && payload == o.payload; }
};

/// Everything a recovery delivered.
struct recovered {
  bool has_snapshot = false;
  uint64_t snapshot_lsn = 0;
  std::string snapshot;
  std::vector<rec> records;
  recovery_summary summary;
  caf::error err;
  collecting_reporter rep;
};

/// Runs recovery on `dir` and collects the result.
inline recovered run_recovery(file_system& fs, const std::string& dir,
                              recovery_mode mode = recovery_mode::tolerate_torn_tail,
                              bool repair = true) {
  recovered out;
  recovery_options opts;
  opts.dir = dir;
  opts.mode = mode;
  opts.repair = repair;
  out.err = recover(
    fs, opts, out.rep,
    [&](uint64_t lsn, std::string_view state) {
      out.has_snapshot = true;
      out.snapshot_lsn = lsn;
      out.snapshot = std::string{state};
    },
    [&](uint64_t lsn, std::string_view p) { out.records.push_back({lsn, std::string{p}}); },
    out.summary);
  return out;
}

/// The payload tests write as record `i` (40 bytes: records have no padding).
inline std::string payload(uint64_t i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "record-%033llu", static_cast<unsigned long long>(i));
  return std::string{buf, 40};
}

/// Options for a test log in `dir` with small segments.
inline options small_log(const std::string& dir, std::shared_ptr<file_system> fs = nullptr,
                         uint64_t segment_size = 4096) {
  options o;
  o.dir = dir;
  o.segment_size = segment_size;
  o.fs = std::move(fs);
  return o;
}

/// Opens a writer and ignores what it recovers.
inline caf::error open_quiet(writer& w) {
  collecting_reporter rep;
  return w.open(rep, nullptr, nullptr);
}

/// Appends records first..last (one per call) and commits after each.
inline void append_range(writer& w, uint64_t first, uint64_t last) {
  for (auto i = first; i <= last; ++i) {
    auto lsn = w.append(payload(i));
    REQUIRE(lsn);
    REQUIRE(*lsn == i);
    REQUIRE(!w.commit());
  }
}

/// Reads a real file.
inline std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes a real file.
inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << bytes;
}

/// Segment file names in `dir`, sorted.
inline std::vector<std::string> segment_names(file_system& fs, const std::string& dir) {
  std::vector<std::string> names, out;
  REQUIRE(fs.list(dir, names) == 0);
  for (auto& n : names)
    if (parse_segment_file_name(n))
      out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace keel::wal::test
