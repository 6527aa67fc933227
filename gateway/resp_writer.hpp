// keel::gateway resp writer: encodes RESP2 replies by appending to an output buffer.
//
// Every function appends to `out` and never clears it, so a session can encode a whole
// pipeline's replies into one buffer and write it with one system call. Simple strings and
// errors cannot carry CR or LF on the wire: like Redis, the writer replaces them by spaces.
// Thread-safety: pure functions over the caller's buffer.
#pragma once

#include "gateway/reply.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::gateway {

/// Appends `+text\r\n`.
void write_simple(std::string& out, std::string_view text);

/// Appends `-message\r\n`; message starts with its code ("ERR ...").
void write_error(std::string& out, std::string_view message);

/// Appends `:value\r\n`.
void write_integer(std::string& out, int64_t value);

/// Appends `$len\r\npayload\r\n` (binary-safe).
void write_bulk(std::string& out, std::string_view payload);

/// Appends `$-1\r\n`.
void write_null_bulk(std::string& out);

/// Appends `*n\r\n`; the caller appends the n elements after it.
void write_array_header(std::string& out, size_t n);

/// Appends `*-1\r\n`.
void write_null_array(std::string& out);

/// Appends the encoding of `x` (arrays recursively).
void write_reply(std::string& out, const reply& x);

} // namespace keel::gateway
