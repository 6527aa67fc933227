// keel::gateway::command: one request as the client sent it, name first, then its arguments.
//
// Every element is a byte string: binary-safe (may hold '\0', '\r', '\n'), owned by the command,
// so a batch can travel to another thread and outlive the connection's buffers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::gateway {

/// One request: `args[0]` is the command name as sent (any case), the rest its arguments.
/// A parsed command is never empty.
using command = std::vector<std::string>;

/// `name` in lower case (ASCII), the form Redis uses in error texts and keel uses in tables.
[[nodiscard]] std::string lower_name(const std::string& name);

/// True when `a` equals `b` ignoring ASCII case; `b` is expected in lower case.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// `arg` as a signed 64-bit integer: decimal digits with an optional leading '-', nothing
/// around them ('+', spaces); nullopt otherwise or on overflow.
[[nodiscard]] std::optional<int64_t> parse_int64(const std::string& arg) noexcept;

/// A MULTI ... EXEC block as the ONE command a backend receives: EXEC followed, per queued
/// command, by its word count and its words (`EXEC 3 SET a 1 2 INCR a`).
[[nodiscard]] command transaction_command(const std::vector<command>& queued);

/// The queued commands of a transaction command; nullopt when `exec` is not one.
[[nodiscard]] std::optional<std::vector<command>> transaction_commands(const command& exec);

} // namespace keel::gateway
