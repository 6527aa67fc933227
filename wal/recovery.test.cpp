#include "wal/recovery.hpp"

#include "wal/crc32c.hpp"
#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/record.hpp"
#include "wal/test_util.hpp"

#include <unistd.h>

using namespace keel::wal;
using namespace keel::wal::test;

namespace {

// Writes records 1..n into `dir` with 4 KiB segments (63 records of 64 bytes per segment).
void make_log(std::shared_ptr<file_system> fs, const std::string& dir, uint64_t n) {
  writer w{small_log(dir, std::move(fs))};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, n);
  REQUIRE(!w.close());
}

constexpr uint64_t per_segment = 63;

uint64_t record_offset(uint64_t index_in_segment) {
  return segment_header_size + index_in_segment * 64;
}

} // namespace

TEST_CASE("a torn tail at every byte offset of the last record recovers everything before it",
          "[wal][recovery]") { // case 3
  temp_dir tmp;
  make_log(posix_file_system(), tmp.path(), 10);
  auto seg = tmp / segment_names(*posix_file_system(), tmp.path()).front();
  auto original = slurp(seg);
  auto last = record_offset(9);
  for (uint64_t cut = last; cut < last + 64; ++cut) {
    for (bool zero_filled : {true, false}) {
      CAPTURE(cut, zero_filled);
      // Pre-allocated file: the rest stays zero; otherwise the file simply ends at `cut`.
      spit(seg, zero_filled ? original.substr(0, cut) + std::string(original.size() - cut, '\0')
                            : original.substr(0, cut));
      auto r = run_recovery(*posix_file_system(), tmp.path());
      REQUIRE(!r.err);
      REQUIRE(r.records.size() == 9);
      CHECK(r.records.back() == rec{9, payload(9)});
      CHECK(r.summary.segments.back().end_offset == last);
    }
  }
  // After the cut the writer goes on at LSN 10 and the log is clean again.
  writer w{small_log(tmp.path())};
  REQUIRE(!open_quiet(w));
  CHECK(w.next_lsn() == 10);
  append_range(w, 10, 12);
  REQUIRE(!w.close());
  auto r = run_recovery(*posix_file_system(), tmp.path(), recovery_mode::absolute);
  REQUIRE(!r.err);
  CHECK(r.records.size() == 12);
}

TEST_CASE("a bit flip anywhere in a middle segment refuses to start naming file and offset",
          "[wal][recovery]") { // case 4
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3 * per_segment);
  auto middle = segment_names(*fs, "/db")[1];
  auto original = fs->content("/db/" + middle);
  for (uint64_t off = 0; off < original.size(); ++off) {
    CAPTURE(off);
    auto bytes = original;
    bytes[off] = static_cast<char>(bytes[off] ^ (1 << (off % 8)));
    fs->set_content("/db/" + middle, bytes);
    auto r = run_recovery(*fs, "/db", recovery_mode::tolerate_torn_tail, false);
    REQUIRE(is(r.err, errc::corrupt));
    uint64_t at = off < segment_header_size ? 0 : std::min(record_offset(per_segment),
                                                           off - (off - segment_header_size) % 64);
    CHECK_THAT(describe(r.err), Catch::Contains(middle)
                                  && Catch::Contains("offset " + std::to_string(at) + " ")
                                  && Catch::Contains("point_in_time"));
  }
  fs->set_content("/db/" + middle, original);
  CHECK(!run_recovery(*fs, "/db").err);
}

TEST_CASE("a bit flip in a middle segment on the real file system names file and offset",
          "[wal][recovery]") { // case 4, real files
  temp_dir tmp;
  make_log(posix_file_system(), tmp.path(), 3 * per_segment);
  auto middle = segment_names(*posix_file_system(), tmp.path())[1];
  auto bytes = slurp(tmp / middle);
  bytes[record_offset(5) + 30] ^= 0x10;
  spit(tmp / middle, bytes);
  auto r = run_recovery(*posix_file_system(), tmp.path());
  REQUIRE(is(r.err, errc::corrupt));
  CHECK_THAT(describe(r.err), Catch::Contains(middle) && Catch::Contains("offset 384 (CRC mismatch)"));
}

