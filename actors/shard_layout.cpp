#include "actors/shard_layout.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace keel::actors {

namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) {
  return std::strerror(e);
}

// Writes `text` to `path` so that a crash leaves either the old file or the whole new one.
std::string write_durably(const fs::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot create " + tmp.string() + ": " + errno_text(errno);
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto e = errno;
      ::close(fd);
      return "cannot write " + tmp.string() + ": " + errno_text(e);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    auto e = errno;
    ::close(fd);
    return "cannot sync " + tmp.string() + ": " + errno_text(e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return "cannot rename " + tmp.string() + " to " + path.string() + ": " + errno_text(errno);
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

// The k of every shard-<k> subdirectory.
std::set<uint32_t> shard_dirs(const fs::path& dir) {
  std::set<uint32_t> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator{dir, ec}) {
    auto name = e.path().filename().string();
    if (name.rfind("shard-", 0) != 0 || !e.is_directory(ec))
      continue;
    auto digits = name.substr(6);
    if (digits.empty() || digits.size() > 9
        || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    out.insert(static_cast<uint32_t>(std::stoul(digits)));
  }
  return out;
}

std::string advice(uint32_t was) {
  return "; keys are placed by the shard count, so set shards.count: " + std::to_string(was)
         + " again, or start the new count on an empty data_dir and copy the keys over with a "
           "client (SCAN, then GET, PTTL and SET ... PX)";
}

// Refuses a directory whose keys were placed by the other rule than `how`; `placed` says so.
std::string hash_advice(const std::string& placed, key_hash how) {
  bool tags = how == key_hash::hash_tags;
  return placed + ", but shards.hash_tags is " + (tags ? "true" : "false")
         + ": most keys with braces in them would be looked up in the wrong shard; set "
           "shards.hash_tags: "
         + (tags ? "false" : "true") + " for this data_dir (in node.yaml or with --set "
         + "shards.hash_tags=" + (tags ? "false" : "true")
         + "), or start on an empty data_dir and copy the keys over with a client (SCAN, then "
           "GET, PTTL and SET ... PX)";
}

// A cluster node's directory must hold no shard that the configuration places on another node.
std::string foreign_shards(const fs::path& dir, const std::vector<uint32_t>& local) {
  for (auto k : shard_dirs(dir)) {
    if (std::find(local.begin(), local.end(), k) != local.end())
      continue;
    return "data_dir " + dir.string() + " holds shard-" + std::to_string(k)
           + ", which the cluster configuration no longer places on this node; its keys would "
             "be served empty by the node that now has it: move "
           + (dir / ("shard-" + std::to_string(k))).string()
           + " to that node's data_dir (with both nodes stopped), or place shard "
           + std::to_string(k) + " on this node again";
  }
  return {};
}

} // namespace

std::string check_shard_layout(const std::string& data_dir, uint32_t count,
                               const std::vector<uint32_t>& local, key_hash how) {
  const std::string hash_name = key_hash_name(how);
  bool all_local = local.size() == count;
  fs::path dir{data_dir.empty() ? "." : data_dir};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return "cannot create data_dir " + dir.string() + ": " + ec.message();
  auto file = dir / layout_file_name;
  std::ifstream in{file};
  if (in) {
    uint32_t recorded = 0;
    std::string hash;
    for (std::string line; std::getline(in, line);) {
      std::istringstream words{line};
      std::string key;
      std::string value;
      if (!(words >> key >> value) || key.front() == '#')
        continue;
      if (key == "shards.count:")
        recorded = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
      else if (key == "hash:")
        hash = value;
    }
    if (recorded == 0 || hash.empty())
      return file.string() + " is damaged (no shards.count or hash line); it records the "
             "shard count this data_dir was written with: restore it (shards.count: N, "
             "hash: " + key_hash_name(key_hash::hash_tags) + ", or hash: "
             + key_hash_name(key_hash::whole_key) + " for a data_dir written before hash "
             "tags) with the count the node had";
    auto other = how == key_hash::hash_tags ? key_hash::whole_key : key_hash::hash_tags;
    if (hash == key_hash_name(other))
      return hash_advice("data_dir " + dir.string() + " places keys by "
                           + (other == key_hash::whole_key ? "their whole bytes"
                                                           : "their hash tags")
                           + " (" + file.string() + " says hash: " + hash + ")",
                         how);
    if (hash != hash_name)
      return file.string() + " says keys were placed with hash '" + hash
             + "', which this keel-node does not know; open this data_dir with the keel-node "
               "that wrote it";
    if (recorded != count)
      return "data_dir " + dir.string() + " was written with shards.count " + std::to_string(recorded)
             + " (" + file.string() + "), not " + std::to_string(count) + advice(recorded);
    return foreign_shards(dir, local);
  }
  // No LAYOUT: a new directory, or one written before the file existed.
  auto shards = shard_dirs(dir);
  if (!all_local) {
    auto err = foreign_shards(dir, local);
    if (!err.empty())
      return err;
  }
  if (all_local && !shards.empty()) {
    auto highest = *shards.rbegin();
    if (highest >= count || (all_local && shards.size() != count))
      return "data_dir " + dir.string() + " holds shard directories shard-" + std::to_string(*shards.begin())
             + " .. shard-" + std::to_string(highest) + " (" + std::to_string(shards.size())
             + " of them), which does not fit shards.count " + std::to_string(count)
             + advice(all_local ? static_cast<uint32_t>(shards.size()) : highest + 1);
  }
  if (!shards.empty() && how == key_hash::hash_tags)
    return hash_advice("data_dir " + dir.string() + " was written before keel recorded a LAYOUT "
                       "file, when it placed keys by their whole bytes",
                       how);
  std::string text = "# keel data directory layout: a key lives in shard hash(key) mod "
                     "shards.count\n# (fnv1a64-tags: of its {hash tag} when it has one).\n"
                     "# Written at the first start; a node with another count or hash "
                     "refuses this directory.\nshards.count: "
                     + std::to_string(count) + "\nhash: " + hash_name + "\n";
  auto err = write_durably(file, text);
  if (!err.empty())
    return err + "; check the permissions and free space of data_dir";
  return {};
}

} // namespace keel::actors
