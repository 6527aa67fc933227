#include "actors/kv_record.hpp"

#include "actors/kv_codec.hpp"

#include <algorithm>
#include <limits>

namespace keel::actors::detail {

void kv_record_writer::begin(kv_op op) {
  if (out_->empty())
    out_->push_back(static_cast<char>(kv_record_version));
  out_->push_back(static_cast<char>(op));
}

void kv_record_writer::put(std::string_view key, std::string_view value, int64_t expire_at) {
  // Room for version, op, two length varints, the bytes and the expiry at once (growing
  // geometrically: one record may carry many puts).
  auto need = out_->size() + key.size() + value.size() + 32;
  if (need > out_->capacity())
    out_->reserve(std::max(need, 2 * out_->capacity()));
  begin(kv_op::put);
  put_bytes(*out_, key);
  put_bytes(*out_, value);
  put_varint(*out_, static_cast<uint64_t>(expire_at));
}

void kv_record_writer::del(std::string_view key) {
  begin(kv_op::del);
  put_bytes(*out_, key);
}

void kv_record_writer::expire(std::string_view key, int64_t expire_at) {
  begin(kv_op::expire);
  put_bytes(*out_, key);
  put_varint(*out_, static_cast<uint64_t>(expire_at));
}

void kv_record_writer::append(std::string_view key, std::string_view suffix) {
  begin(kv_op::append);
  put_bytes(*out_, key);
  put_bytes(*out_, suffix);
}

void kv_record_writer::flush() {
  begin(kv_op::flush);
}

namespace {

state_machine_error fail(state_machine_errc code, std::string what, std::size_t effect,
                         std::size_t offset) {
  return {code, "kv record: " + what + " in effect " + std::to_string(effect) + " at byte "
                  + std::to_string(offset)};
}

bool get_time(byte_reader& in, int64_t& out) {
  uint64_t x = 0;
  if (!in.get_varint(x) || x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return false;
  out = static_cast<int64_t>(x);
  return true;
}

} // namespace

state_machine_error kv_decode_record(std::string_view record, std::vector<kv_effect>& out) {
  out.clear();
  byte_reader in{record};
  uint8_t version = 0;
  if (!in.get_byte(version))
    return {state_machine_errc::truncated, "kv record: empty (no version byte)"};
  if (version != kv_record_version)
    return {state_machine_errc::unsupported_version,
            "kv record: version " + std::to_string(version) + " is not supported (this build "
              "reads version " + std::to_string(kv_record_version) + ")"};
  if (in.at_end())
    return {state_machine_errc::malformed, "kv record: no effect after the version byte"};
  while (!in.at_end()) {
    auto start = in.pos();
    auto index = out.size();
    uint8_t tag = 0;
    static_cast<void>(in.get_byte(tag));
    kv_effect e;
    e.op = static_cast<kv_op>(tag);
    bool ok = true;
    switch (e.op) {
      case kv_op::put:
        ok = in.get_bytes(e.key) && in.get_bytes(e.value) && get_time(in, e.expire_at);
        break;
      case kv_op::del:
        ok = in.get_bytes(e.key);
        break;
      case kv_op::expire:
        ok = in.get_bytes(e.key) && get_time(in, e.expire_at);
        break;
      case kv_op::append:
        ok = in.get_bytes(e.key) && in.get_bytes(e.value);
        break;
      case kv_op::flush:
        break;
      default:
        return fail(state_machine_errc::malformed, "unknown effect tag " + std::to_string(tag),
                    index, start);
    }
    if (!ok)
      return fail(state_machine_errc::truncated, "truncated or bad field", index, start);
    out.push_back(e);
  }
  return {};
}

} // namespace keel::actors::detail
