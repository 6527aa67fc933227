#include "wal/snapshot.hpp"

#include "wal/crc32c.hpp"
#include "wal/errc.hpp"
#include "wal/format.hpp"
#include "wal/record.hpp"

#include <algorithm>
#include <cerrno>
#include <memory>

namespace keel::wal {

namespace {

caf::error io_failure(int err, uint32_t shard, const std::string& what, const std::string& path) {
  auto code = err == ENOSPC ? errc::disk_full : errc::io_error;
  return make_error(code, "shard " + std::to_string(shard) + ": " + what + " " + path
                            + " failed: " + errno_text(err)
                            + (err == ENOSPC ? "; free disk space, the log is unaffected" : ""));
}

} // namespace

caf::error write_snapshot(file_system& fs, const std::string& dir, uint32_t shard, uint64_t lsn,
                          std::string_view state) {
  auto name = snapshot_file_name(lsn);
  auto path = join_path(dir, name);
  auto tmp = path + ".tmp";
  char head[snapshot_header_size];
  std::memcpy(head, snapshot_magic.data(), 8);
  detail::put_u64(head + 8, lsn);
  detail::put_u64(head + 16, state.size());
  uint32_t crc = crc32c(head, sizeof(head));
  crc = crc32c_extend(crc, state.data(), state.size());
  char trailer[snapshot_trailer_size];
  detail::put_u32(trailer, mask_crc(crc));
  std::unique_ptr<file> f;
  if (auto err = fs.open(tmp, open_mode::create, f))
    return io_failure(err, shard, "creating snapshot", tmp);
  auto fail = [&](int err, const char* what) {
    f.reset();
    (void) fs.unlink(tmp);
    return io_failure(err, shard, what, tmp);
  };
  if (auto err = f->pwrite(head, sizeof(head), 0))
    return fail(err, "writing snapshot");
  if (auto err = f->pwrite(state.data(), state.size(), sizeof(head)))
    return fail(err, "writing snapshot");
  if (auto err = f->pwrite(trailer, sizeof(trailer), sizeof(head) + state.size()))
    return fail(err, "writing snapshot");
  if (auto err = f->fdatasync())
    return fail(err, "syncing snapshot");
  f.reset();
  if (auto err = fs.rename(tmp, path))
    return fail(err, "renaming snapshot");
  if (auto err = fs.fsync_dir(dir))
    return io_failure(err, shard, "syncing directory after snapshot", dir);
  return caf::none;
}

const char* decode_snapshot(std::string_view file, uint64_t& lsn, std::string_view& state) {
  if (file.size() < snapshot_header_size + snapshot_trailer_size)
    return "snapshot shorter than its header and trailer";
  if (file.substr(0, 8) != snapshot_magic)
    return "bad snapshot magic";
  auto len = detail::get_u64(file.data() + 16);
  if (len != file.size() - snapshot_header_size - snapshot_trailer_size)
    return "snapshot length does not match the file size";
  auto body = file.size() - snapshot_trailer_size;
  if (unmask_crc(detail::get_u32(file.data() + body)) != crc32c(file.data(), body))
    return "snapshot CRC mismatch";
  lsn = detail::get_u64(file.data() + 8);
  state = file.substr(snapshot_header_size, len);
  return nullptr;
}

int list_snapshots(file_system& fs, const std::string& dir, std::vector<uint64_t>& lsns) {
  std::vector<std::string> names;
  if (auto err = fs.list(dir, names))
    return err;
  lsns.clear();
  for (auto& n : names)
    if (auto lsn = parse_snapshot_file_name(n))
      lsns.push_back(*lsn);
  std::sort(lsns.rbegin(), lsns.rend());
  return 0;
}

} // namespace keel::wal
