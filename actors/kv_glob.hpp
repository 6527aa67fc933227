// keel::actors::kv_glob_match: Redis' glob-style pattern matching (util.c stringmatchlen).
//
// Used by KEYS and SCAN MATCH. Same results as Redis 7 byte for byte, including its corner
// cases: `*` any run, `?` one byte, `[abc]` `[^a]` `[a-z]` (reversed ranges swap, an unclosed
// `[` matches the rest as a set), `\x` a literal x, a trailing lone `\` matches `\`, and the
// nesting limit (1000) and early exit that keep patterns like `a*a*a*a*b` from going
// exponential. Binary safe. Thread-safety: a pure function.
#pragma once

#include <string_view>

namespace keel::actors {

/// True when `text` matches the glob `pattern`; `nocase` folds ASCII case.
[[nodiscard]] bool kv_glob_match(std::string_view pattern, std::string_view text,
                                 bool nocase = false) noexcept;

} // namespace keel::actors
