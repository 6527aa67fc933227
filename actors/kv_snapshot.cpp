#include "actors/kv_snapshot.hpp"

#include "actors/kv_codec.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace keel::actors::detail {

std::string kv_write_snapshot(const kv_keyspace& keys) {
  std::vector<const kv_keyspace::node*> nodes;
  nodes.reserve(keys.size());
  std::size_t bytes = 16;
  keys.for_each([&](const kv_keyspace::node& n) {
    nodes.push_back(&n);
    bytes += n.first.size() + n.second.value.size() + 16;
  });
  std::sort(nodes.begin(), nodes.end(),
            [](const auto* x, const auto* y) { return x->first < y->first; });
  std::string out;
  out.reserve(bytes);
  out += 'k';
  out += 'v';
  out += static_cast<char>(kv_snapshot_version);
  put_varint(out, nodes.size());
  for (const auto* n : nodes) {
    put_bytes(out, n->first);
    put_bytes(out, n->second.value);
    put_varint(out, static_cast<uint64_t>(n->second.expire_at));
  }
  return out;
}

namespace {

state_machine_error fail(state_machine_errc code, const std::string& what, uint64_t entry,
                         uint64_t count, std::size_t offset) {
  return {code, "kv snapshot: " + what + " in entry " + std::to_string(entry) + " of "
                  + std::to_string(count) + " at byte " + std::to_string(offset)};
}

} // namespace

state_machine_error kv_read_snapshot(std::string_view image, kv_keyspace& out) {
  using errc = state_machine_errc;
  if (image.size() < 3 || image[0] != 'k' || image[1] != 'v')
    return {errc::unsupported_version, "kv snapshot: not a kv snapshot image (no 'kv' magic)"};
  auto version = static_cast<uint8_t>(image[2]);
  if (version != kv_snapshot_version)
    return {errc::unsupported_version,
            "kv snapshot: version " + std::to_string(version) + " is not supported (this "
              "build reads version " + std::to_string(kv_snapshot_version) + ")"};
  byte_reader in{image.substr(3)};
  uint64_t count = 0;
  if (!in.get_varint(count))
    return {errc::truncated, "kv snapshot: truncated in the key count"};
  // Each entry takes at least 3 bytes: a bigger count cannot be honest.
  if (count > image.size() / 3)
    return {errc::malformed, "kv snapshot: key count " + std::to_string(count)
                               + " exceeds what " + std::to_string(image.size())
                               + " bytes can hold"};
  out.reserve(static_cast<std::size_t>(count));
  std::string_view previous;
  for (uint64_t i = 0; i < count; ++i) {
    auto offset = in.pos() + 3;
    std::string_view key;
    std::string_view value;
    uint64_t expire_at = 0;
    if (!in.get_bytes(key) || !in.get_bytes(value) || !in.get_varint(expire_at))
      return fail(errc::truncated, "truncated", i, count, offset);
    if (expire_at > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return fail(errc::malformed, "expire time out of range", i, count, offset);
    if (i > 0 && !(previous < key))
      return fail(errc::malformed, "key not in ascending order (duplicate or unsorted)", i,
                  count, offset);
    previous = key;
    auto& n = out.upsert(key);
    out.assign(n, std::string{value});
    out.set_expire(n, static_cast<int64_t>(expire_at));
  }
  if (!in.at_end())
    return {errc::malformed, "kv snapshot: " + std::to_string(image.size() - 3 - in.pos())
                               + " trailing bytes after " + std::to_string(count) + " entries"};
  return {};
}

} // namespace keel::actors::detail
