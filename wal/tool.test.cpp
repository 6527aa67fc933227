// The operator tool, run as a program: build/wal/keel-wal inspect|verify|dump DIR.
#include "testkit/child_process.hpp"
#include "wal/format.hpp"
#include "wal/test_util.hpp"

#include <cstdlib>

using namespace keel::wal;
using namespace keel::wal::test;
using keel::testkit::child_process;

namespace {

std::string keel_wal() {
  const char* root = std::getenv("KEEL_BUILD_ROOT");
  return std::string{root != nullptr && *root != '\0' ? root : "."} + "/wal/keel-wal";
}

// Records 1..n in 4 KiB segments (63 records each).
void make_log(const std::string& dir, uint64_t n) {
  writer w{small_log(dir)};
  REQUIRE(!open_quiet(w));
  append_range(w, 1, n);
  REQUIRE(!w.close());
}

size_t count_lines_starting(const child_process& p, const std::string& prefix) {
  size_t n = 0;
  for (auto& l : p.lines())
    if (l.rfind(prefix, 0) == 0)
      ++n;
  return n;
}

} // namespace

TEST_CASE("keel-wal inspect lists every segment and verify passes a healthy log", "[wal][tool]") {
  temp_dir tmp;
  make_log(tmp.path(), 150); // 3 segments
  auto segments = segment_names(*posix_file_system(), tmp.path());
  REQUIRE(segments.size() == 3);
  child_process inspect{{keel_wal(), "inspect", tmp.path()}};
  REQUIRE(inspect.wait_exit() == 0);
  CHECK(count_lines_starting(inspect, "segment ") == 3);
  CHECK_THAT(inspect.output(), Catch::Contains(segments[1] + "  seq 2  LSN 64..126"));
  CHECK_THAT(inspect.output(), Catch::Contains("ok: last LSN 150, 150 records"));
  child_process verify{{keel_wal(), "verify", tmp.path()}};
  CHECK(verify.wait_exit() == 0);
}

TEST_CASE("keel-wal dump prints every record with its LSN", "[wal][tool]") {
  temp_dir tmp;
  make_log(tmp.path(), 70);
  child_process dump{{keel_wal(), "dump", tmp.path()}};
  REQUIRE(dump.wait_exit() == 0);
  std::vector<std::string> records;
  for (auto& l : dump.lines())
    if (!l.empty() && l[0] >= '0' && l[0] <= '9')
      records.push_back(l);
  REQUIRE(records.size() == 70);
  CHECK(records.front() == "1\t" + std::to_string(payload(1).size()) + "\t" + payload(1));
  CHECK(records.back().rfind("70\t", 0) == 0);
}

TEST_CASE("keel-wal verify names the file and offset of a flipped bit and exits 1",
          "[wal][tool]") {
  temp_dir tmp;
  make_log(tmp.path(), 150);
  auto middle = segment_names(*posix_file_system(), tmp.path())[1];
  auto bytes = slurp(tmp / middle);
  auto offset = segment_header_size + 10 * 64 + 30; // inside the 11th record's payload
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x04);
  spit(tmp / middle, bytes);
  child_process verify{{keel_wal(), "verify", tmp.path()}};
  CHECK(verify.wait_exit() == 1);
  CHECK_THAT(verify.output(), Catch::Contains(middle));
  CHECK_THAT(verify.output(), Catch::Contains("offset " + std::to_string(segment_header_size + 10 * 64)));
}

TEST_CASE("keel-wal without a command prints its usage and exits 2", "[wal][tool]") {
  child_process p{{keel_wal()}};
  CHECK(p.wait_exit() == 2);
  CHECK_THAT(p.output(), Catch::Contains("usage: keel-wal inspect|verify|dump DIR"));
}
