#include "wal/snapshot.hpp"

#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/test_util.hpp"

#include <cerrno>

using namespace keel::wal;
using namespace keel::wal::test;

namespace {

std::string state_at(uint64_t lsn) {
  return "state-up-to-" + std::to_string(lsn);
}

} // namespace

TEST_CASE("a snapshot round-trips and a damaged one is detected", "[wal][snapshot]") {
  temp_dir tmp;
  REQUIRE(!write_snapshot(*posix_file_system(), tmp.path(), 0, 42, "the state"));
  auto bytes = slurp(tmp / snapshot_file_name(42));
  uint64_t lsn = 0;
  std::string_view state;
  REQUIRE(decode_snapshot(bytes, lsn, state) == nullptr);
  CHECK(lsn == 42);
  CHECK(state == "the state");
  bytes[30] ^= 1;
  CHECK(std::string{decode_snapshot(bytes, lsn, state)} == "snapshot CRC mismatch");
}

TEST_CASE("recovery loads the newest snapshot and replays only what follows it",
          "[wal][snapshot]") {
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 100);
  REQUIRE(!w.snapshot(80, state_at(80)));
  append_range(w, 101, 110);
  REQUIRE(!w.close());
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.snapshot_lsn == 80);
  CHECK(r.snapshot == state_at(80));
  REQUIRE(r.records.size() == 30);
  CHECK(r.records.front().lsn == 81);
  CHECK(r.records.back().lsn == 110);
}

TEST_CASE("a corrupt newest snapshot falls back to the older one and replays from it",
          "[wal][snapshot]") { // case 8
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 150);
  REQUIRE(!w.snapshot(70, state_at(70)));
  append_range(w, 151, 200);
  REQUIRE(!w.snapshot(190, state_at(190)));
  append_range(w, 201, 210);
  REQUIRE(!w.close());
  fs->flip_bit("/db/" + snapshot_file_name(190), 30);
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.snapshot_lsn == 70);
  CHECK(r.snapshot == state_at(70));
  REQUIRE(r.records.size() == 140);
  CHECK(r.records.front() == rec{71, payload(71)});
  CHECK(r.records.back() == rec{210, payload(210)});
  CHECK(r.rep.reports.size() == 1);
  CHECK(fs->exists("/db/corrupt/" + snapshot_file_name(190)));
}

TEST_CASE("a crash between snapshot write and rename keeps the previous state",
          "[wal][snapshot]") { // case 9
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, 40);
  REQUIRE(!w.snapshot(20, state_at(20)));
  fs->fail_nth(fault_file_system::op::rename, 1, EIO); // "crash" right before the rename
  CHECK(w.snapshot(40, state_at(40)));
  fs->set_content("/db/" + snapshot_file_name(40) + ".tmp", "synced but never renamed");
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.snapshot_lsn == 20);
  CHECK(r.records.size() == 20);
  CHECK_FALSE(fs->exists("/db/" + snapshot_file_name(40) + ".tmp"));
}

TEST_CASE("segment deletion after a checkpoint never deletes a segment still needed",
          "[wal][snapshot]") { // case 19
  auto fs = std::make_shared<fault_file_system>();
  writer w{small_log("/db", fs)};
  REQUIRE(!open_quiet(w));
  uint64_t lsn = 0;
  std::vector<uint64_t> snaps;
  for (int round = 0; round < 12; ++round) {
    append_range(w, lsn + 1, lsn + 37);
    lsn += 37;
    REQUIRE(!w.snapshot(lsn, state_at(lsn)));
    snaps.push_back(lsn);
    // Whatever the crash leaves must recover, also when the newest snapshot is damaged.
    auto image = fs->crash_image();
    std::vector<uint64_t> kept;
    REQUIRE(list_snapshots(*image, "/db", kept) == 0);
    CHECK(kept.size() == std::min<size_t>(snaps.size(), 2));
    auto r = run_recovery(*image, "/db", recovery_mode::absolute, false);
    REQUIRE(!r.err);
    CHECK(r.snapshot_lsn == lsn);
    if (kept.size() == 2) {
      image->flip_bit("/db/" + snapshot_file_name(kept[0]), 27);
      auto fallback = run_recovery(*image, "/db", recovery_mode::tolerate_torn_tail, false);
      REQUIRE(!fallback.err);
      CHECK(fallback.snapshot_lsn == kept[1]);
      REQUIRE(!fallback.records.empty());
      CHECK(fallback.records.front().lsn == kept[1] + 1);
      CHECK(fallback.records.back().lsn == lsn);
    }
  }
  // Old segments really were deleted.
  CHECK(segment_names(*fs, "/db").front() != segment_file_name(1, 1));
  REQUIRE(!w.close());
}
