#include "wal/writer.hpp"

#include "wal/errc.hpp"
#include "wal/logger.hpp"
#include "wal/record.hpp"
#include "wal/snapshot.hpp"

#include <algorithm>
#include <cerrno>

namespace keel::wal {

writer::writer(options opts) : opts_(std::move(opts)) {
  fs_ = opts_.fs ? opts_.fs : posix_file_system();
}

writer::~writer() = default;

std::string writer::shard_prefix() const {
  return "shard " + std::to_string(opts_.shard) + ": ";
}

// -- lifecycle ----------------------------------------------------------------

caf::error writer::open(const snapshot_sink& on_snapshot, const record_sink& on_record) {
  log_reporter rep{opts_.shard};
  return open(rep, on_snapshot, on_record);
}

caf::error writer::open(reporter& rep, const snapshot_sink& on_snapshot,
                        const record_sink& on_record) {
  if (auto err = validate(opts_))
    return err;
  // Like `mkdir -p`: the data directory may not exist yet. Each new entry is made durable by
  // syncing its parent, so a crash cannot forget a directory that holds acknowledged data.
  for (size_t pos = opts_.dir.find('/', 1); ; pos = opts_.dir.find('/', pos + 1)) {
    auto path = opts_.dir.substr(0, pos);
    std::vector<std::string> entries;
    if (!path.empty() && path.back() != '/' && fs_->list(path, entries) == ENOENT) {
      if (auto err = fs_->mkdir(path))
        return make_error(errc::io_error, shard_prefix() + "cannot create WAL directory "
                                            + path + ": " + errno_text(err)
                                            + "; check the path and its permissions");
      auto slash = path.rfind('/');
      auto parent = slash == std::string::npos ? std::string{"."}
                                               : slash == 0 ? std::string{"/"}
                                                            : path.substr(0, slash);
      if (auto err = fs_->fsync_dir(parent))
        return make_error(errc::io_error, shard_prefix() + "cannot sync directory " + parent
                                            + ": " + errno_text(err));
    }
    if (pos == std::string::npos)
      break;
  }
  auto lock_path = join_path(opts_.dir, std::string{lock_file_name});
  if (auto err = fs_->lock(lock_path, lock_)) {
    if (err == EWOULDBLOCK)
      return make_error(errc::locked, shard_prefix() + "WAL directory " + opts_.dir
                                        + " is locked by another writer (" + lock_path
                                        + " is held); stop the other process or use another "
                                          "data directory");
    return make_error(errc::io_error, shard_prefix() + "cannot lock " + lock_path + ": "
                                        + errno_text(err));
  }
  recovery_options ropts;
  ropts.dir = opts_.dir;
  ropts.shard = opts_.shard;
  ropts.mode = opts_.recovery;
  ropts.repair = true;
  if (auto err = recover(*fs_, ropts, rep, on_snapshot, on_record, recovered_)) {
    lock_.reset();
    return err;
  }
  next_lsn_ = recovered_.last_lsn + 1;
  written_lsn_ = durable_lsn_ = recovered_.last_lsn;
  // Every segment still in the directory (recovery may have skipped those below the snapshot).
  std::vector<std::string> names;
  if (auto err = fs_->list(opts_.dir, names)) {
    lock_.reset();
    return make_error(errc::io_error, shard_prefix() + "cannot list " + opts_.dir + ": "
                                        + errno_text(err));
  }
  for (auto& n : names)
    if (auto id = parse_segment_file_name(n))
      segments_.push_back({n, id->seq, id->first_lsn});
  std::sort(segments_.begin(), segments_.end(),
            [](const segment_ref& a, const segment_ref& b) { return a.seq < b.seq; });
  caf::error err;
  if (!recovered_.segments.empty() && !segments_.empty()
      && recovered_.segments.back().name == segments_.back().name
      && recovered_.segments.back().last_lsn + 1 == next_lsn_) {
    // Go on writing where the last segment's records end.
    auto& tail = recovered_.segments.back();
    seq_ = tail.seq;
    offset_ = tail.end_offset;
    capacity_ = std::max(tail.file_size, opts_.segment_size);
    if (auto rc = fs_->open(join_path(opts_.dir, tail.name), open_mode::write, seg_))
      err = make_error(errc::io_error, shard_prefix() + "cannot open " + tail.name + ": "
                                         + errno_text(rc));
    else if (opts_.preallocate && tail.file_size < capacity_)
      (void) seg_->allocate(capacity_); // best effort: appends extend the file anyway
  } else {
    err = start_segment(std::max(recovered_.max_seq, seq_) + 1, next_lsn_);
  }
  if (!err && opts_.preallocate)
    (void) precreate(); // best effort: retried at rollover
  if (err) {
    seg_.reset();
    lock_.reset();
    return err;
  }
  open_ = true;
  detail::logger()->info("{}WAL {} open: next LSN {}, segment {}, {} records recovered",
                         shard_prefix(), opts_.dir, next_lsn_, seq_, recovered_.records);
  return caf::none;
}

caf::error writer::close() {
  if (!open_)
    return caf::none;
  caf::error err;
  if (!poison_)
    err = commit();
  // A clean close cuts the unused, reserved tail off the active segment, so that the next
  // start reads only records (reopening reserves the space again).
  if (!err && !poison_ && seg_ && seg_->truncate(offset_) == 0)
    (void) seg_->fdatasync();
  seg_.reset();
  tmp_.reset();
  lock_.reset();
  open_ = false;
  return err;
}

// -- appending ----------------------------------------------------------------

caf::expected<uint64_t> writer::append(const std::string_view* payloads, size_t n) {
  if (poison_)
    return poisoned_error();
  if (n == 0)
    return make_error(errc::invalid_argument, shard_prefix() + "append of zero records");
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    if (payloads[i].size() > max_payload_size)
      return make_error(errc::too_large, shard_prefix() + "record of "
                                           + std::to_string(payloads[i].size())
                                           + " bytes exceeds the 1 GiB limit");
    bytes += record_size(payloads[i].size());
  }
  if (bytes > opts_.segment_size - segment_header_size)
    return make_error(errc::too_large, shard_prefix() + "records of " + std::to_string(bytes)
                                         + " bytes do not fit into one segment of "
                                         + std::to_string(opts_.segment_size)
                                         + " bytes; raise wal.segment_size");
  if (offset_ + pending_.size() + bytes > capacity_)
    if (auto err = roll())
      return err;
  for (size_t i = 0; i < n; ++i) {
    auto type = n == 1              ? record_type::full
                : i == 0            ? record_type::batch_begin
                : i + 1 == n        ? record_type::batch_end
                                    : record_type::batch_middle;
    detail::append_record(pending_, type, next_lsn_++, seq_, payloads[i]);
  }
  return next_lsn_ - 1;
}

