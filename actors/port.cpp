#include "actors/port.hpp"

#include <caf/all.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace keel::actors {

namespace {

using frame_atom = caf::atom_constant<caf::atom("pframe")>;
using eof_atom = caf::atom_constant<caf::atom("peof")>;
using req_timeout_atom = caf::atom_constant<caf::atom("ptimeout")>;
using ping_atom = caf::atom_constant<caf::atom("pping")>;
using pong_timeout_atom = caf::atom_constant<caf::atom("ppongtout")>;

constexpr uint32_t max_frame = 64u << 20;

std::shared_ptr<spdlog::logger> logger() {
  constexpr const char* name = "keel.actors";
  if (auto lg = spdlog::get(name))
    return lg;
  try {
    return spdlog::stderr_color_mt(name);
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get(name);
  }
}

// Writes all of `data`; false on error (EPIPE included: SIGPIPE is blocked for this thread
// while writing and a pending one is consumed, so a dead worker never kills the process).
bool write_all(int fd, const std::string& data) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  bool ok = true;
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ok = false;
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (!ok) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

std::string encode(char type, const std::string& payload) {
  auto len = static_cast<uint32_t>(payload.size() + 1);
  std::string out;
  out.reserve(len + 4);
  out.push_back(static_cast<char>((len >> 24) & 0xff));
  out.push_back(static_cast<char>((len >> 16) & 0xff));
  out.push_back(static_cast<char>((len >> 8) & 0xff));
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(type);
  out += payload;
  return out;
}

struct process {
  pid_t pid = -1;
  int in = -1;
  int out = -1;
  int err = -1;
  int wake_r = -1;
  int wake_w = -1;
};

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

caf::expected<process> start_process(const port_options& opts) {
  // Everything the child needs is prepared before fork (only exec-safe calls after it).
  std::vector<std::string> env_strs;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv{*e};
    auto key = kv.substr(0, kv.find('='));
    if (opts.env.count(key) == 0)
      env_strs.push_back(std::move(kv));
  }
  for (auto& [k, v] : opts.env)
    env_strs.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strs)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = opts.argv;
  std::vector<char*> argv;
  for (auto& s : args)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  int in[2], out[2], err[2], wake[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    return make_error(pool_errc::port_failed, std::string{"pipe: "} + std::strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(wake, O_CLOEXEC) != 0) {
    // Rare enough (fd exhaustion) that the few fds leaked here are no concern... close them.
    for (int fd : {in[0], in[1]})
      ::close(fd);
    return make_error(pool_errc::port_failed, std::string{"pipe: "} + std::strerror(errno));
  }
  auto pid = ::fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1], wake[0], wake[1]})
      ::close(fd);
    return make_error(pool_errc::port_failed, std::string{"fork: "} + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execvpe(argv[0], argv.data(), envp.data());
    const char msg[] = "keel port: exec failed\n";
    auto ignored = ::write(2, msg, sizeof(msg) - 1);
    (void) ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also done by the child: whichever runs first wins the race
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  process p;
  p.pid = pid;
  p.in = in[1];
  p.out = out[0];
  p.err = err[0];
  p.wake_r = wake[0];
  p.wake_w = wake[1];
  return p;
}

// The reader thread: frames from stdout go to the port as (frame_atom, type, payload), then
// (eof_atom) at end of file; stderr lines go to the log. Ends at EOF of both or on wake.
void read_loop(caf::actor port, std::string name, int out_fd, int err_fd, int wake_fd) {
  std::string buf, err_buf;
  bool out_open = true, err_open = true;
  char chunk[65536];
  auto lg = logger();
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out_fd : -1, POLLIN, 0},
                     {err_open ? err_fd : -1, POLLIN, 0},
                     {wake_fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[2].revents != 0)
      break;
    if (fds[0].revents != 0) {
      auto n = ::read(out_fd, chunk, sizeof(chunk));
      if (n <= 0) {
        if (n < 0 && errno == EINTR)
          continue;
        out_open = false;
        caf::anon_send(port, eof_atom::value);
      } else {
        buf.append(chunk, static_cast<size_t>(n));
        while (buf.size() >= 4) {
          auto b = reinterpret_cast<const unsigned char*>(buf.data());
          uint32_t len = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8)
                         | uint32_t{b[3]};
          if (len == 0 || len > max_frame) {
            lg->error("port '{}': bad frame length {}; closing", name, len);
            out_open = false;
            caf::anon_send(port, eof_atom::value);
            break;
          }
          if (buf.size() < 4 + size_t{len})
            break;
          auto type = static_cast<uint8_t>(buf[4]);
          caf::anon_send(port, frame_atom::value, type, buf.substr(5, len - 1));
          buf.erase(0, 4 + size_t{len});
        }
      }
    }
    if (fds[1].revents != 0) {
      auto n = ::read(err_fd, chunk, sizeof(chunk));
      if (n <= 0) {
        if (n < 0 && errno == EINTR)
          continue;
        err_open = false;
      } else {
        err_buf.append(chunk, static_cast<size_t>(n));
        size_t pos;
        while ((pos = err_buf.find('\n')) != std::string::npos) {
          lg->info("port '{}' stderr: {}", name, err_buf.substr(0, pos));
          err_buf.erase(0, pos + 1);
        }
      }
    }
  }
  if (!err_buf.empty())
    lg->info("port '{}' stderr: {}", name, err_buf);
}

