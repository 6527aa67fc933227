// keel::gateway::detail CLIENT: the connection commands (internal; handle_local calls it).
//
// CLIENT ID, SETNAME, GETNAME, SETINFO, INFO, LIST, KILL and HELP, with redis-server 7's replies.
// INFO and LIST write one line per connection in Redis' key=value form, with the fields that
// client_info holds plus those that are constant here (db=0, sub=0, psub=0, ssub=0, user=default,
// redir=-1, resp=2). KILL takes the old form (CLIENT KILL ip:port: OK, or "No such client") and
// the filter form (ID, ADDR, LADDR, TYPE, USER, SKIPME: the number of connections closed). A
// connection that kills itself is closed after its reply.
#pragma once

#include "gateway/detail/local_commands.hpp"

#include <string>

namespace keel::gateway::detail {

/// Handles CLIENT `cmd` for `client`. @pre cmd[0] is CLIENT (any case)
[[nodiscard]] local_result client_command(const command& cmd, client_state& client,
                                          const server_view& srv);

/// Redis' rule for client names and library attributes: printable ASCII, no space.
[[nodiscard]] bool valid_client_attr(const std::string& value);

/// One line of CLIENT LIST (without its line feed).
[[nodiscard]] std::string client_line(const client_info& c);

} // namespace keel::gateway::detail
