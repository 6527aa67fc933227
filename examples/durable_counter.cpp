// durable_counter: an application-defined durable state machine hosted by keel's shards.
//
//   build/examples/durable_counter DATA_DIR [INCREMENTS]
//
// Named counters live in 4 shards under DATA_DIR (each shard: a WAL writer and a host under a
// rest_for_one supervisor). The program adds INCREMENTS (default 10) to "apples" and twice as
// much to "pears", one request each, prints both totals and stops cleanly. Run it again on the
// same directory: the totals carry on from where they were, recovered from the shards' logs
// and snapshots. Every increment is answered only once its log record is on disk.
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"
#include "actors/state_machine.hpp"
#include "supervision/errc.hpp"
#include "supervision/supervisor.hpp"
#include "wal/errc.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

// -- the application's request and state machine ------------------------------

/// Adds `delta` to counter `name` (delta 0: just read it). The reply is the counter's value.
struct counter_op {
  std::string name;
  int64_t delta = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, counter_op& x) {
  return f(caf::meta::type_name("counter_op"), x.name, x.delta);
}

namespace {

using keel::actors::execute_result;
using keel::actors::lsn;
using keel::actors::state_machine_errc;
using keel::actors::state_machine_error;
using keel::actors::time_point;

// Records and snapshots: "<name>\0<value>" pairs, one per line of the image.
std::string encode(const std::string& name, int64_t value) {
  return name + '\0' + std::to_string(value);
}

bool decode(std::string_view rec, std::string& name, int64_t& value) {
  auto zero = rec.find('\0');
  if (zero == std::string_view::npos || zero + 1 >= rec.size())
    return false;
  name.assign(rec.substr(0, zero));
  value = std::stoll(std::string{rec.substr(zero + 1)});
  return true;
}

class counter_machine : public keel::actors::state_machine<counter_op, int64_t> {
public:
  execute_result<int64_t> execute(const counter_op& op, time_point, lsn next) override {
    auto& c = counters_[op.name];
    if (op.delta == 0) // a read waits for the durability of the write it shows
      return {c.value, {}, c.written_at};
    c.value += op.delta;
    c.written_at = next;
    // The record holds the outcome, not the delta: replay is idempotent and deterministic.
    return {c.value, encode(op.name, c.value), next};
  }

  state_machine_error replay(std::string_view record, lsn) override {
    std::string name;
    int64_t value = 0;
    if (!decode(record, name, value))
      return {state_machine_errc::malformed, "counter record without a value"};
    counters_[name].value = value;
    return {};
  }

  std::string snapshot() const override {
    std::string out;
    for (auto& [name, c] : counters_)
      out += encode(name, c.value) + '\n';
    return out;
  }

  state_machine_error restore(std::string_view image) override {
    std::map<std::string, entry> fresh;
    size_t pos = 0;
    while (pos < image.size()) {
      auto end = image.find('\n', pos);
      if (end == std::string_view::npos)
        return {state_machine_errc::truncated, "counter image ends inside an entry"};
      std::string name;
      int64_t value = 0;
      if (!decode(image.substr(pos, end - pos), name, value))
        return {state_machine_errc::malformed, "counter image entry without a value"};
      fresh[name].value = value;
      pos = end + 1;
    }
    counters_ = std::move(fresh);
    return {};
  }

private:
  struct entry {
    int64_t value = 0;
    lsn written_at = 0; // restored and replayed values are durable (0)
  };
  std::map<std::string, entry> counters_;
};

constexpr uint32_t shard_count = 4;

uint32_t shard_of(const std::string& name) {
  return static_cast<uint32_t>(std::hash<std::string>{}(name) % shard_count);
}

} // namespace

// -- the program ----------------------------------------------------------------

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: durable_counter DATA_DIR [INCREMENTS]\n";
    return 2;
  }
  std::string data_dir = argv[1];
  int increments = argc == 3 ? std::atoi(argv[2]) : 10;
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  keel::supervision::add_error_category(cfg);
  keel::wal::add_error_category(cfg);
  keel::actors::add_error_category(cfg);
  caf::actor_system sys{cfg};

  // The shards subtree under a root supervisor: shard k keeps its WAL in DATA_DIR/shard-<k>.
  keel::actors::shards_options so;
  so.count = shard_count;
  so.startup_timeout = std::chrono::seconds{10};
  so.shard = [data_dir](uint32_t k) {
    keel::actors::shard_options opts;
    opts.wal.dir = keel::actors::shard_dir(data_dir, k);
    opts.wal.shard = k;
    opts.wal.segment_size = uint64_t{1} << 20;
    opts.host.shard = k;
    opts.startup_timeout = std::chrono::seconds{10};
    return opts;
  };
  keel::actors::machine_factory<counter_op, int64_t> make = [](uint32_t) {
    return std::make_unique<counter_machine>();
  };
  keel::supervision::supervisor_options root;
  root.name = "root";
  root.children.push_back(keel::actors::shards_child_of<counter_op, int64_t>(so, make));
  auto sup = keel::supervision::start_supervisor(sys, std::move(root), std::chrono::seconds{30});
  if (!sup) {
    std::cerr << "durable_counter: cannot start the shards: " << sys.render(sup.error())
              << "\n";
    return 1;
  }

  int rc = 0;
  {
    caf::scoped_actor self{sys};
    // Requests reach shard k's current host through the tree, across restarts.
    auto run = [&](const std::string& name, int64_t delta) -> int64_t {
      int64_t out = -1;
      auto msg = keel::actors::shard_host_envelope(
        {"shards"}, shard_of(name),
        caf::make_message(keel::actors::exec_atom::value, counter_op{name, delta}));
      self->request(*sup, std::chrono::seconds{10}, std::move(msg))
        .receive([&](int64_t value) { out = value; },
                 [&](caf::error& err) {
                   std::cerr << "durable_counter: " << sys.render(err) << "\n";
                   rc = 1;
                 });
      return out;
    };
    for (int i = 0; i < increments; ++i) {
      run("apples", 1);
      run("pears", 2);
    }
    std::cout << "apples = " << run("apples", 0) << "\n";
    std::cout << "pears = " << run("pears", 0) << "\n";
  }
  // A clean stop: every shard writes a snapshot, so the next start replays nothing.
  caf::anon_send_exit(*sup, caf::exit_reason::user_shutdown);
  return rc;
}
