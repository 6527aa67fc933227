#include "wal/writer.hpp"

#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/test_util.hpp"

#include <cerrno>

using namespace keel::wal;
using namespace keel::wal::test;

TEST_CASE("an empty directory starts an empty log", "[wal][writer]") { // case 1
  temp_dir tmp;
  writer w{small_log(tmp / "shard-0")};
  size_t delivered = 0;
  REQUIRE(!w.open(nullptr, [&](uint64_t, std::string_view) { ++delivered; }));
  CHECK(delivered == 0);
  CHECK(w.next_lsn() == 1);
  CHECK(w.durable_lsn() == 0);
  CHECK(segment_names(*posix_file_system(), tmp / "shard-0").size() == 1);
  REQUIRE(!w.close());
}

TEST_CASE("opening creates missing parent directories, as mkdir -p", "[wal][writer]") {
  temp_dir tmp;
  auto dir = tmp / "data/node-a/shard-3";
  {
    writer w{small_log(dir)};
    REQUIRE(!open_quiet(w));
    append_range(w, 1, 5);
    REQUIRE(!w.close());
  }
  CHECK(segment_names(*posix_file_system(), dir).size() == 1);
  CHECK(run_recovery(*posix_file_system(), dir).records.size() == 5);
}

TEST_CASE("a clean close cuts the reserved tail and a reopen appends after it", "[wal][writer]") {
  temp_dir tmp;
  {
    writer w{small_log(tmp.path())};
    REQUIRE(!open_quiet(w));
    append_range(w, 1, 3);
    REQUIRE(!w.close());
  }
  auto seg = tmp / segment_names(*posix_file_system(), tmp.path()).front();
  auto cut = slurp(seg).size();
  CHECK(cut < 4096); // the 4 KiB segment was reserved while open
  {
    writer w{small_log(tmp.path())};
    REQUIRE(!open_quiet(w));
    CHECK(w.next_lsn() == 4);
    append_range(w, 4, 6);
    REQUIRE(!w.close());
  }
  auto r = run_recovery(*posix_file_system(), tmp.path(), recovery_mode::absolute);
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 6);
  CHECK(r.records.back().lsn == 6);
}

TEST_CASE("a clean shutdown and restart replays to the same records", "[wal][writer]") { // 2
  temp_dir tmp;
  {
    writer w{small_log(tmp.path())};
    REQUIRE(!open_quiet(w));
    append_range(w, 1, 50);
    REQUIRE(!w.close());
  }
  writer w{small_log(tmp.path())};
  std::vector<rec> got;
  REQUIRE(!w.open(nullptr, [&](uint64_t lsn, std::string_view p) {
    got.push_back({lsn, std::string{p}});
  }));
  REQUIRE(got.size() == 50);
  for (uint64_t i = 1; i <= 50; ++i)
    CHECK(got[i - 1] == rec{i, payload(i)});
  CHECK(w.next_lsn() == 51);
  append_range(w, 51, 60);
  REQUIRE(!w.close());
  CHECK(run_recovery(*posix_file_system(), tmp.path()).records.size() == 60);
}

TEST_CASE("LSNs continue without a gap across segment rollover", "[wal][writer]") { // case 14
  temp_dir tmp;
  {
    writer w{small_log(tmp.path())};
    REQUIRE(!open_quiet(w));
    append_range(w, 1, 300); // 64-byte records, 4 KiB segments: several rollovers
    REQUIRE(!w.close());
  }
  auto names = segment_names(*posix_file_system(), tmp.path());
  REQUIRE(names.size() >= 4);
  uint64_t expected_first = 1;
  for (size_t i = 0; i < names.size(); ++i) {
    auto id = parse_segment_file_name(names[i]);
    REQUIRE(id);
    CHECK(id->seq == i + 1);
    CHECK(id->first_lsn == expected_first);
    // 63 records of 64 bytes fit after the 64-byte header of a 4 KiB segment.
    expected_first += 63;
  }
  auto r = run_recovery(*posix_file_system(), tmp.path());
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 300);
  for (uint64_t i = 0; i < 300; ++i)
    CHECK(r.records[i].lsn == i + 1);
  CHECK(r.summary.corruptions == 0);
  // After a restart the next record continues the sequence in the last segment.
  writer w{small_log(tmp.path())};
  REQUIRE(!open_quiet(w));
  CHECK(w.next_lsn() == 301);
  append_range(w, 301, 400);
  REQUIRE(!w.close());
  CHECK(run_recovery(*posix_file_system(), tmp.path()).records.size() == 400);
}

