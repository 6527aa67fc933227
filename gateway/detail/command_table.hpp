// keel::gateway::detail command table: what COMMAND, COMMAND COUNT and COMMAND DOCS tell
// clients (internal). It lists the gateway's own commands and the KV commands a backend is
// expected to serve.
#pragma once

#include "gateway/reply.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace keel::gateway::detail {

struct command_entry {
  const char* name;    ///< lower case
  int arity;           ///< Redis' arity: n = exactly n args with name, -n = at least n
  const char* flags;   ///< space-separated, e.g. "write fast"
  int first_key;
  int last_key;
  int step;
  const char* summary; ///< one line for COMMAND DOCS
  const char* group;   ///< "string", "connection", "server", "keyspace", "generic"
};

/// Every known command.
[[nodiscard]] const std::vector<command_entry>& command_table();

/// The entry of `name` (any case), or nullptr for a command the table does not know.
[[nodiscard]] const command_entry* find_command(const std::string& name);

/// True when `argc` words (the name included) fit `e`'s arity (negative: at least that many).
[[nodiscard]] bool arity_ok(const command_entry& e, size_t argc);

/// COMMAND / COMMAND INFO's array for one entry.
[[nodiscard]] reply command_info(const command_entry& e);

/// COMMAND DOCS's flat [name, docs] pair for one entry (RESP2 map as array).
void command_docs(const command_entry& e, std::vector<reply>& out);

} // namespace keel::gateway::detail
