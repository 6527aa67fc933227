// keel::actors shard layout: the shard count and key hash a data directory was written with,
// checked at every start of a node.
//
// A key lives in shard FNV-1a-64(key or its hash tag) mod shards.count (key_placement.hpp), so a
// data directory can only be read with the count and hash it was written with: any other count
// routes most keys to shards that do not hold them (they would look lost, and new writes would
// make second copies beside them). The first start writes <data_dir>/LAYOUT (the count and the
// hash, durably: temporary file, fdatasync, rename, directory sync); every later start compares
// and refuses a different count or hash. A directory written before LAYOUT existed is judged by
// its shard-<k> subdirectories; its keys were placed by their whole bytes, so it opens only with
// shards.hash_tags false. A cluster node (one that holds some of the shards) also refuses a
// directory holding a shard the configuration now places elsewhere: that shard's keys would be
// served empty by its new node.
//
// Thread-safety: plain functions; blocking file I/O (call them before the actors start).
#pragma once

#include "actors/key_placement.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace keel::actors {

/// The layout file's name inside a data directory.
inline constexpr const char* layout_file_name = "LAYOUT";

/// Checks that `data_dir` may be opened with `count` shards of which this node holds `local`
/// (ascending; all of 0..count-1 unless it is a cluster node) and keys placed by `how`, and
/// records the count and hash when the directory has no LAYOUT yet (creating the directory if
/// needed). Returns an empty string when
/// the directory may be opened, else the reason and what to do, naming the directory.
[[nodiscard]] std::string check_shard_layout(const std::string& data_dir, uint32_t count,
                                             const std::vector<uint32_t>& local,
                                             key_hash how = key_hash::hash_tags);

} // namespace keel::actors
