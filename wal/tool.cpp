// keel-wal: an operator's view of a shard's WAL directory (read only).
//
//   keel-wal inspect DIR   segments, their LSN ranges and fill, snapshots
//   keel-wal verify DIR    check every checksum; exit 1 naming file + offset on corruption
//   keel-wal dump DIR      every record: LSN, length, payload (escaped, first 64 bytes)
//
// Nothing is changed: recovery runs with repair off and reads every segment.
#include "wal/errc.hpp"
#include "wal/format.hpp"
#include "wal/recovery.hpp"
#include "wal/snapshot.hpp"

#include <cstdio>
#include <string>

using namespace keel::wal;

namespace {

int usage() {
  std::fprintf(stderr, "usage: keel-wal inspect|verify|dump DIR\n"
                       "  inspect  list segments, LSN ranges and snapshots\n"
                       "  verify   check all checksums (exit 1 on corruption)\n"
                       "  dump     print every record\n");
  return 2;
}

class printing_reporter : public reporter {
public:
  void corruption(const std::string& file, uint64_t offset, uint64_t bytes,
                  const std::string& reason) override {
    std::printf("problem: %s at offset %llu: %s (%llu bytes)\n", file.c_str(),
                static_cast<unsigned long long>(offset), reason.c_str(),
                static_cast<unsigned long long>(bytes));
  }
};

std::string escape(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size() && i < 64; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c >= 32 && c < 127 && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (p.size() > 64)
    out += "...";
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3)
    return usage();
  std::string cmd = argv[1];
  if (cmd != "inspect" && cmd != "verify" && cmd != "dump")
    return usage();
  auto fs = posix_file_system();
  recovery_options opts;
  opts.dir = argv[2];
  opts.repair = false;
  opts.verify_all = true;
  opts.deliver_covered = cmd == "dump";
  printing_reporter rep;
  recovery_summary sum;
  record_sink on_record;
  if (cmd == "dump")
    on_record = [](uint64_t lsn, std::string_view p) {
      std::printf("%llu\t%zu\t%s\n", static_cast<unsigned long long>(lsn), p.size(),
                  escape(p).c_str());
    };
  auto err = recover(*fs, opts, rep, nullptr, on_record, sum);
  if (cmd == "inspect" || cmd == "verify") {
    for (auto& s : sum.segments)
      std::printf("segment %s  seq %llu  LSN %llu..%llu  records %llu  used %llu of %llu bytes\n",
                  s.name.c_str(), static_cast<unsigned long long>(s.seq),
                  static_cast<unsigned long long>(s.first_lsn),
                  static_cast<unsigned long long>(s.last_lsn),
                  static_cast<unsigned long long>(s.records),
                  static_cast<unsigned long long>(s.end_offset),
                  static_cast<unsigned long long>(s.file_size));
    std::vector<uint64_t> snaps;
    if (list_snapshots(*fs, opts.dir, snaps) == 0)
      for (auto lsn : snaps)
        std::printf("snapshot %s  LSN %llu%s\n", snapshot_file_name(lsn).c_str(),
                    static_cast<unsigned long long>(lsn),
                    sum.has_snapshot && lsn == sum.snapshot_lsn ? "  (used)" : "");
  }
  if (err) {
    std::fprintf(stderr, "keel-wal: %s\n", describe(err).c_str());
    return 1;
  }
  if (cmd != "dump")
    std::printf("ok: last LSN %llu, %llu records after the snapshot, %zu problem(s)%s\n",
                static_cast<unsigned long long>(sum.last_lsn),
                static_cast<unsigned long long>(sum.records), sum.corruptions,
                sum.corruptions ? " (a torn tail is cut when the writer starts)" : "");
  return 0;
}
