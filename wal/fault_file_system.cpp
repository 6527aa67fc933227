#include "wal/fault_file_system.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

namespace keel::wal {

namespace detail {

struct memory_inode {
  std::string data;
  std::string synced;
};

using inode_ptr = std::shared_ptr<memory_inode>;

struct armed_fault {
  fault_file_system::op kind;
  size_t countdown; // 0 = every call
  int err;
  size_t prefix;
};

struct memory_fs_state {
  mutable std::mutex mtx;
  std::condition_variable cv;
  std::map<std::string, inode_ptr> live;
  std::map<std::string, inode_ptr> durable;
  std::set<std::string> dirs;
  std::map<std::string, std::shared_ptr<int>> locks;
  std::vector<armed_fault> faults;
  std::vector<fault_file_system::event> log;
  size_t syncs = 0;
  bool hold = false;
  size_t held = 0; // fdatasync calls waiting for release_syncs()

  // Returns the errno of a fault armed for `kind` (0 if none) and its prefix. Lock held.
  int check(fault_file_system::op kind, size_t* prefix = nullptr) {
    for (auto i = faults.begin(); i != faults.end(); ++i) {
      if (i->kind != kind)
        continue;
      if (i->countdown == 0) {
        if (prefix)
          *prefix = i->prefix;
        return i->err;
      }
      if (--i->countdown == 0) {
        int err = i->err;
        if (prefix)
          *prefix = i->prefix;
        faults.erase(i);
        return err;
      }
    }
    return 0;
  }

  void record(fault_file_system::op kind, const std::string& path, uint64_t bytes, int result) {
    log.push_back({kind, path, bytes, result});
  }
};

} // namespace detail

namespace {

using detail::inode_ptr;
using detail::memory_fs_state;
using op = fault_file_system::op;

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? std::string{} : path.substr(0, pos);
}

std::string name_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

class memory_file : public file {
public:
  memory_file(std::shared_ptr<memory_fs_state> st, inode_ptr node, std::string path, bool writable)
    : st_(std::move(st)), node_(std::move(node)), path_(std::move(path)), writable_(writable) {}

  int pwrite(const void* data, size_t n, uint64_t offset) override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    if (!writable_)
      return EBADF;
    size_t prefix = 0;
    int err = st_->check(op::pwrite, &prefix);
    size_t len = err ? std::min(prefix, n) : n;
    if (len > 0) {
      if (node_->data.size() < offset + len)
        node_->data.resize(offset + len, '\0');
      std::copy_n(static_cast<const char*>(data), len, node_->data.begin() + offset);
    }
    st_->record(op::pwrite, path_, n, err);
    return err;
  }

  int pread(void* data, size_t n, uint64_t offset, size_t& got) override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    got = 0;
    if (offset >= node_->data.size())
      return 0;
    got = std::min<size_t>(n, node_->data.size() - offset);
    std::copy_n(node_->data.begin() + offset, got, static_cast<char*>(data));
    return 0;
  }

  int fdatasync() override {
    std::unique_lock<std::mutex> guard{st_->mtx};
    if (st_->hold) {
      ++st_->held;
      st_->cv.notify_all();
      st_->cv.wait(guard, [this] { return !st_->hold; });
      --st_->held;
    }
    int err = st_->check(op::fdatasync);
    if (err == 0) {
      node_->synced = node_->data;
      ++st_->syncs;
    }
    st_->record(op::fdatasync, path_, node_->data.size(), err);
    return err;
  }

  int truncate(uint64_t size) override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    int err = st_->check(op::truncate);
    if (err == 0)
      node_->data.resize(size, '\0');
    st_->record(op::truncate, path_, size, err);
    return err;
  }

  int size(uint64_t& out) override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    out = node_->data.size();
    return 0;
  }

private:
  std::shared_ptr<memory_fs_state> st_;
  inode_ptr node_;
  std::string path_;
  bool writable_;
};

class memory_lock : public file_lock {
public:
  memory_lock(std::shared_ptr<memory_fs_state> st, std::string path, std::shared_ptr<int> token)
    : st_(std::move(st)), path_(std::move(path)), token_(std::move(token)) {}

  ~memory_lock() override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    auto i = st_->locks.find(path_);
    if (i != st_->locks.end() && i->second == token_)
      st_->locks.erase(i);
  }

private:
  std::shared_ptr<memory_fs_state> st_;
  std::string path_;
  std::shared_ptr<int> token_;
};

} // namespace

fault_file_system::fault_file_system() : st_(std::make_shared<memory_fs_state>()) {}

fault_file_system::~fault_file_system() = default;

int fault_file_system::open(const std::string& path, open_mode mode, std::unique_ptr<file>& out) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  auto i = st_->live.find(path);
  if (mode == open_mode::create) {
    if (st_->dirs.count(parent_of(path)) == 0)
      return ENOENT;
    int err = st_->check(op::create);
    st_->record(op::create, path, 0, err);
    if (err)
      return err;
    if (i == st_->live.end()) {
      i = st_->live.emplace(path, std::make_shared<detail::memory_inode>()).first;
    } else {
      i->second->data.clear();
    }
  } else if (i == st_->live.end()) {
    return ENOENT;
  }
  out = std::make_unique<memory_file>(st_, i->second, path, mode != open_mode::read);
  return 0;
}

