// keel::actors::kv_reply: the answer of the KV state machine to one command, as a value.
//
// One of: simple string (+OK), error (-ERR ...), integer (:1), bulk string ($3 foo), null bulk
// ($-1) and array (*2 ...), arrays nesting. It mirrors RESP2 so the gateway converts it one to
// one; texts are exactly Redis' (error messages include their code, e.g. "ERR syntax error",
// without the leading '-'). It is a CAF message type with an inspect overload, so replies cross
// the network between the nodes of a cluster (add_kv_message_types in kv_shard.hpp registers
// it). Thread-safety: a value type, safe to move between threads.
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace keel::actors {

class kv_reply {
public:
  /// The RESP2 type of a reply.
  enum class kind : uint8_t { simple, error, integer, bulk, null, array };

  /// A null bulk.
  kv_reply() = default;

  // -- factories --------------------------------------------------------------

  /// `+text`; text holds no CR or LF.
  [[nodiscard]] static kv_reply simple(std::string text);

  /// `+OK`.
  [[nodiscard]] static kv_reply ok() { return simple("OK"); }

  /// `-message`; message starts with the error code, e.g. "ERR syntax error" or "OOM ...".
  [[nodiscard]] static kv_reply error(std::string message);

  /// `:value`.
  [[nodiscard]] static kv_reply integer(int64_t value);

  /// `$len payload`; binary-safe.
  [[nodiscard]] static kv_reply bulk(std::string payload);

  /// `$-1`: the answer of GET for a missing key.
  [[nodiscard]] static kv_reply null();

  /// `*n` followed by the elements.
  [[nodiscard]] static kv_reply array(std::vector<kv_reply> elements);

  // -- properties -------------------------------------------------------------

  [[nodiscard]] kind type() const noexcept { return kind_; }

  /// The text of a simple string or error, or the payload of a bulk; empty otherwise.
  [[nodiscard]] const std::string& str() const noexcept { return str_; }

  /// Moves the text or payload out (for handing a reply on without copying it).
  [[nodiscard]] std::string take_str() noexcept { return std::move(str_); }

  /// The value of an integer reply; 0 otherwise.
  [[nodiscard]] int64_t integer_value() const noexcept { return int_; }

  /// The elements of an array; empty otherwise.
  [[nodiscard]] const std::vector<kv_reply>& elements() const noexcept { return elements_; }

  /// Mutable elements of an array (for joining replies); empty otherwise.
  [[nodiscard]] std::vector<kv_reply>& elements() noexcept { return elements_; }

  /// True for an error reply.
  [[nodiscard]] bool is_error() const noexcept { return kind_ == kind::error; }

  friend bool operator==(const kv_reply& x, const kv_reply& y);
  friend bool operator!=(const kv_reply& x, const kv_reply& y) { return !(x == y); }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, kv_reply& x) {
    return f(caf::meta::type_name("kv_reply"), x.kind_, x.int_, x.str_, x.elements_);
  }

private:
  kind kind_ = kind::null;
  int64_t int_ = 0;
  std::string str_;
  std::vector<kv_reply> elements_;
};

/// Renders `x` like RESP but readable, for test failures: `+OK`, `-ERR x`, `:1`, `"abc"`,
/// `(nil)`, `[:1, "a"]`; bytes outside printable ASCII as \xNN.
[[nodiscard]] std::string to_string(const kv_reply& x);

/// Writes to_string(x) (Catch2 uses this in failure messages).
std::ostream& operator<<(std::ostream& out, const kv_reply& x);

} // namespace keel::actors
