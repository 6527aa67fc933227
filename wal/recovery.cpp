#include "wal/recovery.hpp"

#include "wal/errc.hpp"
#include "wal/record.hpp"
#include "wal/snapshot.hpp"

#include <cerrno>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sys/mman.h>

namespace keel::wal {

namespace {

using detail::decode_status;
using detail::record_view;

// A reusable read buffer in 2 MiB-aligned memory, advised to use huge pages: faulting in a
// fresh 64 MiB buffer page by page costs more than reading the segment on a VM.
class read_buffer {
public:
  read_buffer() = default;
  read_buffer(const read_buffer&) = delete;
  read_buffer& operator=(const read_buffer&) = delete;
  ~read_buffer() { std::free(data_); }

  /// Reads the whole file at `path`; `out` views the bytes until the next call. With `map`,
  /// the file is mapped where the file system can: the active segment of a crashed writer is
  /// mostly reserved, never written space, which a mapping reads without filling a buffer.
  int read(file_system& fs, const std::string& path, std::string_view& out, bool map = false) {
    mapped_ = nullptr;
    std::unique_ptr<file> f;
    if (auto err = fs.open(path, open_mode::read, f))
      return err;
    if (map && f->map(out, mapped_) == 0)
      return 0;
    uint64_t size = 0;
    if (auto err = f->size(size))
      return err;
    if (size > cap_) {
      constexpr size_t huge = size_t{2} << 20;
      constexpr size_t page = 4096;
      // Files under a huge page (small test segments, snapshots) get no huge-page buffer.
      size_t unit = size >= huge ? huge : page;
      std::free(data_);
      cap_ = (size + unit - 1) / unit * unit;
      data_ = static_cast<char*>(std::aligned_alloc(unit, cap_));
      if (data_ == nullptr) {
        cap_ = 0;
        return ENOMEM;
      }
#ifdef MADV_HUGEPAGE
      if (unit == huge)
        ::madvise(data_, cap_, MADV_HUGEPAGE);
#endif
    }
    size_t got = 0;
    if (size > 0)
      if (auto err = f->pread(data_, size, 0, got))
        return err;
    out = std::string_view{data_ ? data_ : "", got};
    return 0;
  }

private:
  char* data_ = nullptr;
  size_t cap_ = 0;
  std::shared_ptr<const void> mapped_;
};

struct seg_file {
  std::string name;
  segment_name id;
};

class recovery {
public:
  recovery(file_system& fs, const recovery_options& opts, reporter& rep,
           const snapshot_sink& on_snapshot, const record_sink& on_record, recovery_summary& out)
    : fs_(fs), opts_(opts), rep_(rep), on_snapshot_(on_snapshot), on_record_(on_record),
      out_(out) {}

  caf::error run() {
    out_ = recovery_summary{};
    std::vector<std::string> names;
    if (auto err = fs_.list(opts_.dir, names))
      return io("listing", opts_.dir, err);
    std::vector<uint64_t> snaps;
    for (auto& n : names) {
      if (auto s = parse_segment_file_name(n)) {
        segs_.push_back({n, *s});
        out_.max_seq = std::max(out_.max_seq, s->seq);
      } else if (auto lsn = parse_snapshot_file_name(n)) {
        snaps.push_back(*lsn);
      } else if (opts_.repair && n.size() > 4 && n.compare(n.size() - 4, 4, ".tmp") == 0
                 && n != next_segment_tmp_name) {
        (void) fs_.unlink(join_path(opts_.dir, n)); // an interrupted snapshot
      }
    }
    std::sort(segs_.begin(), segs_.end(),
              [](const seg_file& a, const seg_file& b) { return a.id.seq < b.id.seq; });
    std::sort(snaps.rbegin(), snaps.rend());
    if (auto err = load_snapshot(snaps))
      return err;
    return replay();
  }

private:
  // -- snapshots --------------------------------------------------------------

  caf::error load_snapshot(const std::vector<uint64_t>& snaps) {
    for (auto lsn : snaps) {
      auto name = snapshot_file_name(lsn);
      if (auto err = read_file(fs_, join_path(opts_.dir, name), buf_))
        return io("reading", name, err);
      uint64_t got_lsn = 0;
      std::string_view state;
      const char* reason = decode_snapshot(buf_, got_lsn, state);
      if (reason == nullptr && got_lsn != lsn)
        reason = "snapshot LSN does not match its file name";
      if (reason != nullptr) {
        report(name, 0, buf_.size(), reason);
        if (opts_.repair)
          move_to_corrupt(name);
        continue;
      }
      out_.has_snapshot = true;
      out_.snapshot_lsn = lsn;
      out_.last_lsn = lsn;
      if (on_snapshot_)
        on_snapshot_(lsn, state);
      return caf::none;
    }
    return caf::none;
  }

