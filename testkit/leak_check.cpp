#include "testkit/leak_check.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace keel::testkit {

namespace {

/// The numeric entries of a /proc directory.
std::vector<long> numeric_entries(const char* dir) {
  std::vector<long> out;
  if (DIR* d = ::opendir(dir)) {
    while (auto* e = ::readdir(d)) {
      char* end = nullptr;
      long x = std::strtol(e->d_name, &end, 10);
      if (end != e->d_name && *end == '\0')
        out.push_back(x);
    }
    ::closedir(d);
  }
  return out;
}

std::string link_target(const std::string& path) {
  char buf[512];
  auto n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
  return n < 0 ? std::string{"?"} : std::string{buf, static_cast<size_t>(n)};
}

} // namespace

resource_snapshot resource_snapshot::take() {
  resource_snapshot snap;
  for (auto tid : numeric_entries("/proc/self/task")) {
    std::ifstream comm{"/proc/self/task/" + std::to_string(tid) + "/comm"};
    std::string name;
    if (!std::getline(comm, name))
      continue; // it ended between the listing and this read: not a live thread
    snap.threads.emplace(static_cast<pid_t>(tid), name);
  }
  // opendir itself holds an fd while listing: read the list first, then resolve.
  for (auto fd : numeric_entries("/proc/self/fd")) {
    auto target = link_target("/proc/self/fd/" + std::to_string(fd));
    if (target.rfind("/proc/", 0) == 0 && target.find("/fd") != std::string::npos)
      continue; // the listing's own directory fd
    snap.fds.emplace(static_cast<int>(fd), std::move(target));
  }
  auto self = ::getpid();
  for (auto pid : numeric_entries("/proc")) {
    std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
    std::string line;
    if (!std::getline(stat, line))
      continue;
    auto open = line.find('(');
    auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= line.size())
      continue;
    // After ") " come the state and the parent pid.
    auto rest = line.substr(close + 2);
    auto space = rest.find(' ');
    long ppid = std::strtol(rest.c_str() + space + 1, nullptr, 10);
    if (ppid == self)
      snap.children.emplace(static_cast<pid_t>(pid), line.substr(open + 1, close - open - 1));
  }
  return snap;
}

std::vector<std::string> describe_leaks(const resource_snapshot& before,
                                        const resource_snapshot& after,
                                        const std::string& exiting_prefix) {
  std::vector<std::string> out;
  std::string names;
  size_t leaked_threads = 0;
  for (auto& [tid, name] : after.threads) {
    bool exiting = !exiting_prefix.empty() && name.rfind(exiting_prefix, 0) == 0;
    if (before.threads.count(tid) == 0 && !exiting) {
      ++leaked_threads;
      names += (names.empty() ? "" : ", ") + name + " (tid " + std::to_string(tid) + ")";
    }
  }
  if (leaked_threads > 0)
    out.emplace_back(std::to_string(leaked_threads) + " thread(s) leaked: " + names +
                     "; join every thread the test starts, or let a tracked actor own it");
  for (auto& [fd, target] : after.fds) {
    auto i = before.fds.find(fd);
    if (i == before.fds.end() || i->second != target)
      out.emplace_back("file descriptor " + std::to_string(fd) + " (" + target +
                       ") leaked; close it before the test ends");
  }
  for (auto& [pid, name] : after.children)
    if (before.children.count(pid) == 0)
      out.emplace_back("child process " + std::to_string(pid) + " (" + name +
                       ") leaked; kill and reap every process the test starts");
  return out;
}

} // namespace keel::testkit
