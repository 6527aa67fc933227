#include "actors/router.hpp"

#include "actors/kv_shard.hpp"
#include "actors/kv_split.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"
#include "supervision/atoms.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <unordered_map>

namespace keel::actors {

uint32_t shard_of(std::string_view key, uint32_t shard_count) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return static_cast<uint32_t>(h % shard_count);
}

namespace {

// One batch of a client, waiting for its shards.
struct pending_batch {
  caf::response_promise rp;
  caf::actor to;      // asynchronous form: the actor that gets (result_atom, id, replies)
  uint64_t client_id = 0;
  bool single = false; // kv_cmd_atom: reply with the one kv_reply
  std::vector<kv_split> splits;
  std::vector<std::vector<kv_reply>> parts; // per command, per part
  size_t outstanding = 0;
  caf::actor_clock::time_point deadline;
};

// One sub-batch sent to a shard.
struct pending_part {
  uint64_t batch = 0;
  uint32_t shard = 0;
  caf::actor_addr sent_to;                      // invalid: sent through the tree
  std::vector<std::pair<size_t, size_t>> where; // (command, part) per sub-command
};

struct router_state {
  router_options opts;
  std::vector<caf::actor> direct; // cached host per shard (monitored)
  std::unordered_map<uint64_t, pending_batch> batches;
  std::unordered_map<uint64_t, pending_part> parts;
  uint64_t next_batch = 1;
  uint64_t next_part = 1;
  bool sweeping = false; // a deadline sweep is scheduled

