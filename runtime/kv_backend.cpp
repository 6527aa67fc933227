#include "runtime/kv_backend.hpp"

#include "actors/kv_direct.hpp"
#include "actors/kv_shard.hpp"
#include "actors/shard_atoms.hpp"
#include "gateway/standard_replies.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <unordered_map>

namespace keel::runtime::detail {

/// One batch on its way from the gateway to the relay.
struct relay_job {
  std::vector<gateway::command> batch;
  gateway::backend::done_handler done;
  bool admin = false; ///< holds SAVE, BGSAVE or LASTSAVE (run piece by piece)
};

} // namespace keel::runtime::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(keel::runtime::detail::relay_job)

namespace keel::runtime {

void actor_slot::set(const caf::actor& hdl) {
  std::lock_guard<std::mutex> guard{mtx_};
  addr_ = hdl.address();
}

caf::actor actor_slot::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return caf::actor_cast<caf::actor>(addr_);
}

namespace {

gateway::reply convert(actors::kv_reply&& x) {
  using kind = actors::kv_reply::kind;
  switch (x.type()) {
    case kind::simple:
      return gateway::reply::simple(x.take_str());
    case kind::error:
      return gateway::reply::error(x.take_str());
    case kind::integer:
      return gateway::reply::integer(x.integer_value());
    case kind::bulk:
      return gateway::reply::bulk(x.take_str());
    case kind::null:
      return gateway::reply::null();
    case kind::array: {
      std::vector<gateway::reply> out;
      out.reserve(x.elements().size());
      for (auto& e : x.elements())
        out.emplace_back(convert(std::move(e)));
      return gateway::reply::array(std::move(out));
    }
  }
  return gateway::reply::null();
}

std::vector<gateway::reply> convert_all(std::vector<actors::kv_reply>&& replies, size_t n) {
  std::vector<gateway::reply> out;
  out.reserve(n);
  for (auto& x : replies)
    out.emplace_back(convert(std::move(x)));
  // Every path answers each command; guard the gateway's one-reply-per-command contract.
  while (out.size() < n)
    out.emplace_back(gateway::reply::error("ERR no reply from the shard"));
  out.resize(n, gateway::reply::null());
  return out;
}

std::vector<gateway::reply> errors(size_t n, const std::string& text) {
  return std::vector<gateway::reply>(n, gateway::reply::error(text));
}

struct shared_stats {
  std::atomic<bool> saving{false};
  std::atomic<int64_t> last_save{0}; // Unix seconds; the node's start until the first save
  std::atomic<bool> last_save_ok{true};
  std::atomic<uint64_t> writes_at_save{0}; // the shards' write count when the last save began
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The node-wide commands the relay runs itself, between the shard commands around them.
enum class admin : uint8_t { none, save, bgsave, lastsave };

admin admin_of(const gateway::command& cmd) {
  const auto& name = cmd[0];
  if (name.size() != 4 && name.size() != 6 && name.size() != 8) // cheap first test
    return admin::none;
  if (gateway::iequals(name, "save"))
    return admin::save;
  if (gateway::iequals(name, "bgsave"))
    return admin::bgsave;
  if (gateway::iequals(name, "lastsave"))
    return admin::lastsave;
  return admin::none;
}

bool has_admin(const std::vector<gateway::command>& batch) {
  return std::any_of(batch.begin(), batch.end(),
                     [](const gateway::command& c) { return admin_of(c) != admin::none; });
}

/// A batch with node-wide commands in it, run piece by piece in order: the shard commands
/// before a SAVE are applied (and durable) before its checkpoint starts.
struct admin_run {
  std::vector<gateway::command> batch;
  gateway::backend::done_handler done;
  size_t pos = 0;
  std::vector<gateway::reply> out;
};

struct pending {
  gateway::backend::done_handler done;
  size_t size = 0;
  caf::actor_addr router; // the incarnation it went to
};

struct relay_state {
  kv_backend_options opts;
  std::shared_ptr<shared_stats> stats;
  std::vector<caf::actor> lanes; // per lane, the incarnation batches went to last (monitored)
  std::vector<caf::actor_addr> gone; // per lane, the last incarnation seen going down
  size_t next_lane = 0;
  std::unordered_map<uint64_t, pending> in_flight;
  uint64_t next_id = 1;
  bool save_scheduled = false; // BGSAVE SCHEDULE during a save: another one after it
  static inline const char* name = "keel.kv_relay";
};

using relay_ptr = caf::stateful_actor<relay_state>*;

// The current router of `lane`, monitored; invalid when there is none.
caf::actor current_router(relay_ptr self, size_t lane) {
  auto& st = self->state;
  auto& slot = st.opts.routers[lane];
  auto r = slot ? slot->get() : caf::actor{};
  if (r && r.address() == st.gone[lane])
    return {}; // not restarted yet
  if (r && r != st.lanes[lane]) {
    st.lanes[lane] = r;
    self->monitor(r);
  }
  return r;
}

// The router of the next lane in turn that has one; invalid when none has.
caf::actor next_router(relay_ptr self) {
  auto& st = self->state;
  auto n = st.lanes.size();
  for (size_t tries = 0; tries < n; ++tries) {
    auto lane = st.next_lane;
    st.next_lane = (st.next_lane + 1) % n;
    if (auto r = current_router(self, lane))
      return r;
  }
  return {};
}

// Fails the batches in flight on the router incarnation `router`.
void fail_in_flight(relay_ptr self, const caf::actor_addr& router, const std::string& text) {
  auto& st = self->state;
  std::vector<pending> failed;
  for (auto i = st.in_flight.begin(); i != st.in_flight.end();) {
    if (i->second.router == router) {
      failed.push_back(std::move(i->second));
      i = st.in_flight.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& p : failed)
    p.done(errors(p.size, text));
}

const char* const router_gone = "ERR shard router unavailable: the node is starting or stopping, "
                                "retry";

// Checkpoints every shard of this node (the router asks them all at once); `then` hears
// whether it worked, and INFO and LASTSAVE see the outcome.
void start_save(relay_ptr self, std::function<void(const caf::error&)> then) {
  auto& st = self->state;
  auto r = next_router(self);
  if (!r) {
    then(caf::make_error(caf::sec::invalid_argument, router_gone));
    return;
  }
  st.stats->saving = true;
  // Writes that land while the checkpoint runs may miss it: they count as changes after it.
  auto writes = st.opts.numbers ? st.opts.numbers->sum().writes : 0;
  auto finish = [self, then, writes](const caf::error& err) {
    auto& st = self->state;
    st.stats->saving = false;
    st.stats->last_save_ok = !err;
    if (!err) {
      st.stats->last_save = unix_now();
      st.stats->writes_at_save = writes;
    }
    if (st.save_scheduled) { // first: a SAVE behind `then` finds it running, as in Redis
      st.save_scheduled = false;
      start_save(self, [](const caf::error&) {});
    }
    then(err);
  };
  self->request(r, caf::infinite, actors::checkpoint_atom::value)
    .then([finish](const std::vector<uint64_t>&) { finish(caf::error{}); },
          [finish](caf::error& err) { finish(err); });
}

void run_admin(relay_ptr self, std::shared_ptr<admin_run> run);

// Answers the node-wide command at run->pos; false when its answer comes later (SAVE).
bool admin_step(relay_ptr self, const std::shared_ptr<admin_run>& run, admin what) {
  auto& st = self->state;
  auto& cmd = run->batch[run->pos];
  auto& out = run->out;
  auto busy = gateway::reply::error("ERR Background save already in progress");
  if (what == admin::lastsave) {
    out.push_back(cmd.size() == 1 ? gateway::reply::integer(st.stats->last_save.load())
                                  : gateway::wrong_arity("lastsave"));
  } else if (what == admin::bgsave) {
    bool schedule = cmd.size() == 2 && gateway::iequals(cmd[1], "schedule");
    if (cmd.size() > 1 && !schedule) {
      out.push_back(gateway::syntax_error());
    } else if (st.stats->saving && schedule) {
      st.save_scheduled = true;
      out.push_back(gateway::reply::simple("Background saving scheduled"));
    } else if (st.stats->saving) {
      out.push_back(busy);
    } else {
      start_save(self, [](const caf::error&) {});
      out.push_back(gateway::reply::simple("Background saving started"));
    }
  } else if (cmd.size() != 1) {
    out.push_back(gateway::wrong_arity("save"));
  } else if (st.stats->saving) {
    out.push_back(busy);
  } else {
    start_save(self, [self, run](const caf::error& err) {
      if (err)
        run->out.push_back(gateway::reply::error(
          "ERR checkpoint failed: " + self->system().render(err)
          + "; every acknowledged write is still in the WAL; see the node's log, then retry"));
      else
        run->out.push_back(gateway::reply::ok());
      ++run->pos;
      run_admin(self, run);
    });
    return false;
  }
  ++run->pos;
  return true;
}

void run_admin(relay_ptr self, std::shared_ptr<admin_run> run) {
  auto& batch = run->batch;
  while (run->pos < batch.size()) {
    if (auto what = admin_of(batch[run->pos]); what != admin::none) {
      if (!admin_step(self, run, what))
        return;
      continue;
    }
    auto end = run->pos;
    while (end < batch.size() && admin_of(batch[end]) == admin::none)
      ++end;
    std::vector<actors::kv_command> part(std::make_move_iterator(batch.begin() + run->pos),
                                         std::make_move_iterator(batch.begin() + end));
    auto n = part.size();
    auto r = next_router(self);
    if (!r) {
      auto e = errors(n, router_gone);
      run->out.insert(run->out.end(), e.begin(), e.end());
      run->pos = end;
      continue;
    }
    self->request(r, caf::infinite, actors::kv_batch_atom::value, std::move(part))
      .then(
        [self, run, n, end](std::vector<actors::kv_reply>& replies) {
          auto got = convert_all(std::move(replies), n);
          run->out.insert(run->out.end(), got.begin(), got.end());
          run->pos = end;
          run_admin(self, run);
        },
        [self, run, n, end](caf::error&) {
          auto e = errors(n, "ERR shard router unavailable: it restarted while the command was "
                             "in flight; it may or may not have been applied, retry");
          run->out.insert(run->out.end(), e.begin(), e.end());
          run->pos = end;
          run_admin(self, run);
        });
    return;
  }
  run->done(std::move(run->out));
}

caf::behavior relay(relay_ptr self, kv_backend_options opts,
                    std::shared_ptr<shared_stats> stats) {
  self->state.opts = std::move(opts);
  self->state.stats = std::move(stats);
  self->state.lanes.resize(std::max<size_t>(1, self->state.opts.routers.size()));
  self->state.gone.resize(self->state.lanes.size());
  self->state.opts.routers.resize(self->state.lanes.size());
  // Every incarnation batches went to stays monitored: one replaced in a lane by its successor
  // before its own down message arrived still fails its batches then.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& lanes = self->state.lanes;
    for (size_t lane = 0; lane < lanes.size(); ++lane) {
      if (lanes[lane] && dm.source == lanes[lane].address()) {
        self->state.gone[lane] = dm.source;
        lanes[lane] = nullptr;
      }
    }
    fail_in_flight(self, dm.source,
                   "ERR shard router unavailable: it restarted while the command was in "
                   "flight; it may or may not have been applied, retry");
  });
  return {
    [self](detail::relay_job& job) {
      auto n = job.batch.size();
      if (job.admin) {
        auto run = std::make_shared<admin_run>();
        run->batch = std::move(job.batch);
        run->done = std::move(job.done);
        run->out.reserve(n);
        run_admin(self, std::move(run));
        return;
      }
      auto r = next_router(self);
      if (!r) {
        job.done(errors(n, router_gone));
        return;
      }
      if (self->state.opts.batch_sizes != nullptr)
        self->state.opts.batch_sizes->observe(static_cast<double>(n));
      auto id = self->state.next_id++;
      self->state.in_flight.emplace(id, pending{std::move(job.done), n, r.address()});
      self->send(r, actors::kv_batch_atom::value, id, std::move(job.batch));
    },
    [self](actors::result_atom, uint64_t id, std::vector<actors::kv_reply>& replies) {
      auto i = self->state.in_flight.find(id);
      if (i == self->state.in_flight.end())
        return;
      auto p = std::move(i->second);
      self->state.in_flight.erase(i);
      p.done(convert_all(std::move(replies), p.size));
    },
  };
}

class kv_backend final : public gateway::backend {
public:
  kv_backend(caf::actor_system& sys, kv_backend_options opts)
    : durable_(opts.durable),
      maxmemory_(opts.maxmemory),
      maxmemory_policy_(opts.maxmemory_policy),
      numbers_(opts.numbers),
      shards_(opts.shards),
      batch_sizes_(opts.batch_sizes),
      stats_(std::make_shared<shared_stats>()) {
    stats_->last_save = unix_now();
    relay_ = sys.spawn(relay, std::move(opts), stats_);
  }