TEST_CASE("a record with the wrong segment seq is rejected", "[wal][recovery]") { // case 5
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3 * per_segment);
  auto names = segment_names(*fs, "/db");
  // Copy record 5 of segment 1 over record 5 of segment 2, fixing the LSN and CRC so that only
  // the segment seq is wrong.
  auto first = fs->content("/db/" + names[0]);
  auto second = fs->content("/db/" + names[1]);
  std::string rec = first.substr(record_offset(5), 64);
  detail::put_u64(rec.data() + 8, per_segment + 6);
  detail::put_u32(rec.data(), mask_crc(crc32c(rec.data() + 4, 60)));
  second.replace(record_offset(5), 64, rec);
  fs->set_content("/db/" + names[1], second);
  auto r = run_recovery(*fs, "/db");
  REQUIRE(is(r.err, errc::corrupt));
  CHECK_THAT(describe(r.err), Catch::Contains("wrong segment seq") && Catch::Contains(names[1]));
}

TEST_CASE("a zero-filled pre-allocated tail is the end of the log", "[wal][recovery]") { // 6
  temp_dir tmp;
  make_log(posix_file_system(), tmp.path(), 5);
  auto seg = tmp / segment_names(*posix_file_system(), tmp.path()).front();
  // A clean close cuts the reserved tail off; a crash leaves it zero-filled, as modelled here.
  CHECK(slurp(seg).size() == record_offset(5));
  REQUIRE(::truncate(seg.c_str(), 4096) == 0);
  auto bytes = slurp(seg);
  CHECK(bytes.size() == 4096);
  CHECK(bytes.substr(record_offset(5)) == std::string(4096 - record_offset(5), '\0'));
  auto r = run_recovery(*posix_file_system(), tmp.path(), recovery_mode::absolute);
  REQUIRE(!r.err);
  CHECK(r.records.size() == 5);
  CHECK(r.summary.corruptions == 0);
}

TEST_CASE("a missing segment in the middle is corruption", "[wal][recovery]") { // case 7
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3 * per_segment + 5);
  auto names = segment_names(*fs, "/db");
  REQUIRE(names.size() >= 4);
  REQUIRE(fs->unlink("/db/" + names[1]) == 0);
  auto r = run_recovery(*fs, "/db");
  REQUIRE(is(r.err, errc::corrupt));
  CHECK_THAT(describe(r.err), Catch::Contains("missing segment") && Catch::Contains(names[2]));
  // Also the first one: the log must start at LSN 1 without a snapshot.
  auto fs2 = std::make_shared<fault_file_system>();
  make_log(fs2, "/db", 2 * per_segment);
  REQUIRE(fs2->unlink("/db/" + segment_names(*fs2, "/db")[0]) == 0);
  CHECK(is(run_recovery(*fs2, "/db").err, errc::corrupt));
}

TEST_CASE("absolute mode refuses even a torn tail", "[wal][recovery]") {
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 10);
  auto seg = "/db/" + segment_names(*fs, "/db").front();
  fs->flip_bit(seg, record_offset(9) + 40);
  CHECK(is(run_recovery(*fs, "/db", recovery_mode::absolute).err, errc::corrupt));
  auto r = run_recovery(*fs, "/db", recovery_mode::tolerate_torn_tail, false);
  REQUIRE(!r.err);
  CHECK(r.records.size() == 9);
  CHECK(r.rep.reports.size() == 1);
}

TEST_CASE("point_in_time keeps everything before the first bad record and moves the rest aside",
          "[wal][recovery]") { // case 16
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3 * per_segment + 5);
  auto names = segment_names(*fs, "/db");
  fs->flip_bit("/db/" + names[1], record_offset(10) + 33);
  auto r = run_recovery(*fs, "/db", recovery_mode::point_in_time);
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == per_segment + 10);
  CHECK(r.records.back().lsn == per_segment + 10);
  CHECK(fs->exists("/db/corrupt/" + names[1]));
  CHECK(fs->exists("/db/corrupt/" + names[2]));
  CHECK_FALSE(fs->exists("/db/" + names[2]));
  CHECK(r.rep.reports.size() == 1);
  // The writer continues after the kept records, and a strict check passes.
  auto o = small_log("/db", fs);
  o.recovery = recovery_mode::point_in_time;
  writer w{o};
  REQUIRE(!open_quiet(w));
  CHECK(w.next_lsn() == per_segment + 11);
  append_range(w, per_segment + 11, per_segment + 20);
  REQUIRE(!w.close());
  auto again = run_recovery(*fs, "/db", recovery_mode::absolute);
  REQUIRE(!again.err);
  CHECK(again.records.size() == per_segment + 20);
}