caf::error writer::write() {
  if (poison_)
    return poisoned_error();
  auto n = pending_.size();
  // Bytes a failed write left past the records and could not zero go out with this write.
  bool clear_tail = dirty_end_ > offset_ + n;
  if (n == 0 && !clear_tail)
    return caf::none;
  if (clear_tail)
    pending_.resize(dirty_end_ - offset_, '\0');
  if (auto err = seg_->pwrite(pending_.data(), pending_.size(), offset_)) {
    auto name = segments_.empty() ? std::string{} : segments_.back().name;
    if (err != ENOSPC)
      return poison("writing", name, err);
    // Do not leave records of the failed batch behind (their LSNs get reused). When that fails
    // too, the next write or the segment's sealing clears them.
    std::string zeros(pending_.size(), '\0');
    if (seg_->pwrite(zeros.data(), zeros.size(), offset_) != 0)
      dirty_end_ = std::max(dirty_end_, offset_ + pending_.size());
    drop_pending();
    return fail(err, "writing", name);
  }
  offset_ += n;
  written_lsn_ = next_lsn_ - 1;
  if (offset_ >= dirty_end_ || clear_tail) {
    dirty_end_ = 0;
    tail_unsynced_ = tail_unsynced_ || clear_tail;
  }
  pending_.clear();
  return caf::none;
}

caf::error writer::sync() {
  if (poison_)
    return poisoned_error();
  if (durable_lsn_ == written_lsn_ && !tail_unsynced_)
    return caf::none;
  ++syncs_;
  auto started = std::chrono::steady_clock::now();
  if (auto err = seg_->fdatasync())
    return poison("fdatasync of", segments_.back().name, err);
  if (opts_.on_sync)
    opts_.on_sync(std::chrono::steady_clock::now() - started, written_lsn_ - durable_lsn_);
  durable_lsn_ = written_lsn_;
  tail_unsynced_ = false;
  return caf::none;
}

caf::error writer::commit() {
  if (auto err = write())
    return err;
  return sync();
}

// -- segments -----------------------------------------------------------------

caf::error writer::roll() {
  if (auto err = commit())
    return err;
  return start_segment(seq_ + 1, next_lsn_);
}