using call_promise = caf::typed_response_promise<reply_atom, caf::message>;

struct pending {
  std::string payload;
  call_promise rp;
};

class port_actor : public caf::event_based_actor {
public:
  port_actor(caf::actor_config& cfg, port_options opts, supervision::start_context ctx)
    : caf::event_based_actor(cfg), opts_(std::move(opts)), ctx_(std::move(ctx)) {
    if (opts_.name.empty() && !opts_.argv.empty()) {
      auto& a = opts_.argv.front();
      opts_.name = a.substr(a.find_last_of('/') + 1);
    }
  }

  caf::behavior make_behavior() override {
    if (opts_.argv.empty()) {
      fail_start(make_error(pool_errc::port_failed, "port: empty command; set `command:`"));
      return {};
    }
    auto p = start_process(opts_);
    if (!p) {
      fail_start(make_error(pool_errc::port_failed, "port '" + opts_.name + "': cannot start "
                                                      + opts_.argv.front() + ": "
                                                      + describe_pool_error(p.error())));
      return {};
    }
    proc_ = *p;
    reader_ = std::thread{read_loop, caf::actor_cast<caf::actor>(this), opts_.name, proc_.out,
                          proc_.err, proc_.wake_r};
    return {
      [this](frame_atom, uint8_t type, std::string& payload) { on_frame(type, payload); },
      [this](eof_atom) {
        auto what = "port '" + opts_.name + "': the worker closed stdout or exited"
                    + (ready_ ? "" : " before it said ready") + "; see its stderr in the log";
        die(make_error(pool_errc::port_failed, what),
            make_error(pool_errc::worker_died, what + " (the request may have run)"));
      },
      [this](call_atom, caf::message& req) -> caf::result<reply_atom, caf::message> {
        auto rp = make_response_promise<reply_atom, caf::message>();
        if (!req.match_elements<std::string>()) {
          rp.deliver(make_error(pool_errc::port_failed,
                                "port '" + opts_.name
                                  + "': a request must be one std::string (the frame payload)"));
          return rp;
        }
        queue_.push_back(pending{req.get_as<std::string>(0), rp});
        pump();
        return rp;
      },
      [this](req_timeout_atom, uint64_t seq) {
        if (!current_ || seq != seq_)
          return;
        auto err = make_error(pool_errc::request_timeout,
                              "port '" + opts_.name + "': no answer within "
                                + std::to_string(opts_.request_timeout.count())
                                + " ms; the worker was killed and will be restarted");
        current_->rp.deliver(err);
        current_.reset();
        die(err);
      },
      [this](ping_atom) {
        ping_armed_ = false;
        if (current_ || awaiting_pong_) {
          arm_ping();
          return;
        }
        awaiting_pong_ = true;
        ++ping_seq_;
        if (!write_all(proc_.in, encode('P', {})))
          return; // EOF will follow
        delayed_send(this, opts_.request_timeout, pong_timeout_atom::value, ping_seq_);
        arm_ping();
      },
      [this](pong_timeout_atom, uint64_t seq) {
        if (awaiting_pong_ && seq == ping_seq_)
          die(make_error(pool_errc::request_timeout,
                         "port '" + opts_.name + "': no pong within "
                           + std::to_string(opts_.request_timeout.count())
                           + " ms; the worker was killed and will be restarted"));
      },
    };
  }