  ~kv_backend() override {
    caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
  }

  void execute(std::vector<gateway::command> batch, done_handler done) override {
    bool admin = has_admin(batch); // looked at once per batch
    if (shards_ && !admin) {
      auto n = batch.size();
      actors::kv_done direct = [n, done](std::vector<actors::kv_reply> replies,
                                         caf::execution_unit*) {
        done(convert_all(std::move(replies), n));
      };
      if (actors::kv_send_direct(*shards_, batch, direct)) {
        if (batch_sizes_ != nullptr)
          batch_sizes_->observe(static_cast<double>(n));
        return;
      }
    }
    caf::anon_send(relay_, detail::relay_job{std::move(batch), std::move(done), admin});
  }

  gateway::backend_stats stats() const override {
    gateway::backend_stats out;
    out.durable = durable_;
    out.maxmemory = maxmemory_;
    out.maxmemory_policy = maxmemory_policy_;
    if (numbers_) {
      auto t = numbers_->sum();
      out.keys = t.keys;
      out.expires = t.expires;
      out.used_memory = t.used_memory;
      out.evicted_keys = t.evicted_keys;
      out.expired_keys = t.expired_keys;
      auto base = stats_->writes_at_save.load();
      out.changes_since_save = t.writes > base ? t.writes - base : 0;
    }
    out.saving = stats_->saving.load();
    out.last_save = stats_->last_save.load();
    out.last_save_ok = stats_->last_save_ok.load();
    return out;
  }

private:
  bool durable_;
  uint64_t maxmemory_;
  std::string maxmemory_policy_;
  std::shared_ptr<actors::kv_stats> numbers_;
  std::shared_ptr<actors::shard_directory> shards_;
  histogram* batch_sizes_;
  std::shared_ptr<shared_stats> stats_;
  caf::actor relay_;
};

} // namespace

std::shared_ptr<gateway::backend> make_kv_backend(caf::actor_system& sys,
                                                  kv_backend_options opts) {
  return std::make_shared<kv_backend>(sys, std::move(opts));
}

} // namespace keel::runtime
