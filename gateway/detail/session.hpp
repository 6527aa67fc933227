// keel::gateway::detail::session: one client connection (internal; Asio inside).
//
// Life of a session, all on the server's I/O thread: read what the socket has into in_, parse
// every complete command, answer local commands in place and hand the others to the backend as
// ONE batch (through the server's coalescer, which joins the batches of all connections read in
// the same turn of the I/O loop into one backend call), wait (reading nothing more) until the
// backend's replies arrive, encode all replies in request order into out_, write, read again.
// MULTI blocks are queued here (multi.hpp) and go to the backend at EXEC as one transaction
// command. A protocol error is answered after the replies of the commands before it, then the
// connection closes (see protocol_error.hpp). A client whose unwritten replies exceed the output
// buffer limit is closed; so is one idle longer than the idle timeout (never while its batch
// runs), and one that CLIENT KILL names. Each session holds itself alive through its pending
// handlers and the server's registry; close() removes it from the registry.
#pragma once

#include "gateway/detail/local_commands.hpp"
#include "gateway/detail/multi.hpp"
#include "gateway/detail/pubsub.hpp"
#include "gateway/detail/server_state.hpp"
#include "gateway/protocol_error.hpp"
#include "gateway/resp_parser.hpp"

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace keel::gateway::detail {

class session : public std::enable_shared_from_this<session>, public pubsub_subscriber {
public:
  /// A session for an accepted socket. @pre called on the I/O thread.
  session(server_state& st, boost::asio::ip::tcp::socket sock, uint64_t id);

  /// Starts reading (and the idle timer).
  void start();

  /// The server stops: finish the batch in flight, write its replies (within a grace period),
  /// then close.
  void stop();

  /// What CLIENT LIST shows of this connection.
  [[nodiscard]] client_info info() const;

  /// Closes the connection now, dropping replies not yet written (CLIENT KILL).
  void kill();

  [[nodiscard]] uint64_t id() const { return client_.id; }

  /// A message this client subscribed to: written after the replies it awaits.
  void deliver(const std::string& frame) override;

private:
  /// One reply slot of a pipeline: a local answer, or the next backend reply.
  struct slot {
    bool from_backend = false;
    reply local = reply::null();
    bool exec = false; ///< the backend reply is a transaction's array ...
    std::vector<std::pair<size_t, command>> exec_locals; ///< ... without these local commands
    std::vector<std::string> watch_keys; ///< WATCH: the reply holds their versions
    bool silent = false; ///< no reply at all (SHUTDOWN)
    std::string raw;     ///< replies already encoded, written instead (SUBSCRIBE: one a channel)
  };

  void read();
  void on_read(const boost::system::error_code& ec, size_t n);
  /// What handling one command means for the rest of the round.
  enum class after : uint8_t {
    go_on, ///< next command
    wait,  ///< a WATCH, or an EXEC with local commands: the commands behind it wait for its
           ///< reply (the versions; the local commands' effects)
    quit,  ///< QUIT: nothing more
  };

  void process();
  after step(command& cmd, std::vector<command>& batch);
  /// (P)SUBSCRIBE, (P)UNSUBSCRIBE, and PING while subscribed: true when `cmd` was one of them
  /// and its reply slot is added.
  bool subscription_step(const command& cmd);
  [[nodiscard]] size_t subscriptions() const { return channels_.size() + patterns_.size(); }
  void leave_hub();
  /// Replies and messages not written yet pass options::output_buffer_limit_bytes.
  [[nodiscard]] bool over_output_limit() const;
  /// Adds an EXEC to the round; true when it holds local commands, which run when the block's
  /// reply is back (so the commands behind it must wait).
  bool queue_exec(multi_result m, std::vector<command>& batch);
  reply exec_reply(reply from_backend, std::vector<std::pair<size_t, command>>& locals);
  void complete(std::vector<reply> replies);
  void flush();
  void on_write(const boost::system::error_code& ec);
  void arm_timer(std::chrono::steady_clock::duration d);
  void on_timer(const boost::system::error_code& ec);
  void close(const char* why);
  [[nodiscard]] server_view view() const;

  server_state& st_;
  boost::asio::ip::tcp::socket sock_;
  boost::asio::steady_timer timer_; ///< idle timeout, or the stop grace period
  resp_parser parser_;
  client_state client_;
  multi_state multi_; ///< MULTI ... EXEC
  std::string in_;   ///< read buffer: its first in_len_ bytes are not parsed yet
  size_t in_len_ = 0;
  std::string out_;  ///< encoded replies not yet handed to the socket
  std::string wbuf_; ///< the bytes of the write in progress
  std::vector<slot> plan_;     ///< reply slots of the pipeline in flight
  std::set<std::string> channels_; ///< SUBSCRIBE
  std::set<std::string> patterns_; ///< PSUBSCRIBE
  std::string pushes_; ///< messages that came while a batch was in flight, written after it
  protocol_error pending_error_; ///< answered after plan_'s replies
  std::deque<command> deferred_;  ///< parsed behind a WATCH, handled when its versions are back
  protocol_error deferred_error_; ///< a protocol error behind deferred_
  bool reading_ = false;
  bool writing_ = false;
  bool in_flight_ = false;
  bool close_after_write_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  bool slow_replies_ = false; ///< the last batch waited long for its replies (see read())
  bool over_limit_ = false;   ///< messages passed the output buffer limit: closing
  std::chrono::steady_clock::time_point last_active_;
  std::chrono::steady_clock::time_point created_;
  std::string last_cmd_;     ///< the name of the last command parsed, as sent
  int fd_ = -1;              ///< the socket's descriptor (CLIENT LIST)
  mutable std::string addr_;  ///< the peer's address (CLIENT LIST), once asked for
  mutable std::string laddr_; ///< the local address, once asked for
};

} // namespace keel::gateway::detail
