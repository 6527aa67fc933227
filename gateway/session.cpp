#include "gateway/detail/session.hpp"

#include "gateway/detail/drain_read.hpp"
#include "gateway/resp_writer.hpp"
#include "gateway/standard_replies.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace keel::gateway::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// How long a stopping server waits for a session's last replies to be written.
constexpr auto stop_grace = std::chrono::seconds{2};

/// Bytes asked of the socket per read.
constexpr size_t read_chunk = 16 * 1024;

parser_limits limits_of(const options& o) {
  parser_limits l;
  l.max_bulk_bytes = o.max_bulk_bytes;
  l.max_array_len = o.max_array_len;
  return l;
}

} // namespace

session::session(server_state& st, asio::ip::tcp::socket sock, uint64_t id)
  : st_(st), sock_(std::move(sock)), timer_(st.io), parser_(limits_of(st.opts)) {
  client_.id = id;
  client_.authenticated = st.opts.password.empty();
  last_active_ = created_ = std::chrono::steady_clock::now();
  fd_ = static_cast<int>(sock_.native_handle());
}

void session::start() {
  error_code ec;
  sock_.set_option(asio::ip::tcp::no_delay{true}, ec);
  if (st_.opts.idle_timeout.count() > 0)
    arm_timer(st_.opts.idle_timeout);
  read();
}

void session::stop() {
  stopping_ = true;
  close_after_write_ = true;
  if (!in_flight_ && !writing_) {
    close("server stopping");
    return;
  }
  error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  arm_timer(stop_grace);
}

server_view session::view() const {
  return server_view{st_.opts,  st_.port, st_.started, st_.numbers.snapshot(),
                     st_.store, st_.clients.get(), &st_.hub};
}

namespace {

std::string endpoint_text(const asio::ip::tcp::endpoint& e) {
  auto ip = e.address().to_string();
  return (e.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(e.port());
}

int64_t seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t)
    .count();
}

} // namespace

client_info session::info() const {
  error_code ec;
  if (addr_.empty())
    if (auto e = sock_.remote_endpoint(ec); !ec)
      addr_ = endpoint_text(e);
  if (laddr_.empty())
    if (auto e = sock_.local_endpoint(ec); !ec)
      laddr_ = endpoint_text(e);
  client_info c;
  c.id = client_.id;
  c.addr = addr_;
  c.laddr = laddr_;
  c.fd = closed_ ? -1 : fd_;
  c.name = client_.name;
  c.age_s = seconds_since(created_);
  c.idle_s = seconds_since(last_active_);
  c.multi = multi_.open ? static_cast<int64_t>(multi_.queued.size()) : -1;
  c.sub = channels_.size();
  c.psub = patterns_.size();
  c.qbuf = in_len_;
  c.omem = out_.size() + wbuf_.size();
  c.cmd = lower_name(last_cmd_);
  c.lib_name = client_.lib_name;
  c.lib_ver = client_.lib_ver;
  return c;
}

void session::kill() {
  close("killed by CLIENT KILL");
}

void session::read() {
  if (closed_ || reading_ || in_flight_ || close_after_write_)
    return;
  reading_ = true;
  // Grown only when the unparsed bytes need more room: no zero-filling per read.
  if (in_.size() < in_len_ + read_chunk)
    in_.resize(in_len_ + read_chunk);
  auto done = [self = shared_from_this()](const error_code& ec, size_t n) {
    self->in_len_ += n;
    self->on_read(ec, n);
  };
  // After a slow batch (options::slow_reply) this read is a drain_buffer: when it comes back
  // short it marks the socket drained, and the read issued after the next batch's replies waits
  // for the client without a recv that would only find nothing, the reply being just sent (the
  // last batch predicts the next). After quick batches that recv stays: the I/O thread is busy
  // then, and skipping it made the thread sleep in epoll between rounds and be woken for each
  // (redis-benchmark -P 1 on 2 cores: SET sync group 5-9% faster with drain_buffer everywhere,
  // SET and GET sync none 7-13% slower).
  if (slow_replies_)
    sock_.async_read_some(drain_buffer(&in_[in_len_], read_chunk), std::move(done));
  else
    sock_.async_read_some(asio::buffer(&in_[in_len_], read_chunk), std::move(done));
}

