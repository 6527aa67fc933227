// keel::actors shard layout: the shard count a data directory was written with, checked at
// every start of a node.
//
// A key lives in shard FNV-1a-64(key) mod shards.count, so a data directory can only be read
// with the count it was written with: any other count routes most keys to shards that do not
// hold them (they would look lost, and new writes would make second copies beside them). The
// first start writes <data_dir>/LAYOUT (the count and the hash, durably: temporary file,
// fdatasync, rename, directory sync); every later start compares and refuses a different count.
// A directory written before LAYOUT existed is judged by its shard-<k> subdirectories.
//
// Thread-safety: plain functions; blocking file I/O (call them before the actors start).
#pragma once

#include <cstdint>
#include <string>

namespace keel::actors {

/// The layout file's name inside a data directory.
inline constexpr const char* layout_file_name = "LAYOUT";

/// Checks that `data_dir` may be opened with `count` shards and records the count when the
/// directory has no LAYOUT yet (creating the directory if needed). `all_local`: this node holds
/// every shard (not a cluster node holding some). Returns an empty string when the directory
/// may be opened, else the reason and what to do, naming the directory and the file.
[[nodiscard]] std::string check_shard_layout(const std::string& data_dir, uint32_t count,
                                             bool all_local);

} // namespace keel::actors
