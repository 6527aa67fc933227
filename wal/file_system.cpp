#include "wal/file_system.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keel::wal {

file::~file() = default;
file_lock::~file_lock() = default;
file_system::~file_system() = default;

namespace {

class posix_file : public file {
public:
  explicit posix_file(int fd) : fd_(fd) {}

  ~posix_file() override { ::close(fd_); }

  int pwrite(const void* data, size_t n, uint64_t offset) override {
    auto p = static_cast<const char*>(data);
    while (n > 0) {
      auto r = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR)
          continue;
        return errno;
      }
      p += r;
      n -= static_cast<size_t>(r);
      offset += static_cast<uint64_t>(r);
    }
    return 0;
  }

  int pread(void* data, size_t n, uint64_t offset, size_t& got) override {
    auto p = static_cast<char*>(data);
    got = 0;
    while (got < n) {
      auto r = ::pread(fd_, p + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR)
          continue;
        return errno;
      }
      if (r == 0)
        break;
      got += static_cast<size_t>(r);
    }
    return 0;
  }

  int fdatasync() override { return ::fdatasync(fd_) == 0 ? 0 : errno; }

  int allocate(uint64_t size) override {
    int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
    if (err == EOPNOTSUPP || err == EINVAL) // a file system without fallocate
      return truncate(size);
    return err;
  }

  int map(std::string_view& out, std::shared_ptr<const void>& keep) override {
    uint64_t n = 0;
    if (auto err = size(n))
      return err;
    if (n == 0) {
      out = {};
      keep = nullptr;
      return 0;
    }
    void* p = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED)
      return errno;
    ::madvise(p, n, MADV_SEQUENTIAL);
    keep = std::shared_ptr<const void>(p, [n](const void* q) { ::munmap(const_cast<void*>(q), n); });
    out = std::string_view{static_cast<const char*>(p), n};
    return 0;
  }

  int truncate(uint64_t size) override {
    return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? 0 : errno;
  }

  int size(uint64_t& out) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0)
      return errno;
    out = static_cast<uint64_t>(st.st_size);
    return 0;
  }

private:
  int fd_;
};

class posix_lock : public file_lock {
public:
  explicit posix_lock(int fd) : fd_(fd) {}
  ~posix_lock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

private:
  int fd_;
};

class posix_fs : public file_system {
public:
  int open(const std::string& path, open_mode mode, std::unique_ptr<file>& out) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case open_mode::read:
        flags |= O_RDONLY;
        break;
      case open_mode::write:
        flags |= O_RDWR;
        break;
      case open_mode::create:
        flags |= O_RDWR | O_CREAT | O_TRUNC;
        break;
    }
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0)
      return errno;
    out = std::make_unique<posix_file>(fd);
    return 0;
  }

  int rename(const std::string& from, const std::string& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  }

  int fsync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return errno;
    int rc = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
  }

  int unlink(const std::string& path) override {
    return ::unlink(path.c_str()) == 0 ? 0 : errno;
  }

  int mkdir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST)
      return 0;
    return errno;
  }

  int list(const std::string& dir, std::vector<std::string>& names) override {
    names.clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
      return errno;
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..")
        continue;
      struct stat st;
      if (::stat(join_path(dir, name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
        names.push_back(std::move(name));
    }
    ::closedir(d);
    return 0;
  }

  int lock(const std::string& path, std::unique_ptr<file_lock>& out) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      return err == EWOULDBLOCK ? EWOULDBLOCK : err;
    }
    out = std::make_unique<posix_lock>(fd);
    return 0;
  }
};

} // namespace

std::shared_ptr<file_system> posix_file_system() {
  static auto instance = std::make_shared<posix_fs>();
  return instance;
}

int read_file(file_system& fs, const std::string& path, std::string& out) {
  std::unique_ptr<file> f;
  if (auto err = fs.open(path, open_mode::read, f))
    return err;
  uint64_t size = 0;
  if (auto err = f->size(size))
    return err;
  out.resize(size);
  size_t got = 0;
  if (auto err = f->pread(out.data(), out.size(), 0, got))
    return err;
  out.resize(got);
  return 0;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty())
    return name;
  if (dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

std::string errno_text(int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer.
  const char* msg = strerror_r(err, buf, sizeof(buf));
  return std::string{msg} + " (errno " + std::to_string(err) + ")";
}

} // namespace keel::wal
