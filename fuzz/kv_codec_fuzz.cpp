// Fuzz target for the KV state machine's byte formats (actors/kv_record.hpp, kv_snapshot.hpp):
// the input is decoded as a log record (byte 0 even) or as a snapshot image (byte 0 odd).
//
// Checked: decoding never crashes, whatever the bytes. A record that decodes re-encodes, through
// kv_record_writer, to bytes that decode to the same effects. An image that decodes holds its
// keys; written out (no longer than the input: varints in their shortest form) and read back,
// it holds every key with its value and expiry and writes out to the same bytes again.
#include "actors/kv_record.hpp"
#include "actors/kv_snapshot.hpp"
#include "fuzz/fuzz_check.hpp"

#include <string>
#include <string_view>
#include <vector>

using namespace keel::actors;
using namespace keel::actors::detail;
using keel::fuzz::check;

namespace {

bool same(const kv_effect& a, const kv_effect& b) {
  return a.op == b.op && a.key == b.key && a.value == b.value && a.expire_at == b.expire_at;
}

void record(std::string_view bytes) {
  std::vector<kv_effect> effects;
  if (kv_decode_record(bytes, effects))
    return;
  check(!effects.empty(), "a record that decodes has an effect");
  std::string again;
  kv_record_writer w{again};
  for (auto& e : effects) {
    check(e.expire_at >= 0, "expire_at is never negative");
    switch (e.op) {
      case kv_op::put:
        w.put(e.key, e.value, e.expire_at);
        break;
      case kv_op::del:
        w.del(e.key);
        break;
      case kv_op::expire:
        w.expire(e.key, e.expire_at);
        break;
      case kv_op::append:
        w.append(e.key, e.value);
        break;
      case kv_op::flush:
        w.flush();
        break;
    }
  }
  std::vector<kv_effect> decoded;
  check(!kv_decode_record(again, decoded), "a re-encoded record decodes");
  check(decoded.size() == effects.size(), "a re-encoded record has the same effects");
  for (size_t i = 0; i < effects.size(); ++i)
    check(same(decoded[i], effects[i]), "a re-encoded record has the same effects");
}

void image(std::string_view bytes) {
  kv_keyspace keys;
  if (kv_read_snapshot(bytes, keys))
    return;
  auto written = kv_write_snapshot(keys);
  // The reader takes over-long varints; what the writer makes is the shortest form.
  check(written.size() <= bytes.size(), "the written image is no longer than the one read");
  kv_keyspace again;
  check(!kv_read_snapshot(written, again), "a written image reads back");
  check(again.size() == keys.size(), "a written image holds every key");
  check(kv_write_snapshot(again) == written, "equal states give equal images");
  keys.for_each([&](const kv_keyspace::node& n) {
    auto* m = again.find(n.first);
    check(m != nullptr && m->second.value == n.second.value
            && m->second.expire_at == n.second.expire_at,
          "a written image holds every key with its value and expiry");
  });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  if (data[0] % 2 == 0)
    record(bytes);
  else
    image(bytes);
  return 0;
}
