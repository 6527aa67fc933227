// keel::gateway::test_client: a raw TCP client for the gateway's tests (test-only code).
//
// Every read waits with a deadline (poll with a timeout, never a sleep); a reply that does not
// come in time is reported as nullopt, so a broken server fails the test instead of hanging it.
#pragma once

#include "gateway/reply.hpp"

#include "testkit/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::gateway {

/// Decodes one RESP2 reply from the front of `buf`; returns it and erases its bytes, or
/// nullopt when `buf` does not yet hold a complete reply. Throws std::runtime_error on bytes
/// that are not RESP2.
std::optional<reply> decode_reply(std::string& buf);

class test_client {
public:
  /// Connects to 127.0.0.1:`port`; throws std::runtime_error on failure.
  explicit test_client(uint16_t port);
  ~test_client();

  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  /// Sends all of `bytes` (blocking). False if the connection is gone.
  bool send(std::string_view bytes);

  /// The next reply, or nullopt if none arrives before `timeout` or the server closes first.
  std::optional<reply> read_reply(std::chrono::milliseconds timeout = testkit::default_timeout());

  /// Reads (and drops) until the server closes the connection: true if it closed before
  /// `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = testkit::default_timeout());

  /// Shrinks the receive buffer (SO_RCVBUF) so that unread replies back up quickly.
  void small_receive_buffer();

  /// Bytes received but not yet decoded.
  [[nodiscard]] const std::string& pending() const { return buf_; }

private:
  /// Waits until readable and reads once; false at the deadline or on close (closed_ set).
  bool read_some(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool closed_ = false;
  std::string buf_;
};

/// The RESP2 encoding of a command (a multi-bulk request).
std::string encode_command(std::initializer_list<std::string_view> args);

} // namespace keel::gateway
