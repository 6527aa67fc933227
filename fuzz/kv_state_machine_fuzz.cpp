// Fuzz target for keel::actors::kv_state_machine's determinism contract: the records a live
// machine produces replay to the same state.
//
// The input drives a live machine as a shard host does: commands from the KV command set
// (keys a-d, numbers, options, the odd unknown word) in batches whose records are merged when
// may_merge allows, a clock that moves forward, expire cycles (tick), and checkpoints. Byte 0
// picks the options (no limit, or a small maxmemory with noeviction or allkeys-lru).
//
// Checked: no command crashes; a reply depends on no LSN after its request's, and on its own
// record when it wrote one. At the end a fresh machine that replays every record, and one that
// restores the last checkpoint and replays the records after it, both have the live machine's
// snapshot image and accounted memory.
#include "actors/kv_state_machine.hpp"
#include "fuzz/fuzz_check.hpp"

#include <string>
#include <utility>
#include <vector>

using namespace keel::actors;
using keel::fuzz::check;

namespace {

const char* const names[] = {
  "GET",    "SET",     "DEL",     "EXISTS",   "MGET",      "MSET",   "INCR",    "INCRBY",
  "DECR",   "DECRBY",  "APPEND",  "STRLEN",   "EXPIRE",    "PEXPIRE", "EXPIREAT", "PEXPIREAT",
  "TTL",    "PTTL",    "PERSIST", "DBSIZE",   "FLUSHALL",  "KEYS",   "SCAN",    "NOSUCHCMD",
  "SETNX",  "SETEX",   "PSETEX",  "GETSET",   "GETDEL",    "UNLINK", "TYPE",    "GETEX",
  "GETRANGE", "SETRANGE", "INCRBYFLOAT", "TOUCH", "EXPIRETIME", "PEXPIRETIME", "FLUSHDB",
  "EXEC",   "WATCH",   "WATCHED", "RENAME", "RENAMENX", "MSETNX", "COPY",  "RANDOMKEY",
  "MEMORY",
};
const char* const words[] = {
  "a", "b", "c", "d", "a", "b", "0", "1", "-1", "10", "100", "1700000001", "9223372036854775807",
  "-9223372036854775808", "x", "EX", "PX", "NX", "XX", "KEEPTTL", "GET", "EXAT", "PXAT",
  "MATCH", "COUNT", "*", "?", "3.5", "", "PERSIST", "1.5e1", "inf", "USAGE", "SAMPLES",
};

struct logged {
  lsn at;
  std::string record;
};

struct host {
  kv_state_machine m;
  std::vector<logged> log;
  std::string open; // the record being merged into
  lsn open_at = 0;
  lsn last = 0;
  time_point now{std::chrono::milliseconds{1700000000000}};

  explicit host(kv_options o) : m(o) {}

  void close() {
    if (!open.empty())
      log.push_back({open_at, std::move(open)});
    open.clear();
  }

  void run(const kv_command& cmd) {
    bool merge = !open.empty() && m.may_merge(cmd, open.size());
    if (!merge)
      close();
    lsn at = merge ? open_at : last + 1;
    auto res = m.execute(cmd, now, at);
    check(res.depends_on <= at, "a reply depends on no later LSN");
    if (res.record.empty())
      return;
    check(res.depends_on == at, "a write's reply depends on its own record");
    if (merge) {
      m.merge_record(open, res.record);
    } else {
      open = std::move(res.record);
      open_at = last = at;
    }
  }

  void tick() {
    close();
    auto rec = m.tick(now, last + 1);
    if (!rec.empty())
      log.push_back({++last, std::move(rec)});
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  keel::fuzz::byte_reader in{data + 1, size - 1};
  kv_options opts;
  opts.seed = data[0];
  if (data[0] & 1) {
    opts.maxmemory = 400 + (data[0] >> 2) * 16;
    opts.policy = data[0] & 2 ? kv_eviction_policy::allkeys_lru : kv_eviction_policy::noeviction;
  }
  host h{opts};
  std::string checkpoint;
  lsn checkpoint_at = 0;
  bool has_checkpoint = false;
  while (in.n > 0) {
    auto op = in.next();
    switch (op % 8) {
      case 0: // the clock moves on
        h.now += std::chrono::milliseconds{in.next() * 40};
        break;
      case 1:
        h.tick();
        break;
      case 2: // end of a batch
        h.close();
        break;
      case 3: // a checkpoint
        h.close();
        checkpoint = h.m.snapshot();
        checkpoint_at = h.last;
        has_checkpoint = true;
        break;
      default: {
        kv_command cmd{names[in.next() % std::size(names)]};
        size_t argc = in.next() % 6;
        for (size_t i = 0; i < argc; ++i) {
          auto w = in.next();
          if (w < 240)
            cmd.emplace_back(words[w % std::size(words)]);
          else // a value of its own: up to 40 bytes of the input
            cmd.emplace_back(std::string(in.next() % 41, static_cast<char>('v' + w % 4)));
        }
        h.run(cmd);
      }
    }
  }
  h.close();
  auto image = h.m.snapshot();
  kv_state_machine replayed{opts};
  for (auto& r : h.log)
    check(!replayed.replay(r.record, r.at), "every record replays");
  check(replayed.snapshot() == image, "replaying every record gives the live state");
  check(replayed.used_memory() == h.m.used_memory(), "replay accounts the same memory");
  if (has_checkpoint) {
    kv_state_machine restored{opts};
    check(!restored.restore(checkpoint), "a checkpoint restores");
    for (auto& r : h.log)
      if (r.at > checkpoint_at)
        check(!restored.replay(r.record, r.at), "every record after the checkpoint replays");
    check(restored.snapshot() == image, "checkpoint plus replay gives the live state");
    check(restored.used_memory() == h.m.used_memory(), "restore accounts the same memory");
  }
  return 0;
}
