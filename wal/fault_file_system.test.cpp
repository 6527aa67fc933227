#include "wal/fault_file_system.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace keel::wal;
using op = fault_file_system::op;

namespace {

std::unique_ptr<file> create(fault_file_system& fs, const std::string& path) {
  std::unique_ptr<file> f;
  REQUIRE(fs.open(path, open_mode::create, f) == 0);
  return f;
}

} // namespace

TEST_CASE("a crash keeps synced bytes and fsynced directory entries only", "[wal][fault_fs]") {
  fault_file_system fs;
  REQUIRE(fs.mkdir("/d") == 0);
  auto f = create(fs, "/d/a");
  REQUIRE(f->pwrite("hello", 5, 0) == 0);
  REQUIRE(f->fdatasync() == 0);
  REQUIRE(fs.fsync_dir("/d") == 0);
  REQUIRE(f->pwrite(" world", 6, 5) == 0);
  auto g = create(fs, "/d/b"); // never made durable in the directory
  REQUIRE(g->pwrite("x", 1, 0) == 0);
  REQUIRE(g->fdatasync() == 0);
  CHECK(fs.content("/d/a") == "hello world");
  CHECK(fs.durable_content("/d/a") == "hello");
  fs.crash();
  CHECK(fs.content("/d/a") == "hello");
  CHECK_FALSE(fs.exists("/d/b"));
}

TEST_CASE("a crash can keep a torn prefix of the un-synced bytes", "[wal][fault_fs]") {
  fault_file_system fs;
  REQUIRE(fs.mkdir("/d") == 0);
  auto f = create(fs, "/d/a");
  REQUIRE(fs.fsync_dir("/d") == 0);
  REQUIRE(f->pwrite("abcdef", 6, 0) == 0);
  fs.crash(2);
  CHECK(fs.content("/d/a") == "ab");
}

TEST_CASE("a rename is lost by a crash until the directory is fsynced", "[wal][fault_fs]") {
  fault_file_system fs;
  REQUIRE(fs.mkdir("/d") == 0);
  auto f = create(fs, "/d/x.tmp");
  REQUIRE(f->fdatasync() == 0);
  REQUIRE(fs.fsync_dir("/d") == 0);
  REQUIRE(fs.rename("/d/x.tmp", "/d/x") == 0);
  auto image = fs.crash_image();
  CHECK(image->exists("/d/x.tmp"));
  CHECK_FALSE(image->exists("/d/x"));
  REQUIRE(fs.fsync_dir("/d") == 0);
  image = fs.crash_image();
  CHECK(image->exists("/d/x"));
  CHECK_FALSE(image->exists("/d/x.tmp"));
}

TEST_CASE("armed faults fail the nth call, every call, or tear writes", "[wal][fault_fs]") {
  fault_file_system fs;
  REQUIRE(fs.mkdir("/d") == 0);
  auto f = create(fs, "/d/a");
  fs.fail_nth(op::fdatasync, 2, EIO);
  CHECK(f->fdatasync() == 0);
  CHECK(f->fdatasync() == EIO);
  CHECK(f->fdatasync() == 0);
  CHECK(fs.sync_count() == 2);
  fs.fail_all(op::pwrite, ENOSPC, 3);
  CHECK(f->pwrite("abcdef", 6, 0) == ENOSPC);
  CHECK(fs.content("/d/a") == "abc");
  fs.clear_faults();
  CHECK(f->pwrite("abcdef", 6, 0) == 0);
  fs.flip_bit("/d/a", 0, 1);
  CHECK(fs.content("/d/a") == "cbcdef");
  auto events = fs.events();
  REQUIRE(events.size() >= 5);
  CHECK(events[1].kind == op::fdatasync);
  CHECK(events[2].result == EIO);
}

TEST_CASE("a second lock on the same path is refused until the first is released",
          "[wal][fault_fs]") {
  fault_file_system fs;
  REQUIRE(fs.mkdir("/d") == 0);
  std::unique_ptr<file_lock> a, b;
  REQUIRE(fs.lock("/d/LOCK", a) == 0);
  CHECK(fs.lock("/d/LOCK", b) == EWOULDBLOCK);
  a.reset();
  CHECK(fs.lock("/d/LOCK", b) == 0);
}