void session::on_read(const error_code& ec, size_t) {
  reading_ = false;
  if (closed_)
    return;
  if (ec) {
    // EOF or reset: replies still being written may reach a half-closed client.
    close_after_write_ = true;
    if (!writing_ && !in_flight_)
      close(ec == asio::error::eof ? "client closed" : "read failed");
    return;
  }
  last_active_ = std::chrono::steady_clock::now();
  process();
}

bool session::subscription_step(const command& cmd) {
  const auto& name = cmd[0];
  if (name.size() != 4 && (name.size() < 9 || name.size() > 12))
    return false; // not PING nor (P)(UN)SUBSCRIBE: GET, SET, ... cost one comparison here
  bool ping = iequals(name, "ping");
  bool sub = iequals(name, "subscribe");
  bool psub = iequals(name, "psubscribe");
  bool unsub = iequals(name, "unsubscribe");
  bool punsub = iequals(name, "punsubscribe");
  if (!(sub || psub || unsub || punsub || (ping && subscriptions() > 0)))
    return false;
  slot s;
  if (ping) { // RESP2 in subscribed mode: a [pong, argument] array
    s.local = cmd.size() > 2 ? wrong_arity("ping")
                             : reply::array({reply::bulk("pong"),
                                             reply::bulk(cmd.size() == 2 ? cmd[1] : "")});
  } else if ((sub || psub) && cmd.size() < 2) {
    s.local = wrong_arity(lower_name(name));
  } else {
    auto kind = sub || unsub ? pubsub_hub::kind::channel : pubsub_hub::kind::pattern;
    auto& mine = sub || unsub ? channels_ : patterns_;
    auto what = lower_name(name);
    auto count = [this] { return static_cast<int64_t>(subscriptions()); };
    std::vector<std::string> names(cmd.begin() + 1, cmd.end());
    if ((unsub || punsub) && names.empty()) // all of them
      names.assign(mine.begin(), mine.end());
    if (names.empty())
      write_reply(s.raw, subscription_reply(what.c_str(), nullptr, count()));
    for (auto& n : names) {
      if (sub || psub) {
        if (mine.insert(n).second)
          st_.hub.subscribe(kind, n, this);
      } else if (mine.erase(n) > 0) {
        st_.hub.unsubscribe(kind, n, this);
      }
      write_reply(s.raw, subscription_reply(what.c_str(), &n, count()));
    }
  }
  plan_.push_back(std::move(s));
  return true;
}

bool session::over_output_limit() const {
  auto limit = st_.opts.output_buffer_limit_bytes;
  return limit > 0 && out_.size() + wbuf_.size() > limit;
}

void session::leave_hub() {
  for (auto& c : channels_)
    st_.hub.unsubscribe(pubsub_hub::kind::channel, c, this);
  for (auto& p : patterns_)
    st_.hub.unsubscribe(pubsub_hub::kind::pattern, p, this);
  channels_.clear();
  patterns_.clear();
}

void session::deliver(const std::string& frame) {
  if (closed_ || over_limit_)
    return;
  if (in_flight_) { // the replies of the batch in flight come first
    pushes_ += frame;
    return;
  }
  out_ += frame;
  if (over_output_limit()) {
    // Not closed here: the hub is delivering to a list that holds this session.
    over_limit_ = true;
    st_.numbers.output_limit_closes.fetch_add(1, std::memory_order_relaxed);
    asio::post(st_.io, [self = shared_from_this()] { self->close("output buffer limit reached"); });
    return;
  }
  flush();
}

session::after session::step(command& cmd, std::vector<command>& batch) {
  if (client_.authenticated && subscriptions() > 0 && !allowed_when_subscribed(cmd)) {
    plan_.push_back(slot{false, not_allowed_when_subscribed(cmd)});
    return after::go_on;
  }
  if (client_.authenticated && !multi_.open && subscription_step(cmd))
    return after::go_on;
  if (client_.authenticated) {
    auto m = multi_filter(cmd, multi_);
    if (m.what == multi_step::answered) {
      plan_.push_back(slot{false, std::move(m.answer)});
      return after::go_on;
    }
    if (m.what == multi_step::exec) // a block's local commands run when its reply is back:
      return queue_exec(std::move(m), batch) ? after::wait : after::go_on; // commands wait
    if (m.what == multi_step::watch) {
      slot s{true, reply::null()};
      s.watch_keys.assign(cmd.begin() + 1, cmd.end());
      plan_.push_back(std::move(s));
      batch.push_back(std::move(cmd));
      return after::wait; // an EXEC behind it needs the versions it brings back
    }
  }
  if (client_.authenticated && !is_local(cmd)) {
    batch.push_back(std::move(cmd));
    plan_.push_back(slot{true, reply::null()});
    return after::go_on;
  }
  auto res = handle_local(cmd, client_, view());
  if (res.what == disposition::to_backend) {
    batch.push_back(std::move(cmd));
    plan_.push_back(slot{true, reply::null()});
    return after::go_on;
  }
  if (res.what == disposition::close_silently) {
    plan_.push_back(slot{false, reply::null(), false, {}, {}, true});
    return after::quit;
  }
  plan_.push_back(slot{false, std::move(res.answer)});
  return res.what == disposition::answered_close ? after::quit : after::go_on;
}