  // -- segments ---------------------------------------------------------------

  caf::error replay() {
    uint64_t start = out_.snapshot_lsn + 1;
    if (segs_.empty())
      return caf::none;
    size_t first = 0;
    if (!opts_.verify_all) {
      // The last segment that starts at or before `start`.
      bool found = false;
      for (size_t i = 0; i < segs_.size(); ++i)
        if (segs_[i].id.first_lsn <= start) {
          first = i;
          found = true;
        }
      if (!found)
        first = 0;
    }
    expected_ = segs_[first].id.first_lsn;
    if (expected_ > start || (!out_.has_snapshot && expected_ != 1)) {
      auto reason = "missing segment: the log resumes at LSN " + std::to_string(expected_)
                    + " but LSN " + std::to_string(start) + " is needed";
      if (auto err = bad_segment(first, reason))
        return err;
      if (stopped_)
        return caf::none;
    }
    for (size_t i = first; i < segs_.size() && !stopped_; ++i)
      if (auto err = read_segment(i))
        return err;
    return caf::none;
  }

  /// A whole segment (from offset 0) is unusable or out of sequence.
  caf::error bad_segment(size_t i, const std::string& reason) {
    auto& s = segs_[i];
    switch (opts_.mode) {
      case recovery_mode::skip:
        report(s.name, 0, 0, reason);
        expected_ = s.id.first_lsn;
        return caf::none;
      case recovery_mode::point_in_time:
        report(s.name, 0, 0, reason);
        if (opts_.repair)
          for (size_t j = i; j < segs_.size(); ++j)
            move_to_corrupt(segs_[j].name);
        stopped_ = true;
        return caf::none;
      default:
        return corrupt(s.name, 0, reason);
    }
  }

