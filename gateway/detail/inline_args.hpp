// keel::gateway::detail::split_inline: splits one inline request line into arguments exactly as
// Redis' sdssplitargs does (internal to the parser; not for users).
//
// Rules: arguments are separated by whitespace; "double quotes" understand \n \r \t \b \a,
// \xHH and \<any> escapes; 'single quotes' understand \' only; a closing quote must be followed
// by whitespace or the end; a quote inside an unquoted word starts a quoted part. As in Redis,
// which works on C strings, the line ends at its first '\0' byte.
#pragma once

#include "gateway/command.hpp"

#include <optional>
#include <string_view>

namespace keel::gateway::detail {

/// The arguments of `line` (without its line terminator); nullopt on unbalanced quotes.
/// An empty or all-blank line gives an empty vector.
[[nodiscard]] std::optional<command> split_inline(std::string_view line);

} // namespace keel::gateway::detail