TEST_CASE("a second writer on the same directory fails on LOCK naming the directory",
          "[wal][writer]") { // case 13
  temp_dir tmp;
  writer first{small_log(tmp.path())};
  REQUIRE(!open_quiet(first));
  writer second{small_log(tmp.path())};
  auto err = open_quiet(second);
  REQUIRE(is(err, errc::locked));
  CHECK_THAT(describe(err), Catch::Contains(tmp.path()) && Catch::Contains("locked"));
  REQUIRE(!first.close());
  // Once the first writer is gone, the directory can be opened again.
  writer third{small_log(tmp.path())};
  REQUIRE(!open_quiet(third));
  REQUIRE(!third.close());
}

TEST_CASE("EIO on fdatasync poisons the writer and fails every later call", "[wal][writer]") {
  // case 11 (plain class; the actor test checks pending appends)
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 3);
  fs->fail_nth(fault_file_system::op::fdatasync, 1, EIO);
  REQUIRE(w.append(payload(4)));
  auto err = w.commit();
  REQUIRE(is(err, errc::wal_poisoned));
  CHECK_THAT(describe(err), Catch::Contains("fdatasync") && Catch::Contains("restart"));
  CHECK(w.poisoned());
  CHECK(w.durable_lsn() == 3);
  auto syncs = fs->sync_count();
  // Never retried: later calls fail without touching the file.
  CHECK(is(w.append(payload(5)).error(), errc::wal_poisoned));
  CHECK(is(w.sync(), errc::wal_poisoned));
  CHECK(fs->sync_count() == syncs);
  // What was acknowledged survives a crash.
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.records.size() >= 3);
}

TEST_CASE("ENOSPC fails the append with disk_full, loses nothing acknowledged and recovers",
          "[wal][writer]") { // case 12
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 5);
  fs->fail_all(fault_file_system::op::pwrite, ENOSPC, 30); // a torn prefix lands each time
  REQUIRE(w.append(payload(6)));
  auto err = w.commit();
  REQUIRE(is(err, errc::disk_full));
  CHECK_THAT(describe(err), Catch::Contains("no space"));
  CHECK_FALSE(w.poisoned());
  CHECK(w.next_lsn() == 6); // the failed record's LSN is given out again
  fs->clear_faults();
  append_range(w, 6, 10); // space is back: writing resumes
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 10);
  for (uint64_t i = 1; i <= 10; ++i)
    CHECK(r.records[i - 1] == rec{i, payload(i)});
}

TEST_CASE("what a failed write left behind is cleared once space returns, before the segment "
          "is sealed",
          "[wal][writer]") { // case 12, torn prefix that could not be zeroed
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 3);
  // The write of records 4-6 lands 100 bytes (record 4 whole, part of 5); zeroing them fails.
  fs->fail_nth(fault_file_system::op::pwrite, 2, ENOSPC);
  fs->fail_all(fault_file_system::op::pwrite, ENOSPC, 100);
  for (uint64_t i = 4; i <= 6; ++i)
    REQUIRE(w.append(payload(i)));
  REQUIRE(is(w.commit(), errc::disk_full));
  fs->clear_faults();
  // Space is back; the log rolls before anything is written over the torn bytes.
  REQUIRE(!w.roll());
  append_range(w, 4, 5);
  REQUIRE(!w.close());
  auto r = run_recovery(*fs, "/db", recovery_mode::absolute);
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 5);
  for (uint64_t i = 1; i <= 5; ++i)
    CHECK(r.records[i - 1] == rec{i, payload(i)});
}