int fault_file_system::rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  int err = st_->check(op::rename);
  auto i = st_->live.find(from);
  if (err == 0 && i == st_->live.end())
    err = ENOENT;
  if (err == 0) {
    auto node = i->second;
    st_->live.erase(i);
    st_->live[to] = node;
  }
  st_->record(op::rename, from + " -> " + to, 0, err);
  return err;
}

int fault_file_system::fsync_dir(const std::string& dir) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  int err = st_->check(op::fsync_dir);
  if (err == 0) {
    for (auto i = st_->durable.begin(); i != st_->durable.end();) {
      if (parent_of(i->first) == dir && st_->live.count(i->first) == 0)
        i = st_->durable.erase(i);
      else
        ++i;
    }
    for (auto& [path, node] : st_->live)
      if (parent_of(path) == dir)
        st_->durable[path] = node;
  }
  st_->record(op::fsync_dir, dir, 0, err);
  return err;
}

int fault_file_system::unlink(const std::string& path) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  int err = st_->check(op::unlink);
  if (err == 0 && st_->live.erase(path) == 0)
    err = ENOENT;
  st_->record(op::unlink, path, 0, err);
  return err;
}

int fault_file_system::mkdir(const std::string& path) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  // Directories are created durably: the model is about files and entries.
  st_->dirs.insert(path);
  return 0;
}

int fault_file_system::list(const std::string& dir, std::vector<std::string>& names) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  names.clear();
  if (st_->dirs.count(dir) == 0)
    return ENOENT;
  for (auto& [path, node] : st_->live)
    if (parent_of(path) == dir)
      names.push_back(name_of(path));
  return 0;
}

int fault_file_system::lock(const std::string& path, std::unique_ptr<file_lock>& out) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  if (st_->locks.count(path) != 0)
    return EWOULDBLOCK;
  auto token = std::make_shared<int>(0);
  st_->locks.emplace(path, token);
  if (st_->live.count(path) == 0) {
    auto node = std::make_shared<detail::memory_inode>();
    st_->live[path] = node;
    st_->durable[path] = node;
  }
  out = std::make_unique<memory_lock>(st_, path, std::move(token));
  return 0;
}

void fault_file_system::fail_nth(op kind, size_t n, int err) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->faults.push_back({kind, n == 0 ? 1 : n, err, 0});
}

void fault_file_system::fail_all(op kind, int err, size_t written_prefix) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->faults.push_back({kind, 0, err, written_prefix});
}

void fault_file_system::clear_faults() {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->faults.clear();
}

void fault_file_system::flip_bit(const std::string& path, uint64_t offset, int bit) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  auto& node = st_->live.at(path);
  node->data.at(offset) = static_cast<char>(node->data.at(offset) ^ (1 << bit));
  if (offset < node->synced.size())
    node->synced[offset] = static_cast<char>(node->synced[offset] ^ (1 << bit));
}

void fault_file_system::hold_syncs() {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->hold = true;
}

void fault_file_system::release_syncs() {
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    st_->hold = false;
  }
  st_->cv.notify_all();
}

bool fault_file_system::await_held_syncs(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{st_->mtx};
  return st_->cv.wait_for(guard, timeout, [&] { return st_->held >= n; });
}

void fault_file_system::crash(size_t keep_unsynced) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->live = st_->durable;
  for (auto& [path, node] : st_->live) {
    std::string next = node->synced;
    if (keep_unsynced > 0) {
      size_t first = 0;
      while (first < next.size() && first < node->data.size() && next[first] == node->data[first])
        ++first;
      size_t end = std::min(node->data.size(), first + keep_unsynced);
      if (next.size() < end)
        next.resize(end, '\0');
      for (size_t i = first; i < end; ++i)
        next[i] = node->data[i];
    }
    // Fresh inodes: file objects from before the crash must not see the new state.
    auto fresh = std::make_shared<detail::memory_inode>();
    fresh->data = next;
    fresh->synced = next;
    node = fresh;
  }
  st_->durable = st_->live;
  st_->locks.clear();
  st_->faults.clear();
  st_->hold = false;
  st_->cv.notify_all();
}

std::shared_ptr<fault_file_system> fault_file_system::crash_image() const {
  auto out = std::make_shared<fault_file_system>();
  std::lock_guard<std::mutex> guard{st_->mtx};
  out->st_->dirs = st_->dirs;
  for (auto& [path, node] : st_->durable) {
    auto copy = std::make_shared<detail::memory_inode>();
    copy->data = node->synced;
    copy->synced = node->synced;
    out->st_->live[path] = copy;
    out->st_->durable[path] = copy;
  }
  return out;
}

size_t fault_file_system::sync_count() const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->syncs;
}

std::vector<fault_file_system::event> fault_file_system::events() const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->log;
}

std::string fault_file_system::content(const std::string& path) const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  auto i = st_->live.find(path);
  return i == st_->live.end() ? std::string{} : i->second->data;
}

std::string fault_file_system::durable_content(const std::string& path) const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  auto i = st_->durable.find(path);
  return i == st_->durable.end() ? std::string{} : i->second->synced;
}

void fault_file_system::set_content(const std::string& path, const std::string& bytes) {
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->dirs.insert(parent_of(path));
  auto node = std::make_shared<detail::memory_inode>();
  node->data = bytes;
  node->synced = bytes;
  st_->live[path] = node;
  st_->durable[path] = node;
}

bool fault_file_system::exists(const std::string& path) const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->live.count(path) != 0;
}

} // namespace keel::wal
