// keel::gateway::reply: one RESP2 reply as a value (what a backend answers for one command).
//
// A reply is one of: simple string (+OK), error (-ERR ...), integer (:1), bulk string ($3 foo),
// null bulk ($-1), array (*2 ...) and null array (*-1). Arrays nest. Build replies with the
// static factories; the gateway encodes them with resp_writer. Thread-safety: a value type, safe
// to move between threads.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace keel::gateway {

class reply {
public:
  /// The RESP2 type of a reply.
  enum class kind : uint8_t { simple, error, integer, bulk, null, array, null_array };

  // -- factories --------------------------------------------------------------

  /// `+text`; text must not contain CR or LF (the writer replaces them by spaces).
  [[nodiscard]] static reply simple(std::string text);

  /// `+OK`.
  [[nodiscard]] static reply ok() { return simple("OK"); }

  /// `-message`; message starts with the error code, e.g. "ERR syntax error" or "WRONGTYPE ...".
  [[nodiscard]] static reply error(std::string message);

  /// `:value`.
  [[nodiscard]] static reply integer(int64_t value);

  /// `$len payload`; binary-safe.
  [[nodiscard]] static reply bulk(std::string payload);

  /// `$-1`, the answer of GET for a missing key.
  [[nodiscard]] static reply null();

  /// `*n` followed by the elements.
  [[nodiscard]] static reply array(std::vector<reply> elements);

  /// `*-1`.
  [[nodiscard]] static reply null_array();

  // -- properties ---------------------------------------------------------------

  [[nodiscard]] kind type() const { return kind_; }

  /// The text of a simple string or error, or the payload of a bulk; empty otherwise.
  [[nodiscard]] const std::string& str() const { return str_; }

  /// The value of an integer reply; 0 otherwise.
  [[nodiscard]] int64_t integer_value() const { return int_; }

  /// The elements of an array; empty otherwise.
  [[nodiscard]] const std::vector<reply>& elements() const { return elements_; }

  /// True for an error reply.
  [[nodiscard]] bool is_error() const { return kind_ == kind::error; }

  friend bool operator==(const reply& a, const reply& b);
  friend bool operator!=(const reply& a, const reply& b) { return !(a == b); }

private:
  reply() = default;

  kind kind_ = kind::null;
  int64_t int_ = 0;
  std::string str_;
  std::vector<reply> elements_;
};

/// A readable rendering for test output and logs, e.g. `["OK", 1, nil, (error) ERR x]`.
[[nodiscard]] std::string to_string(const reply& x);

/// Writes to_string(x) (lets test frameworks print replies).
std::ostream& operator<<(std::ostream& os, const reply& x);

} // namespace keel::gateway