void session::process() {
  std::vector<command> cmds;
  std::vector<command> batch;
  plan_.clear();
  bool quit = false;
  bool wait = false;
  // First what a WATCH held back in the previous round.
  while (!deferred_.empty() && !quit && !wait) {
    auto cmd = std::move(deferred_.front());
    deferred_.pop_front();
    auto a = step(cmd, batch);
    quit = a == after::quit;
    wait = a == after::wait;
  }
  if (quit)
    deferred_.clear();
  if (deferred_.empty() && deferred_error_ && !quit && !wait) {
    pending_error_ = deferred_error_;
    deferred_error_ = protocol_error{};
  }
  size_t offset = 0;
  while (!quit && !wait && !pending_error_) {
    // Before AUTH, commands go one at a time: AUTH changes how the next one is treated.
    bool authed = client_.authenticated;
    parser_.require_auth(!authed);
    cmds.clear();
    auto r = parser_.feed(std::string_view{in_.data(), in_len_}.substr(offset), cmds,
                          authed ? SIZE_MAX : size_t{1});
    offset += r.consumed;
    st_.numbers.total_commands.fetch_add(cmds.size(), std::memory_order_relaxed);
    if (!cmds.empty())
      last_cmd_.assign(cmds.back()[0]); // for CLIENT LIST: once per read, not per command
    for (size_t i = 0; i < cmds.size() && !quit && !wait; ++i) {
      auto a = step(cmds[i], batch);
      quit = a == after::quit;
      wait = a == after::wait;
      if (wait)
        for (size_t j = i + 1; j < cmds.size(); ++j)
          deferred_.push_back(std::move(cmds[j]));
    }
    if (quit)
      break;
    if (r.error) {
      (wait ? deferred_error_ : pending_error_) = r.error;
      break;
    }
    if (wait || cmds.empty() || authed)
      break;
  }
  if (offset > 0 && offset < in_len_)
    std::memmove(in_.data(), in_.data() + offset, in_len_ - offset);
  in_len_ -= offset;
  if (quit || pending_error_)
    close_after_write_ = true;
  if (batch.empty()) {
    complete({});
    return;
  }
  in_flight_ = true;
  st_.batcher.submit(std::move(batch), [self = shared_from_this()](std::vector<reply> replies) {
    self->complete(std::move(replies));
  });
}

bool session::queue_exec(multi_result m, std::vector<command>& batch) {
  // Local commands are answered now (they touch no data); the rest go as one transaction,
  // behind the watched keys' versions for the backend to check.
  auto& queued = m.queued;
  std::vector<command> remote;
  if (!m.watched.empty()) {
    command check{"WATCHED"};
    for (auto& [key, version] : m.watched) {
      check.push_back(key);
      check.push_back(version);
    }
    remote.push_back(std::move(check));
  }
  slot s{true, reply::null(), true, {}, {}};
  for (size_t i = 0; i < queued.size(); ++i) {
    if (is_local(queued[i]))
      s.exec_locals.emplace_back(i, std::move(queued[i]));
    else
      remote.push_back(std::move(queued[i]));
  }
  if (remote.empty()) { // nothing for the backend: the block runs now
    plan_.push_back(slot{false, exec_reply(reply::array({}), s.exec_locals)});
    return false;
  }
  batch.push_back(transaction_command(remote));
  bool locals = !s.exec_locals.empty();
  plan_.push_back(std::move(s));
  return locals;
}

