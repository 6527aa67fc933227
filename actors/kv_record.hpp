// keel::actors::detail: the KV state machine's log record, a versioned list of effects.
//
// A record holds the outcome of one command, of the commands of one batch that the shard host
// merged (merge_record: their effects in order), or of one expire cycle; never the command:
// SET k v EX 10 logs put(k, v, expire_at = now + 10000), INCR logs put(k, "11", kept
// expire_at), an expiry or an eviction logs del(k). Replaying effects needs no clock and no
// randomness.
//
// Bytes (varint and byte-string encodings in kv_codec.hpp):
//
//   record  := version:u8 (= 1) effect+
//   effect  := 0x01 key value expire_at    put: create or overwrite; expire_at 0 = no TTL
//            | 0x02 key                    del (a missing key is not an error)
//            | 0x03 key expire_at          set the TTL of an existing key; 0 = persist
//            | 0x04 key suffix             append (creates the key without TTL when missing)
//            | 0x05                        flush: delete every key
//   key, value, suffix := varint length, bytes
//   expire_at := varint, absolute Unix time in milliseconds, at most INT64_MAX
//
// A record with no effect is never written: "no change" is the empty string.
// Internal. Thread-safety: values, no shared state.
#pragma once

#include "actors/state_machine_error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::actors::detail {

/// The version byte this build writes and reads.
constexpr uint8_t kv_record_version = 1;

/// The tag of one effect.
enum class kv_op : uint8_t { put = 1, del = 2, expire = 3, append = 4, flush = 5 };

/// Appends effects to a record buffer; writes the version byte before the first effect.
class kv_record_writer {
public:
  /// Appends to `out`, which must outlive the writer. @pre `out` is empty.
  explicit kv_record_writer(std::string& out) noexcept : out_(&out) {}

  void put(std::string_view key, std::string_view value, int64_t expire_at);
  void del(std::string_view key);
  void expire(std::string_view key, int64_t expire_at);
  void append(std::string_view key, std::string_view suffix);
  void flush();

  /// True while no effect was written.
  [[nodiscard]] bool empty() const noexcept { return out_->empty(); }

private:
  void begin(kv_op op);

  std::string* out_;
};

/// One decoded effect; the views point into the record.
struct kv_effect {
  kv_op op = kv_op::del;
  std::string_view key;
  std::string_view value; ///< put: the value; append: the suffix
  int64_t expire_at = 0;  ///< put and expire
};

/// Decodes every effect of `record` into `out` (cleared first). On error `out` is unspecified
/// and the error names the effect and byte offset.
state_machine_error kv_decode_record(std::string_view record, std::vector<kv_effect>& out);

} // namespace keel::actors::detail