  void on_exit() override {
    fail_all(make_error(pool_errc::shutting_down, "port '" + opts_.name + "' stopped"));
    stop_process();
  }

private:
  void fail_start(caf::error err) {
    ctx_.fail(err);
    quit(err);
  }

  void on_frame(uint8_t type, std::string& payload) {
    switch (type) {
      case 'R':
        if (!ready_) {
          ready_ = true;
          ctx_.ready();
          arm_ping();
          pump();
        }
        break;
      case 'A':
      case 'E':
        if (!current_)
          return;
        if (type == 'A')
          current_->rp.deliver(reply_atom::value, caf::make_message(std::move(payload)));
        else
          current_->rp.deliver(make_error(pool_errc::port_failed,
                                          "port '" + opts_.name + "': worker error: " + payload));
        current_.reset();
        ++seq_; // cancels the pending timeout
        pump();
        break;
      case 'O':
        awaiting_pong_ = false;
        break;
      default:
        logger()->warn("port '{}': unknown frame type {}", opts_.name, static_cast<int>(type));
    }
  }

  void pump() {
    if (!ready_ || current_ || queue_.empty())
      return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    ++seq_;
    if (!write_all(proc_.in, encode('Q', current_->payload))) {
      die(make_error(pool_errc::port_failed,
                     "port '" + opts_.name + "': cannot write to the worker's stdin"));
      return;
    }
    delayed_send(this, opts_.request_timeout, req_timeout_atom::value, seq_);
  }

  void arm_ping() {
    if (ping_armed_ || opts_.health_interval.count() == 0)
      return;
    ping_armed_ = true;
    delayed_send(this, opts_.health_interval, ping_atom::value);
  }

  void fail_all(const caf::error& err) {
    if (current_) {
      current_->rp.deliver(err);
      current_.reset();
    }
    for (auto& p : queue_)
      p.rp.deliver(err);
    queue_.clear();
  }

  // Ends the port with `err`; pending requests get `for_requests` (default: `err`).
  void die(caf::error err, caf::error for_requests = {}) {
    if (!ready_)
      ctx_.fail(err);
    fail_all(for_requests ? for_requests : err);
    stop_process();
    quit(err);
  }

  void stop_process() {
    if (proc_.pid > 0) {
      ::kill(-proc_.pid, SIGKILL); // the whole group: grandchildren too
      ::kill(proc_.pid, SIGKILL);  // in case setpgid lost a race with exec
      int status = 0;
      while (::waitpid(proc_.pid, &status, 0) < 0 && errno == EINTR) {
      }
      proc_.pid = -1;
    }
    if (proc_.wake_w >= 0) {
      char c = 'x';
      auto ignored = ::write(proc_.wake_w, &c, 1);
      (void) ignored;
    }
    if (reader_.joinable())
      reader_.join();
    close_fd(proc_.in);
    close_fd(proc_.out);
    close_fd(proc_.err);
    close_fd(proc_.wake_r);
    close_fd(proc_.wake_w);
  }

  port_options opts_;
  supervision::start_context ctx_;
  process proc_;
  std::thread reader_;
  std::deque<pending> queue_;
  std::optional<pending> current_;
  uint64_t seq_ = 0;
  uint64_t ping_seq_ = 0;
  bool ready_ = false;
  bool ping_armed_ = false;
  bool awaiting_pong_ = false;
};

} // namespace

caf::actor spawn_port(caf::actor_system& sys, port_options opts,
                      const supervision::start_context& ctx) {
  return sys.spawn<port_actor>(std::move(opts), ctx);
}

supervision::start_fn port_worker(port_options opts) {
  return [opts = std::move(opts)](const supervision::start_context& ctx)
           -> caf::expected<caf::actor> { return spawn_port(ctx.system(), opts, ctx); };
}

port_options port_options_from(const config::pool_config& cfg) {
  port_options opts;
  opts.name = cfg.name;
  opts.argv = cfg.command;
  opts.env = cfg.env;
  opts.request_timeout = std::chrono::milliseconds{cfg.request_timeout_ms};
  opts.health_interval = std::chrono::milliseconds{cfg.health_interval_ms};
  return opts;
}

} // namespace keel::actors
