// keel::gateway standard replies: Redis' exact error texts that both the gateway and backends
// give, so that clients and tests see what they would see from redis-server 7.
// Thread-safety: pure functions.
#pragma once

#include "gateway/command.hpp"
#include "gateway/reply.hpp"

namespace keel::gateway {

/// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " (name cut at 128 bytes,
/// arguments quoted until 128 bytes of them are shown, as Redis does).
/// @pre !cmd.empty()
[[nodiscard]] reply unknown_command(const command& cmd);

/// "ERR wrong number of arguments for 'get' command" (name in lower case).
[[nodiscard]] reply wrong_arity(const std::string& name);

/// "ERR syntax error".
[[nodiscard]] reply syntax_error();

/// "ERR value is not an integer or out of range".
[[nodiscard]] reply not_an_integer();

/// "NOAUTH Authentication required.".
[[nodiscard]] reply noauth();

} // namespace keel::gateway