  static inline const char* name = "keel.router";
};

using self_ptr = caf::stateful_actor<router_state>*;

caf::message through_tree(const router_state& st, uint32_t k, caf::message content) {
  return shard_host_envelope(st.opts.path, k, std::move(content));
}

void finish(self_ptr self, uint64_t id) {
  auto i = self->state.batches.find(id);
  if (i == self->state.batches.end())
    return;
  auto& b = i->second;
  std::vector<kv_reply> out;
  out.reserve(b.splits.size());
  for (size_t c = 0; c < b.splits.size(); ++c)
    out.emplace_back(b.splits[c].parts.size() == 1 && b.splits[c].join == kv_split::join_kind::single
                       ? std::move(b.parts[c].front())
                       : kv_join_replies(b.splits[c], std::move(b.parts[c])));
  if (b.to)
    self->send(b.to, result_atom::value, b.client_id, std::move(out));
  else if (b.single)
    b.rp.deliver(std::move(out.front()));
  else
    b.rp.deliver(std::move(out));
  self->state.batches.erase(i);
}

void part_done(self_ptr self, uint64_t part_id, std::vector<kv_reply>* replies,
               const std::string* error) {
  auto& st = self->state;
  auto i = st.parts.find(part_id);
  if (i == st.parts.end())
    return; // failed already (deadline or host down)
  auto p = std::move(i->second);
  st.parts.erase(i);
  auto b = st.batches.find(p.batch);
  if (b == st.batches.end())
    return;
  for (size_t n = 0; n < p.where.size(); ++n) {
    auto [cmd, part] = p.where[n];
    auto& slot = b->second.parts[cmd][part];
    if (replies != nullptr && n < replies->size())
      slot = std::move((*replies)[n]);
    else
      slot = kv_reply::error("ERR shard " + std::to_string(p.shard) + " unavailable: "
                             + (error ? *error : std::string{"no reply"}));
  }
  if (--b->second.outstanding == 0)
    finish(self, p.batch);
}

void fail_parts(self_ptr self, const std::function<bool(const pending_part&)>& pred,
                const std::string& why) {
  std::vector<uint64_t> ids;
  for (auto& [id, p] : self->state.parts)
    if (pred(p))
      ids.push_back(id);
  for (auto id : ids)
    part_done(self, id, nullptr, &why);
}

void send_part(self_ptr self, uint32_t k, uint64_t part_id, std::vector<kv_command> cmds) {
  auto& st = self->state;
  auto& host = st.direct[k];
  if (host) {
    st.parts[part_id].sent_to = host.address();
    self->send(host, batch_atom::value, part_id, std::move(cmds));
    return;
  }
  self->send(st.opts.via,
             through_tree(st, k, caf::make_message(batch_atom::value, part_id, std::move(cmds))));
}

// Remembers the host that answered for shard k, so the next batch goes there directly.
void learn(self_ptr self, uint32_t k) {
  auto& st = self->state;
  if (st.direct[k])
    return;
  auto host = caf::actor_cast<caf::actor>(self->current_sender());
  if (!host)
    return;
  st.direct[k] = host;
  self->monitor(host);
}

// How often overdue batches are looked for: a quarter of the timeout, at least 10 ms.
std::chrono::milliseconds sweep_period(const router_state& st) {
  return std::max(std::chrono::milliseconds{10}, st.opts.request_timeout / 4);
}

// Splits `cmds`, sends one sub-batch per shard and parks the current request's promise.
// `to` set: the asynchronous form, answered with (result_atom, client_id, replies).
void start_batch(self_ptr self, std::vector<kv_command>& cmds, bool single, caf::actor to = {},
                 uint64_t client_id = 0) {
  auto& st = self->state;
  auto n = st.opts.shard_count;
  auto id = st.next_batch++;
  auto& b = st.batches[id];
  b.single = single;
  if (to) {
    b.to = std::move(to);
    b.client_id = client_id;
  } else {
    b.rp = self->make_response_promise();
  }
  b.splits.reserve(cmds.size());
  b.parts.resize(cmds.size());
  std::vector<std::vector<kv_command>> sub(n);
  std::vector<std::vector<std::pair<size_t, size_t>>> where(n);
  auto of = [n](std::string_view key) -> std::size_t { return shard_of(key, n); };
  for (size_t c = 0; c < cmds.size(); ++c) {
    b.splits.emplace_back(kv_split_by_shard(cmds[c], n, of));
    auto& split = b.splits.back();
    b.parts[c].resize(split.parts.size());
    for (size_t p = 0; p < split.parts.size(); ++p) {
      auto k = split.parts[p].shard;
      sub[k].emplace_back(std::move(split.parts[p].cmd));
      where[k].emplace_back(c, p);
    }
  }
  if (cmds.empty()) {
    finish(self, id);
    return;
  }
  for (uint32_t k = 0; k < n; ++k) {
    if (sub[k].empty())
      continue;
    auto part_id = st.next_part++;
    auto& p = st.parts[part_id];
    p.batch = id;
    p.shard = k;
    p.where = std::move(where[k]);
    ++st.batches[id].outstanding;
    send_part(self, k, part_id, std::move(sub[k]));
  }
  // One timer for all batches, not one per batch: a sweep fails the overdue ones.
  st.batches[id].deadline = self->clock().now() + st.opts.request_timeout;
  if (!st.sweeping) {
    st.sweeping = true;
    self->delayed_send(self, sweep_period(st), detail::deadline_atom::value);
  }
}

// Takes the async batch id out of a message the tree failed back (possibly still wrapped).
bool unwrap_part_id(caf::message msg, uint64_t& id) {
  for (;;) {
    if (msg.match_elements<supervision::forward_atom, std::string, caf::message>()) {
      msg = msg.get_as<caf::message>(2);
      continue;
    }
    if (msg.size() == 3 && msg.match_element<batch_atom>(0) && msg.match_element<uint64_t>(1)) {
      id = msg.get_as<uint64_t>(1);
      return true;
    }
    return false;
  }
}

caf::behavior router(self_ptr self, router_options opts) {
  self->state.opts = std::move(opts);
  self->state.direct.resize(self->state.opts.shard_count);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto& h : st.direct)
      if (h && h.address() == dm.source)
        h = nullptr;
    fail_parts(
      self, [&](const pending_part& p) { return p.sent_to == dm.source; },
      "the shard restarted while the command was in flight (" + describe_error(dm.reason)
        + "); it may or may not have been applied");
  });
  return {
    [self](kv_batch_atom, std::vector<kv_command>& cmds) -> caf::result<std::vector<kv_reply>> {
      start_batch(self, cmds, false);
      return caf::delegated<std::vector<kv_reply>>{};
    },
    [self](kv_batch_atom, uint64_t client_id, std::vector<kv_command>& cmds) {
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (to)
        start_batch(self, cmds, false, std::move(to), client_id);
    },
    [self](kv_cmd_atom, kv_command& cmd) -> caf::result<kv_reply> {
      std::vector<kv_command> cmds;
      cmds.emplace_back(std::move(cmd));
      start_batch(self, cmds, true);
      return caf::delegated<kv_reply>{};
    },
    [self](result_atom, uint64_t part_id, std::vector<kv_reply>& replies) {
      auto i = self->state.parts.find(part_id);
      if (i != self->state.parts.end())
        learn(self, i->second.shard);
      part_done(self, part_id, &replies, nullptr);
    },
    [self](result_atom, uint64_t part_id, caf::error& err) {
      auto why = describe_error(err);
      part_done(self, part_id, nullptr, &why);
    },
    [self](supervision::unavailable_atom, const std::string&, caf::error& err,
           caf::message& original) {
      uint64_t id = 0;
      if (!unwrap_part_id(original, id))
        return;
      auto why = describe_error(err);
      part_done(self, id, nullptr, &why);
    },
    [self](detail::deadline_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      std::vector<uint64_t> overdue;
      for (auto& [id, b] : st.batches)
        if (b.deadline <= now)
          overdue.push_back(id);
      auto why = "no answer within " + std::to_string(st.opts.request_timeout.count())
                 + " ms (restarting?); retry";
      for (auto batch : overdue)
        fail_parts(
          self, [batch](const pending_part& p) { return p.batch == batch; }, why);
      st.sweeping = !st.batches.empty();
      if (st.sweeping)
        self->delayed_send(self, sweep_period(st), detail::deadline_atom::value);
    },
    [self](checkpoint_atom) -> caf::result<std::vector<uint64_t>> {
      auto& st = self->state;
      auto n = st.opts.shard_count;
      auto rp = self->make_response_promise<std::vector<uint64_t>>();
      auto out = std::make_shared<std::vector<uint64_t>>(n, 0);
      auto left = std::make_shared<uint32_t>(n);
      for (uint32_t k = 0; k < n; ++k)
        self
          ->request(st.opts.via, st.opts.request_timeout,
                    through_tree(st, k, caf::make_message(checkpoint_atom::value)))
          .then(
            [rp, out, left, k](uint64_t lsn) mutable {
              (*out)[k] = lsn;
              if (--*left == 0)
                rp.deliver(std::move(*out));
            },
            [rp, left](caf::error& err) mutable {
              if (*left != 0) {
                *left = 0;
                rp.deliver(std::move(err));
              }
            });
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_router(caf::actor_system& sys, router_options opts) {
  return sys.spawn(router, std::move(opts));
}

supervision::child_spec router_child_spec(uint32_t shard_count,
                                          std::vector<std::string> path_from_parent,
                                          std::chrono::milliseconds request_timeout) {
  supervision::child_spec spec;
  spec.id = "router";
  spec.start = [=](const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    router_options opts;
    opts.shard_count = shard_count;
    opts.via = ctx.notify();
    opts.path = path_from_parent;
    opts.request_timeout = request_timeout;
    auto r = spawn_router(ctx.system(), std::move(opts));
    ctx.ready();
    return r;
  };
  return spec;
}

} // namespace keel::actors
