// keel::gateway::options: the gateway's limits, validated by server::start().
//
// Mirrors config/node_config.hpp's gateway_section field by field (the runtime converts; the
// gateway does not depend on config/), except that the idle timeout is a duration so that tests
// can use fractions of a second: idle_timeout = gateway_section::idle_timeout_s seconds, the
// SHUTDOWN hook, which the runtime sets, and slow_reply, a tuning left at its default outside
// tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace keel::gateway {

struct options {
  std::string bind = "127.0.0.1";     ///< address to listen on (IPv4 or IPv6 literal)
  uint16_t port = 6380;               ///< 0 = an ephemeral port (start() returns it)
  std::string password;               ///< `requirepass`; empty = no AUTH needed
  uint32_t max_clients = 10000;       ///< more connections get "-ERR max number of clients..."
  uint64_t max_bulk_bytes = 512ull << 20; ///< largest bulk string accepted (>= 1)
  uint32_t max_array_len = 1u << 20;  ///< most elements in one multi-bulk request (>= 1)
  std::chrono::milliseconds idle_timeout{0}; ///< 0 = never close idle clients
  uint64_t output_buffer_limit_bytes = 64ull << 20; ///< unread replies beyond this close the
                                                    ///< client; 0 = no limit
  /// SHUTDOWN calls it on the I/O thread, with a description of the client that asked, and
  /// closes that connection without a reply (as Redis does); the owner stops the process.
  /// Empty: SHUTDOWN is refused with an error.
  std::function<void(const std::string& who)> on_shutdown;
  /// A client whose last batch took at least this long to answer (a disk sync, as a rule) is
  /// next read without the speculative recv that would find nothing (session::read); replies
  /// from memory take tens of microseconds. 0: always without it.
  std::chrono::microseconds slow_reply{200};
};

} // namespace keel::gateway
