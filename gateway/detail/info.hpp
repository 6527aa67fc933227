// keel::gateway::detail INFO text (internal): the sections Redis' INFO has that clients and
// tools read (server, clients, memory, persistence, stats, keyspace), in Redis' layout:
// "# Section" headers, "field:value" lines, CRLF line ends, a blank line between sections.
#pragma once

#include "gateway/detail/local_commands.hpp"

#include <string>

namespace keel::gateway::detail {

/// The INFO text for `section` (case-insensitive; empty, "default", "all" and "everything" give
/// every section; an unknown section gives an empty text, as Redis does).
[[nodiscard]] std::string info_text(const std::string& section, const server_view& srv);

} // namespace keel::gateway::detail