TEST_CASE("ENOSPC while pre-allocating the next segment fails appends until space returns",
          "[wal][writer]") { // case 12, rollover path
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 60);
  fs->fail_all(fault_file_system::op::create, ENOSPC);
  caf::error err;
  uint64_t i = 61;
  for (; i < 300 && !err; ++i) {
    auto lsn = w.append(payload(i));
    err = lsn ? w.commit() : lsn.error();
  }
  // The already pre-created segment is used up first; the one after it cannot be created.
  CHECK(is(err, errc::disk_full));
  auto acked = w.durable_lsn();
  CHECK(acked == 126);
  CHECK(w.next_lsn() == 127);
  fs->clear_faults();
  append_range(w, acked + 1, acked + 10);
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.records.size() == acked + 10);
}

TEST_CASE("a crash between segment create and directory fsync loses nothing acknowledged",
          "[wal][writer]") { // case 10
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 63); // the first segment is full
  fs->fail_nth(fault_file_system::op::fsync_dir, 1, EIO);
  auto lsn = w.append(payload(64)); // rolls over: create, sync, rename, fsync_dir (fails)
  REQUIRE(!lsn);
  // The rename happened, its directory fsync did not: the writer is poisoned.
  CHECK(is(lsn.error(), errc::wal_poisoned));
  CHECK(w.durable_lsn() == 63);
  fs->crash();
  CHECK(segment_names(*fs, "/db").size() == 1); // the renamed segment is gone
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.records.size() == 63);
  writer again{small_log("/db", fs)};
  REQUIRE(!open_quiet(again));
  CHECK(again.next_lsn() == 64);
  append_range(again, 64, 70);
  REQUIRE(!again.close());
}

TEST_CASE("an atomic batch is recovered all or nothing", "[wal][writer]") {
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 2);
  std::vector<std::string> batch{payload(3), payload(4), payload(5)};
  std::vector<std::string_view> views(batch.begin(), batch.end());
  auto lsn = w.append(views.data(), views.size());
  REQUIRE(lsn);
  CHECK(*lsn == 5);
  REQUIRE(!w.commit());
  CHECK(run_recovery(*fs, "/db", recovery_mode::tolerate_torn_tail, false).records.size() == 5);
  // Tear the batch: only its first two records reach the disk.
  auto seg = "/db/" + segment_names(*fs, "/db").front();
  auto bytes = fs->content(seg);
  auto batch_end_offset = segment_header_size + 4 * 64;
  fs->set_content(seg, bytes.substr(0, batch_end_offset) + std::string(bytes.size() - batch_end_offset, '\0'));
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.records.size() == 2);
}

TEST_CASE("a record too large for a segment is refused with advice", "[wal][writer]") {
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  auto lsn = w.append(std::string(5000, 'x'));
  REQUIRE(!lsn);
  CHECK(is(lsn.error(), errc::too_large));
  CHECK_THAT(describe(lsn.error()), Catch::Contains("segment_size"));
  CHECK(w.next_lsn() == 1);
}

TEST_CASE("invalid options are refused naming the field and value", "[wal][writer]") {
  options o;
  o.dir = "/db";
  o.segment_size = 100;
  auto err = validate(o);
  REQUIRE(is(err, errc::invalid_argument));
  CHECK_THAT(describe(err), Catch::Contains("segment_size") && Catch::Contains("100"));
  CHECK(parse_recovery_mode("point_in_time") == recovery_mode::point_in_time);
  CHECK(parse_sync_policy("interval") == sync_policy::interval);
  CHECK_FALSE(parse_sync_policy("sometimes"));
}
