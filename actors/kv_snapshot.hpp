// keel::actors::detail: the KV state machine's snapshot image.
//
// Bytes (varint and byte-string encodings in kv_codec.hpp):
//
//   image     := 'k' 'v' version:u8 (= 1) count:varint entry{count}
//   entry     := key value expire_at       keys strictly ascending (bytewise)
//   expire_at := varint, absolute Unix ms, 0 = no TTL, at most INT64_MAX
//
// Sorted keys make the image canonical: equal states give equal bytes, whatever history
// (inserts, deletes, slot reuse) led to them. Expired keys not yet deleted are part of the
// state and of the image. Per-key LSNs and LRU times are not: a restored key is durable and
// equally recent. Internal. Thread-safety: pure functions.
#pragma once

#include "actors/kv_keyspace.hpp"
#include "actors/state_machine_error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::actors::detail {

/// The version byte this build writes and reads.
constexpr uint8_t kv_snapshot_version = 1;

/// Encodes every key of `keys`.
[[nodiscard]] std::string kv_write_snapshot(const kv_keyspace& keys);

/// Decodes `image` into `out` (which must be empty). On error `out` holds a part of the image
/// and the error names the reason, the entry and the byte offset.
state_machine_error kv_read_snapshot(std::string_view image, kv_keyspace& out);

} // namespace keel::actors::detail
