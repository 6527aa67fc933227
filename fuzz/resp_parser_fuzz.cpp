// Fuzz target for keel::gateway::resp_parser (libFuzzer entry point).
//
// The input is split into reads at positions taken from its first byte, fed as a session does
// (unconsumed bytes kept in front of the next read), with small limits so that the limit paths
// are reached. Checked invariants: consumed never exceeds the input; no command is empty; an
// error ends parsing and has a message without CR/LF; the same input parsed in one read gives
// the same commands and the same error as parsed in pieces, unless the pieces' error is a
// "too big" error that depends on how much was buffered.
//
// Built without libFuzzer (KEEL_FUZZ_DRIVER, any compiler but clang), driver.cpp's main() runs
// the same function over every file named on the command line.
#include "fuzz/fuzz_check.hpp"
#include "gateway/resp_parser.hpp"

#include <string>
#include <vector>

using namespace keel::gateway;
using keel::fuzz::check;

namespace {

struct run {
  std::vector<command> cmds;
  protocol_error error;
};

parser_limits small_limits() {
  parser_limits l;
  l.max_bulk_bytes = 4096;
  l.max_array_len = 64;
  l.max_inline_bytes = 256;
  return l;
}

run parse_in_pieces(const std::string& input, size_t step) {
  resp_parser p{small_limits()};
  run r;
  std::string pending;
  for (size_t pos = 0; pos < input.size(); pos += step) {
    pending += input.substr(pos, step);
    auto res = p.feed(pending, r.cmds);
    check(res.consumed <= pending.size());
    pending.erase(0, res.consumed);
    if (res.error) {
      r.error = res.error;
      auto msg = res.error.message();
      check(msg.find('\r') == std::string::npos && msg.find('\n') == std::string::npos);
      check(p.failed());
      break;
    }
  }
  for (auto& c : r.cmds)
    check(!c.empty());
  return r;
}

bool size_dependent(protocol_errc x) {
  return x == protocol_errc::too_big_inline_request || x == protocol_errc::too_big_mbulk_count
         || x == protocol_errc::too_big_bulk_count || x == protocol_errc::expected_dollar;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  size_t step = 1 + data[0] % 17;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = parse_in_pieces(input, input.size() + 1);
  auto pieces = parse_in_pieces(input, step);
  if (!size_dependent(whole.error.code) && !size_dependent(pieces.error.code)) {
    check(whole.error.code == pieces.error.code);
    check(whole.cmds == pieces.cmds);
  }
  return 0;
}