  caf::error read_segment(size_t i) {
    auto& s = segs_[i];
    bool last = i + 1 == segs_.size();
    std::string_view data;
    if (auto err = seg_buf_.read(fs_, join_path(opts_.dir, s.name), data, last))
      return io("reading", s.name, err);
    detail::segment_header head;
    if (const char* reason = detail::decode_segment_header(data, head))
      return bad_segment(i, reason);
    if (head.seq != s.id.seq || head.first_lsn != s.id.first_lsn)
      return bad_segment(i, "segment header does not match its file name");
    if (s.id.first_lsn != expected_) {
      auto reason = "missing segment or records: expected LSN " + std::to_string(expected_)
                    + ", segment starts at " + std::to_string(s.id.first_lsn);
      if (auto err = bad_segment(i, reason))
        return err;
      if (stopped_)
        return caf::none;
    }
    segment_summary sum;
    sum.name = s.name;
    sum.seq = s.id.seq;
    sum.first_lsn = s.id.first_lsn;
    sum.last_lsn = s.id.first_lsn - 1;
    sum.file_size = data.size();
    uint64_t pos = segment_header_size;
    std::vector<record_view> batch;
    uint64_t batch_offset = 0;
    record_view rec;
    const char* reason = nullptr;
    for (;;) {
      auto st = detail::decode_record(data, pos, s.id.seq, rec, reason);
      std::string why;
      if (st == decode_status::ok) {
        bool in_batch = !batch.empty();
        if (rec.lsn < expected_ || (rec.lsn > expected_ && opts_.mode != recovery_mode::skip)) {
          why = "LSN out of order (expected " + std::to_string(expected_) + ", found "
                + std::to_string(rec.lsn) + ")";
        } else if (in_batch
                   && (rec.type == record_type::full || rec.type == record_type::batch_begin)) {
          why = "atomic batch interrupted";
        } else if (!in_batch
                   && (rec.type == record_type::batch_middle
                       || rec.type == record_type::batch_end)) {
          why = "batch record outside a batch";
        }
        if (why.empty()) {
          if (rec.lsn > expected_)
            report(s.name, pos, 0, "LSN gap: " + std::to_string(expected_) + " to "
                                     + std::to_string(rec.lsn - 1) + " missing");
          expected_ = rec.lsn + 1;
          pos += record_size(rec.payload.size());
          switch (rec.type) {
            case record_type::full:
              deliver(rec);
              sum.end_offset = pos;
              break;
            case record_type::batch_begin:
              batch_offset = rec.offset;
              batch.push_back(rec);
              break;
            case record_type::batch_middle:
              batch.push_back(rec);
              break;
            case record_type::batch_end:
              batch.push_back(rec);
              for (auto& r : batch)
                deliver(r);
              batch.clear();
              sum.end_offset = pos;
              break;
            default: // checkpoint markers carry no state
              sum.end_offset = pos;
              break;
          }
          sum.last_lsn = rec.lsn;
          if (batch.empty())
            ++sum.records;
          continue;
        }
      } else if (st == decode_status::end) {
        if (batch.empty()) {
          if (pos < data.size() && valid_follows(data, pos, s.id.seq)) {
            why = "zero-filled gap followed by valid records";
          } else {
            sum.end_offset = std::max<uint64_t>(pos, segment_header_size);
            break;
          }
        } else {
          why = "incomplete atomic batch";
        }
      } else {
        why = reason;
      }
      // A bad record at `pos` (or an incomplete batch starting at batch_offset).
      uint64_t cut = batch.empty() ? pos : batch_offset;
      if (!batch.empty()) {
        expected_ = batch.front().lsn;
        sum.last_lsn = expected_ - 1;
        batch.clear();
      }
      // The end of the log: cut the bad tail; the writer goes on at `cut`.
      auto torn_tail = [&]() -> caf::error {
        report(s.name, cut, dirty_end(data, cut) - cut, "torn tail: " + why);
        if (auto err = cut_tail(s.name, data, cut))
          return err;
        sum.end_offset = cut;
        out_.segments.push_back(sum);
        return caf::none;
      };
      switch (opts_.mode) {
        case recovery_mode::absolute:
          return corrupt(s.name, pos, why);
        case recovery_mode::tolerate_torn_tail:
          if (!last || valid_follows(data, pos + record_alignment, s.id.seq))
            return corrupt(s.name, pos, why);
          return torn_tail();
        case recovery_mode::point_in_time:
          report(s.name, cut, data.size() - cut, "point_in_time stop: " + why);
          if (opts_.repair) {
            if (auto err = save_copy(s.name, data))
              return err;
            if (auto err = cut_tail(s.name, data, cut))
              return err;
            for (size_t j = i + 1; j < segs_.size(); ++j)
              move_to_corrupt(segs_[j].name);
          }
          sum.end_offset = cut;
          out_.segments.push_back(sum);
          stopped_ = true;
          return caf::none;
        case recovery_mode::skip: {
          auto next = next_valid(data, pos + record_alignment, s.id.seq);
          // Nothing valid follows: a torn tail, cut as tolerate_torn_tail does, so that the
          // writer does not go on after the garbage, where the next recovery would not look.
          if (last && next >= data.size())
            return torn_tail();
          report(s.name, pos, next - pos, "skipped: " + why);
          pos = next;
          continue;
        }
      }
    }
    out_.segments.push_back(sum);
    return caf::none;
  }

  void deliver(const record_view& r) {
    if (r.lsn <= out_.snapshot_lsn && out_.has_snapshot && !opts_.deliver_covered)
      return;
    out_.last_lsn = std::max(out_.last_lsn, r.lsn);
    if (r.type == record_type::checkpoint)
      return;
    ++out_.records;
    out_.payload_bytes += r.payload.size();
    if (on_record_)
      on_record_(r.lsn, r.payload);
  }

  // -- scanning helpers -------------------------------------------------------

  static uint64_t align(uint64_t x) {
    return (x + record_alignment - 1) & ~uint64_t{record_alignment - 1};
  }

  /// First offset at or after `from` holding a valid record of segment `seq` (or data.size()).
  static uint64_t next_valid(std::string_view data, uint64_t from, uint64_t seq) {
    record_view r;
    const char* reason = nullptr;
    const uint64_t n = data.size();
    for (uint64_t p = align(from); p + record_header_size <= n;) {
      if (detail::decode_record(data, p, seq, r, reason) == decode_status::ok)
        return p;
      // Skip zero runs quickly: a header lying wholly inside zeros is not a record.
      uint64_t q = skip_zeros(data, p + record_alignment);
      if (q >= n)
        return n;
      uint64_t down = q & ~uint64_t{record_alignment - 1};
      uint64_t next = down >= 16 ? down - 16 : 0;
      p = std::max(p + record_alignment, next);
    }
    return n;
  }

  /// First offset at or after `from` (aligned) whose 8-byte word is not zero, or data.size().
  static uint64_t skip_zeros(std::string_view data, uint64_t from) {
    uint64_t q = from;
    // 64 bytes at a time (the compiler vectorizes the OR), then word by word.
    const char* p = data.data();
    if (q % 8 == 0)
      while (q + 64 <= data.size() && zero_block(p + q))
        q += 64;
    while (q + 8 <= data.size() && detail::get_u64(data.data() + q) == 0)
      q += 8;
    while (q < data.size() && data[q] == 0)
      ++q;
    return std::min<uint64_t>(q, data.size());
  }

