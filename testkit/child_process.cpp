#include "testkit/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace keel::testkit {

namespace {

using clock_type = std::chrono::steady_clock;

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  return -1;
#endif
}

int ms_left(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

child_process::child_process(std::vector<std::string> argv,
                             std::map<std::string, std::string> env, std::string cwd) {
  if (argv.empty())
    throw std::invalid_argument("child_process: empty argv");
  // Everything the child needs is prepared before fork: after it, only exec.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv{*e};
    auto key = kv.substr(0, kv.find('='));
    if (env.count(key) == 0)
      env_strings.emplace_back(std::move(kv));
  }
  for (auto& [k, v] : env)
    env_strings.emplace_back(k + "=" + v);
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : env_strings)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);
  // Orphaned grandchildren become ours, so the destructor can reap them too.
  static const int subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  (void) subreaper;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string{"child_process: pipe failed: "} + std::strerror(errno));
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string{"child_process: fork failed: "} + std::strerror(errno));
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0)
      ::dup2(devnull, STDIN_FILENO);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const char msg[] = "child_process: exec failed\n";
    (void) !::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::setpgid(pid_, pid_); // also from the parent: no race with the first signal
  ::close(fds[1]);
  out_fd_ = fds[0];
  pid_fd_ = open_pidfd(pid_);
}

child_process::~child_process() {
  if (pid_ > 0) {
    // Kill the whole group, then reap every member: the leader, and (since the test process is
    // a subreaper) the grandchildren it orphaned. waitpid fails with ECHILD once none is left.
    ::kill(-pid_, SIGKILL);
    if (!status_)
      ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(-pid_, &st, 0) > 0 || errno == EINTR) {
    }
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
  if (pid_fd_ >= 0)
    ::close(pid_fd_);
}

std::string child_process::output() const {
  std::string out;
  for (auto& l : lines_)
    out += l + '\n';
  return out + partial_;
}

bool child_process::read_some(clock_type::time_point deadline) {
  if (eof_)
    return false;
  pollfd pfd{out_fd_, POLLIN, 0};
  int rc = ::poll(&pfd, 1, ms_left(deadline));
  if (rc <= 0)
    return false;
  char buf[4096];
  auto n = ::read(out_fd_, buf, sizeof(buf));
  if (n <= 0) {
    if (n < 0 && errno == EINTR)
      return true;
    eof_ = true;
    if (!partial_.empty()) {
      lines_.emplace_back(std::move(partial_));
      partial_.clear();
    }
    return false;
  }
  partial_.append(buf, static_cast<size_t>(n));
  size_t pos;
  while ((pos = partial_.find('\n')) != std::string::npos) {
    lines_.emplace_back(partial_.substr(0, pos));
    partial_.erase(0, pos + 1);
  }
  return true;
}

std::optional<std::string>
child_process::wait_for_line(const std::function<bool(const std::string&)>& pred,
                             std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    for (; scanned_ < lines_.size(); ++scanned_)
      if (pred(lines_[scanned_]))
        return lines_[scanned_++];
    if (!read_some(deadline) && (eof_ || clock_type::now() >= deadline)) {
      for (; scanned_ < lines_.size(); ++scanned_)
        if (pred(lines_[scanned_]))
          return lines_[scanned_++];
      return std::nullopt;
    }
  }
}

std::optional<std::string> child_process::wait_for_line(const std::string& needle,
                                                        std::chrono::milliseconds timeout) {
  return wait_for_line([&](const std::string& line) { return line.find(needle) != std::string::npos; },
                       timeout);
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (status_)
    return status_;
  auto deadline = clock_type::now() + timeout;
  while (!eof_ && clock_type::now() < deadline)
    read_some(deadline);
  if (pid_fd_ >= 0) {
    pollfd pfd{pid_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, ms_left(deadline)) <= 0)
      return std::nullopt;
  } else if (!eof_) {
    return std::nullopt;
  }
  int st = 0;
  pid_t rc;
  while ((rc = ::waitpid(pid_, &st, pid_fd_ >= 0 ? WNOHANG : 0)) < 0 && errno == EINTR) {
  }
  if (rc != pid_)
    return std::nullopt;
  status_ = decode_status(st);
  return status_;
}

} // namespace keel::testkit