TEST_CASE("skip mode skips each bad record and reports it", "[wal][recovery]") { // case 16
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3 * per_segment);
  auto names = segment_names(*fs, "/db");
  fs->flip_bit("/db/" + names[1], record_offset(10) + 33);
  fs->flip_bit("/db/" + names[1], record_offset(20) + 40);
  auto r = run_recovery(*fs, "/db", recovery_mode::skip);
  REQUIRE(!r.err);
  CHECK(r.records.size() == 3 * per_segment - 2);
  for (auto& x : r.records) {
    CHECK(x.lsn != per_segment + 11);
    CHECK(x.lsn != per_segment + 21);
    CHECK(x.payload == payload(x.lsn));
  }
  CHECK(r.rep.reports.size() >= 2);
}

TEST_CASE("skip mode cuts a torn tail, so that the next records written are recovered",
          "[wal][recovery]") {
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 10);
  auto seg = "/db/" + segment_names(*fs, "/db").front();
  // Record 10 torn after 17 of its 64 bytes, the rest of the file gone: an unaligned end.
  fs->set_content(seg, fs->content(seg).substr(0, record_offset(9) + 17));
  {
    options o = small_log("/db", fs);
    o.recovery = recovery_mode::skip;
    writer w{o};
    REQUIRE(!open_quiet(w));
    CHECK(w.next_lsn() == 10);
    append_range(w, 10, 12);
    REQUIRE(!w.close());
  }
  auto r = run_recovery(*fs, "/db", recovery_mode::skip);
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 12);
  CHECK(r.records.back() == rec{12, payload(12)});
  CHECK(!run_recovery(*fs, "/db", recovery_mode::absolute).err);
}

TEST_CASE("stray tmp files of an interrupted snapshot are removed", "[wal][recovery]") {
  auto fs = std::make_shared<fault_file_system>();
  make_log(fs, "/db", 3);
  fs->set_content("/db/" + snapshot_file_name(2) + ".tmp", "half a snapshot");
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK_FALSE(fs->exists("/db/" + snapshot_file_name(2) + ".tmp"));
  CHECK_FALSE(r.has_snapshot);
  CHECK(r.records.size() == 3);
}

TEST_CASE("a 64 MiB log replays completely", "[wal][recovery]") { // case 18 (1 GiB: the bench)
  temp_dir tmp;
  options o;
  o.dir = tmp.path();
  o.segment_size = 16 << 20;
  std::string big(4000, 'v');
  uint64_t n = (64u << 20) / record_size(big.size());
  {
    writer w{o};
    REQUIRE(!open_quiet(w));
    for (uint64_t i = 1; i <= n; ++i) {
      big[0] = static_cast<char>(i);
      REQUIRE(w.append(big));
      if (w.pending_bytes() > (1u << 20))
        REQUIRE(!w.write());
    }
    REQUIRE(!w.close());
  }
  uint64_t count = 0, bytes = 0, expected = 1;
  bool in_order = true;
  recovery_options ropts;
  ropts.dir = tmp.path();
  collecting_reporter rep;
  recovery_summary sum;
  REQUIRE(!recover(*posix_file_system(), ropts, rep, nullptr,
                   [&](uint64_t lsn, std::string_view p) {
                     in_order = in_order && lsn == expected++
                                && p[0] == static_cast<char>(lsn);
                     ++count;
                     bytes += p.size();
                   },
                   sum));
  CHECK(in_order);
  CHECK(count == n);
  CHECK(bytes >= (63u << 20));
  CHECK(sum.segments.size() >= 4);
}