  static bool zero_block(const char* p) {
    uint64_t acc = 0;
    for (int k = 0; k < 8; ++k)
      acc |= detail::get_u64(p + 8 * k);
    return acc == 0;
  }

  static bool valid_follows(std::string_view data, uint64_t from, uint64_t seq) {
    return next_valid(data, from, seq) < data.size();
  }

  /// One past the last non-zero byte at or after `from` (at least `from`).
  static uint64_t dirty_end(std::string_view data, uint64_t from) {
    uint64_t end = data.size();
    if (end % 8 == 0)
      while (end >= from + 64 && zero_block(data.data() + end - 64))
        end -= 64;
    while (end >= from + 8 && end % 8 == 0 && detail::get_u64(data.data() + end - 8) == 0)
      end -= 8;
    while (end > from && data[end - 1] == 0)
      --end;
    return end;
  }

  // -- repairs ----------------------------------------------------------------

  caf::error cut_tail(const std::string& name, std::string_view data, uint64_t cut) {
    if (!opts_.repair)
      return caf::none;
    auto end = dirty_end(data, cut);
    if (end <= cut)
      return caf::none;
    std::unique_ptr<file> f;
    auto path = join_path(opts_.dir, name);
    if (auto err = fs_.open(path, open_mode::write, f))
      return io("opening", name, err);
    std::string zeros(end - cut, '\0');
    if (auto err = f->pwrite(zeros.data(), zeros.size(), cut))
      return io("zeroing the tail of", name, err);
    if (auto err = f->fdatasync())
      return io("syncing", name, err);
    return caf::none;
  }

  caf::error save_copy(const std::string& name, std::string_view data) {
    auto dir = join_path(opts_.dir, std::string{corrupt_dir_name});
    if (auto err = fs_.mkdir(dir))
      return io("creating", dir, err);
    std::unique_ptr<file> f;
    auto path = join_path(dir, name);
    if (auto err = fs_.open(path, open_mode::create, f))
      return io("creating", path, err);
    if (auto err = f->pwrite(data.data(), data.size(), 0))
      return io("writing", path, err);
    if (auto err = f->fdatasync())
      return io("syncing", path, err);
    if (auto err = fs_.fsync_dir(dir))
      return io("syncing", dir, err);
    return caf::none;
  }

  void move_to_corrupt(const std::string& name) {
    auto dir = join_path(opts_.dir, std::string{corrupt_dir_name});
    if (fs_.mkdir(dir) != 0)
      return;
    if (fs_.rename(join_path(opts_.dir, name), join_path(dir, name)) == 0) {
      (void) fs_.fsync_dir(dir);
      (void) fs_.fsync_dir(opts_.dir);
    }
  }

  // -- errors -----------------------------------------------------------------

  void report(const std::string& file, uint64_t offset, uint64_t bytes, const std::string& why) {
    ++out_.corruptions;
    rep_.corruption(file, offset, bytes, why);
  }

  caf::error corrupt(const std::string& file, uint64_t offset, const std::string& why) {
    report(file, offset, 0, why);
    return make_error(errc::corrupt, "shard " + std::to_string(opts_.shard) + ": WAL segment "
                                       + file + " in " + opts_.dir + " corrupt at offset "
                                       + std::to_string(offset) + " (" + why
                                       + "); start with recovery: point_in_time to salvage");
  }

  caf::error io(const char* what, const std::string& name, int err) {
    return make_error(errc::io_error, "shard " + std::to_string(opts_.shard) + ": " + what + " "
                                        + name + " in " + opts_.dir
                                        + " failed: " + errno_text(err));
  }

  file_system& fs_;
  const recovery_options& opts_;
  reporter& rep_;
  const snapshot_sink& on_snapshot_;
  const record_sink& on_record_;
  recovery_summary& out_;
  std::vector<seg_file> segs_;
  std::string buf_;
  read_buffer seg_buf_;
  uint64_t expected_ = 1;
  bool stopped_ = false;
};

} // namespace

caf::error recover(file_system& fs, const recovery_options& opts, reporter& rep,
                   const snapshot_sink& on_snapshot, const record_sink& on_record,
                   recovery_summary& out) {
  recovery r{fs, opts, rep, on_snapshot, on_record, out};
  return r.run();
}

} // namespace keel::wal