reply session::exec_reply(reply from_backend, std::vector<std::pair<size_t, command>>& locals) {
  // The backend's array with the local commands' answers put back at their places. They run
  // only now, and only when the block ran: not after an error (the backend refused the whole
  // block) nor after null (a watched key changed), which is EXEC's nil array.
  if (from_backend.type() == reply::kind::null)
    return reply::null_array();
  if (from_backend.type() != reply::kind::array || locals.empty())
    return from_backend;
  std::vector<reply> all;
  auto& remote = from_backend.elements();
  size_t next_remote = 0;
  auto next_local = locals.begin();
  for (size_t i = 0; i < remote.size() + locals.size(); ++i) {
    if (next_local != locals.end() && next_local->first == i)
      all.push_back(handle_local((next_local++)->second, client_, view()).answer);
    else if (next_remote < remote.size())
      all.push_back(remote[next_remote++]);
  }
  return reply::array(std::move(all));
}

void session::complete(std::vector<reply> replies) {
  if (in_flight_)
    slow_replies_ = std::chrono::steady_clock::now() - last_active_ >= st_.opts.slow_reply;
  in_flight_ = false;
  if (closed_)
    return;
  size_t k = 0;
  size_t expected = 0;
  for (auto& s : plan_) {
    expected += s.from_backend ? 1 : 0;
    if (s.silent) {
      continue;
    } else if (!s.raw.empty()) {
      out_ += s.raw;
    } else if (!s.from_backend) {
      write_reply(out_, s.local);
    } else if (k < replies.size() && !s.watch_keys.empty()) {
      auto& versions = replies[k++];
      if (add_watched(multi_, s.watch_keys, versions))
        write_reply(out_, reply::ok());
      else
        write_reply(out_, versions.is_error() ? versions
                                              : reply::error("ERR backend gave no versions"));
    } else if (k < replies.size() && s.exec) {
      write_reply(out_, exec_reply(std::move(replies[k++]), s.exec_locals));
    } else if (k < replies.size()) {
      write_reply(out_, replies[k++]);
    } else {
      write_error(out_, "ERR backend gave no reply");
    }
  }
  if (replies.size() != expected)
    st_.logger->error("client {}: backend answered {} replies for {} commands", client_.id,
                      replies.size(), expected);
  plan_.clear();
  out_ += pushes_; // messages published while the batch was in flight
  pushes_.clear();
  if (pending_error_) {
    st_.numbers.protocol_errors.fetch_add(1, std::memory_order_relaxed);
    st_.logger->debug("client {}: {}; closing", client_.id, pending_error_.message());
    write_error(out_, "ERR " + pending_error_.message());
  }
  if (over_output_limit()) {
    st_.numbers.output_limit_closes.fetch_add(1, std::memory_order_relaxed);
    close("output buffer limit reached");
    return;
  }
  flush();
  if (!deferred_.empty() || deferred_error_)
    process(); // commands a WATCH held back
  else
    read();
}

void session::flush() {
  if (writing_ || closed_)
    return;
  if (out_.empty()) {
    if (close_after_write_ && !in_flight_)
      close(stopping_ ? "server stopping" : "closing after reply");
    return;
  }
  writing_ = true;
  wbuf_.swap(out_);
  out_.clear();
  asio::async_write(sock_, asio::buffer(wbuf_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->on_write(ec);
                    });
}

void session::on_write(const error_code& ec) {
  writing_ = false;
  wbuf_.clear();
  if (closed_)
    return;
  if (ec) {
    close("write failed");
    return;
  }
  flush();
}

void session::arm_timer(std::chrono::steady_clock::duration d) {
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_timer(ec); });
}

void session::on_timer(const error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted)
    return;
  if (stopping_) {
    close("stop grace period over");
    return;
  }
  auto timeout = st_.opts.idle_timeout;
  auto idle = std::chrono::steady_clock::now() - last_active_;
  // One that waits for its batch, or for messages (a subscriber, as in Redis), is not idle.
  if (in_flight_ || subscriptions() > 0) {
    arm_timer(timeout);
    return;
  }
  if (idle < timeout) {
    arm_timer(timeout - idle);
    return;
  }
  st_.numbers.idle_closes.fetch_add(1, std::memory_order_relaxed);
  close("idle timeout");
}

void session::close(const char* why) {
  if (closed_)
    return;
  closed_ = true;
  leave_hub();
  st_.logger->debug("client {}: closed ({})", client_.id, why);
  error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  timer_.cancel();
  st_.numbers.connected_clients.fetch_sub(1, std::memory_order_relaxed);
  // Last: the registry may hold the last reference to this session.
  auto self = shared_from_this();
  st_.sessions.erase(this);
}

} // namespace keel::gateway::detail