caf::error writer::precreate() {
  if (tmp_)
    return caf::none;
  auto path = join_path(opts_.dir, std::string{next_segment_tmp_name});
  std::unique_ptr<file> f;
  if (auto err = fs_->open(path, open_mode::create, f))
    return fail(err, "creating", std::string{next_segment_tmp_name});
  auto cleanup = [&](int err, const char* what) {
    f.reset();
    (void) fs_->unlink(path);
    return fail(err, what, std::string{next_segment_tmp_name});
  };
  if (opts_.preallocate) {
    // Reserved, not written: creating a segment costs metadata, not 64 MiB of zeros.
    if (auto err = f->allocate(opts_.segment_size))
      return cleanup(err, "pre-allocating");
    if (auto err = f->fdatasync())
      return cleanup(err, "syncing");
  }
  tmp_ = std::move(f);
  return caf::none;
}

caf::error writer::start_segment(uint64_t seq, uint64_t first_lsn) {
  if (auto err = precreate())
    return err;
  auto name = segment_file_name(seq, first_lsn);
  auto tmp_path = join_path(opts_.dir, std::string{next_segment_tmp_name});
  char head[segment_header_size];
  detail::encode_segment_header(head, opts_.shard, seq, first_lsn);
  if (auto err = tmp_->pwrite(head, sizeof(head), 0)) {
    tmp_.reset();
    (void) fs_->unlink(tmp_path);
    return fail(err, "writing the header of", name);
  }
  if (auto err = tmp_->fdatasync())
    return poison("fdatasync of", name, err);
  if (auto err = fs_->rename(tmp_path, join_path(opts_.dir, name)))
    return poison("renaming the next segment to", name, err);
  if (auto err = fs_->fsync_dir(opts_.dir))
    return poison("fsync of the directory after creating", name, err);
  seg_ = std::move(tmp_);
  seq_ = seq;
  offset_ = segment_header_size;
  capacity_ = opts_.segment_size;
  segments_.push_back({name, seq, first_lsn});
  if (opts_.preallocate)
    (void) precreate(); // best effort: retried at the next rollover
  return caf::none;
}

// -- snapshots ----------------------------------------------------------------

caf::error writer::snapshot(uint64_t lsn, std::string_view state) {
  if (auto err = write())
    return err;
  if (lsn > written_lsn_)
    return make_error(errc::invalid_argument, shard_prefix() + "snapshot at LSN "
                                                + std::to_string(lsn) + " is ahead of the log ("
                                                + std::to_string(written_lsn_) + ")");
  if (lsn > durable_lsn_)
    if (auto err = sync())
      return err;
  if (auto err = write_snapshot(*fs_, opts_.dir, opts_.shard, lsn, state))
    return err;
  return delete_covered();
}

caf::error writer::delete_covered() {
  std::vector<uint64_t> snaps;
  if (auto err = list_snapshots(*fs_, opts_.dir, snaps))
    return fail(err, "listing", opts_.dir);
  bool changed = false;
  for (size_t i = 2; i < snaps.size(); ++i) {
    (void) fs_->unlink(join_path(opts_.dir, snapshot_file_name(snaps[i])));
    changed = true;
  }
  if (snaps.size() >= 2) {
    // Replaying from the older snapshot needs every record after it: delete only segments
    // whose last LSN (the next segment's first LSN - 1) is at or below it; never the current.
    uint64_t keep_after = snaps[1];
    while (segments_.size() > 1 && segments_[1].first_lsn <= keep_after + 1) {
      (void) fs_->unlink(join_path(opts_.dir, segments_.front().name));
      segments_.erase(segments_.begin());
      changed = true;
    }
  }
  if (changed)
    if (auto err = fs_->fsync_dir(opts_.dir))
      return fail(err, "fsync of", opts_.dir);
  return caf::none;
}

// -- errors -------------------------------------------------------------------

void writer::drop_pending() {
  pending_.clear();
  next_lsn_ = written_lsn_ + 1;
}

caf::error writer::poison(const char* what, const std::string& name, int err) {
  drop_pending();
  poison_ = make_error(errc::wal_poisoned, shard_prefix() + what + " " + name + " in "
                                             + opts_.dir + " failed: " + errno_text(err)
                                             + "; the WAL accepts nothing more, restart the "
                                               "shard to recover from disk");
  detail::logger()->error("{}", describe(poison_));
  return poison_;
}

caf::error writer::poisoned_error() const {
  return poison_;
}

caf::error writer::fail(int err, const char* what, const std::string& name) {
  drop_pending();
  if (err == ENOSPC)
    return make_error(errc::disk_full, shard_prefix() + what + " " + name + " in " + opts_.dir
                                         + " failed: no space left on device; nothing "
                                           "acknowledged is lost, free space and retry");
  return make_error(errc::io_error, shard_prefix() + what + " " + name + " in " + opts_.dir
                                      + " failed: " + errno_text(err));
}

} // namespace keel::wal
