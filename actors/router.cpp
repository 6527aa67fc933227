#include "actors/router.hpp"

#include "actors/kv_direct.hpp"
#include "actors/kv_shard.hpp"
#include "actors/kv_split.hpp"
#include "actors/reply_sink.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"
#include "actors/shards.hpp"
#include "supervision/atoms.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

namespace keel::actors {

namespace {

// One batch of a client, waiting for its shards.
struct pending_batch {
  caf::response_promise rp;
  caf::actor to;      // asynchronous form: the actor that gets (result_atom, id, replies)
  uint64_t client_id = 0;
  bool single = false; // kv_cmd_atom: reply with the one kv_reply
  std::optional<kv_batch_split> plan;
  size_t outstanding = 0;
  caf::actor_clock::time_point deadline;
};

// One sub-batch sent to a shard.
struct pending_part {
  uint64_t batch = 0;
  uint32_t shard = 0;
  caf::actor_addr sent_to; // invalid: sent through the tree
  std::vector<kv_slot> where; // per sub-command, where its reply goes
};

// (resend_atom, part_id, commands): a part that a cached host dropped before running it (the
// host is gone) comes back to its router, to go through the tree to the host's successor.
using resend_atom = caf::atom_constant<caf::atom("kv_resend")>;

// A part sent straight to a cached host. Its answer reaches the router as (result_atom, id,
// replies | error); a part the host dropped unanswered comes back (resend_atom) when the host
// never ran it, and fails as "in flight" when it did (reply_sink.hpp).
class router_part final : public request_sink<kv_command, kv_reply> {
public:
  router_part(caf::actor router, uint64_t id, std::vector<kv_command> cmds)
    : request_sink(std::move(cmds)), router_(std::move(router)), id_(id) {
  }

  router_part(const router_part&) = delete;
  router_part& operator=(const router_part&) = delete;

  ~router_part() override {
    if (answered_)
      return;
    if (!taken()) {
      enqueue_from(nullptr, router_,
                   caf::make_message(resend_atom::value, id_, std::move(requests())));
      return;
    }
    answer(make_error(shard_errc::unavailable, "the shard restarted while the command was in "
                                               "flight; it may or may not have been applied"),
           nullptr);
  }

  void deliver(std::vector<kv_reply>&& replies, caf::execution_unit* ctx) override {
    if (answered_)
      return;
    answered_ = true;
    enqueue_from(ctx, router_, caf::make_message(result_atom::value, id_, std::move(replies)));
  }

  void fail(const caf::error& err, caf::execution_unit* ctx) override { answer(err, ctx); }

private:
  void answer(const caf::error& err, caf::execution_unit* ctx) {
    if (answered_)
      return;
    answered_ = true;
    enqueue_from(ctx, router_, caf::make_message(result_atom::value, id_, err));
  }

  caf::actor router_;
  uint64_t id_;
  bool answered_ = false;
};

// The link to another node.
struct peer_link {
  caf::actor door;            // set while connected (monitored)
  bool connecting = false;
  int reported = -1;          // as last reported through on_peer: -1 never, 0 down, 1 up
  std::chrono::milliseconds backoff{0};
  std::string why = "not connected yet";
};

struct router_state {
  router_options opts;
  std::vector<int32_t> pos;       // per shard: its child position here, -1 on another node
  std::vector<peer_link> links;   // per peer
  std::mt19937_64 jitter{std::random_device{}()};
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
  return shard_host_envelope(st.opts.path, static_cast<uint32_t>(st.pos[k]), std::move(content));
}

int32_t owner_of(const router_state& st, uint32_t k) {
  return st.opts.owner.empty() ? -1 : st.opts.owner[k];
}

// The error of a shard whose node is not connected.
kv_reply cluster_down(const router_state& st, uint32_t k, const std::string& why) {
  auto& peer = st.opts.peers[static_cast<size_t>(owner_of(st, k))];
  return kv_reply::error("CLUSTERDOWN shard " + std::to_string(k) + " on node " + peer.name
                         + " unreachable (" + why + "); requests flow again when it is back");
}

void finish(self_ptr self, uint64_t id) {
  auto i = self->state.batches.find(id);
  if (i == self->state.batches.end())
    return;
  auto& b = i->second;
  auto out = b.plan->finish();
  if (b.to)
    self->send(b.to, result_atom::value, b.client_id, std::move(out));
  else if (b.single)
    b.rp.deliver(std::move(out.front()));
  else
    b.rp.deliver(std::move(out));
  self->state.batches.erase(i);
}

// Completes a part with the shard's replies, or fails each of its commands with `failed`
// (default: "ERR shard k unavailable: <error>").
void part_done(self_ptr self, uint64_t part_id, std::vector<kv_reply>* replies,
               const std::string* error, const kv_reply* failed = nullptr) {
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
    auto& slot = b->second.plan->slot(p.where[n]);
    if (replies != nullptr && n < replies->size())
      slot = std::move((*replies)[n]);
    else if (failed != nullptr)
      slot = *failed;
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

// Fails the parts in flight to the shards of peer `o` with CLUSTERDOWN.
void fail_peer_parts(self_ptr self, int32_t o, const std::string& why) {
  auto& st = self->state;
  std::vector<std::pair<uint64_t, uint32_t>> ids;
  for (auto& [id, p] : st.parts)
    if (owner_of(st, p.shard) == o)
      ids.emplace_back(id, p.shard);
  for (auto [id, k] : ids) {
    auto reply = cluster_down(st, k, why);
    part_done(self, id, nullptr, nullptr, &reply);
  }
}

void connect(self_ptr self, size_t o);

// Peer `o` is not reachable: report it, fail what is in flight, try again later.
void peer_down(self_ptr self, size_t o, std::string why) {
  auto& st = self->state;
  auto& l = st.links[o];
  l.door = nullptr;
  l.connecting = false;
  auto changed = l.reported != 0 || l.why != why;
  l.why = std::move(why);
  for (uint32_t k = 0; k < st.opts.shard_count; ++k)
    if (owner_of(st, k) == static_cast<int32_t>(o))
      st.direct[k] = nullptr;
  if (changed && st.opts.on_peer)
    st.opts.on_peer(st.opts.peers[o].name, false, l.why);
  l.reported = 0;
  fail_peer_parts(self, static_cast<int32_t>(o), l.why);
  using ms = std::chrono::milliseconds;
  l.backoff = l.backoff.count() == 0 ? ms{100} : std::min(l.backoff * 2, st.opts.reconnect_max);
  // +-20 % jitter, so peers that lost each other do not retry in lockstep.
  auto span = std::max<int64_t>(1, l.backoff.count() / 5);
  auto delay = l.backoff + ms{static_cast<int64_t>(st.jitter() % static_cast<uint64_t>(2 * span))
                              - span};
  self->delayed_send(self, std::max(ms{1}, delay), caf::connect_atom::value,
                     static_cast<uint64_t>(o));
}

void peer_up(self_ptr self, size_t o, caf::actor door) {
  auto& st = self->state;
  auto& l = st.links[o];
  l.connecting = false;
  l.door = std::move(door);
  l.backoff = std::chrono::milliseconds{0};
  self->monitor(l.door);
  if (l.reported != 1 && st.opts.on_peer)
    st.opts.on_peer(st.opts.peers[o].name, true, "");
  l.reported = 1;
}

// Connects to peer `o` (CAF's connect, then the hello that compares placements).
void connect(self_ptr self, size_t o) {
  auto& st = self->state;
  auto& l = st.links[o];
  if (l.connecting || l.door || !st.opts.connector)
    return;
  l.connecting = true;
  auto& peer = st.opts.peers[o];
  auto where = peer.host + ":" + std::to_string(peer.port);
  self->request(st.opts.connector, st.opts.connect_timeout, caf::connect_atom::value, peer.host,
                peer.port)
    .then(
      [self, o, where](const caf::node_id&, caf::strong_actor_ptr& ptr,
                       const std::set<std::string>&) {
        auto door = caf::actor_cast<caf::actor>(ptr);
        if (!door) {
          peer_down(self, o, "nothing published at " + where + "; is it a keel-node's cluster "
                             "address?");
          return;
        }
        auto& st = self->state;
        self
          ->request(door, st.opts.connect_timeout, hello_atom::value, st.opts.node_name,
                    st.opts.placement)
          .then([self, o, door](const std::string&) { peer_up(self, o, door); },
                [self, o](caf::error& err) { peer_down(self, o, describe_error(err)); });
      },
      [self, o, where](caf::error& err) {
        peer_down(self, o, "cannot connect to " + where + ": " + describe_error(err));
      });
}

void learn(self_ptr self, uint32_t k);

void send_part(self_ptr self, uint32_t k, uint64_t part_id, std::vector<kv_command> cmds) {
  auto& st = self->state;
  auto& host = st.direct[k];
  if (host && owner_of(st, k) >= 0) {
    // Another node's host: a plain message (a sink cannot cross the network).
    st.parts[part_id].sent_to = host.address();
    self->send(host, batch_atom::value, part_id, std::move(cmds));
    return;
  }
  if (host) {
    st.parts[part_id].sent_to = host.address();
    // As from outside the scheduler: the parts of a batch spread over its threads instead of
    // queueing behind this router on its own (see kv_send_direct).
    request_sink_ptr<kv_command, kv_reply> sink =
      std::make_shared<router_part>(caf::actor_cast<caf::actor>(self), part_id, std::move(cmds));
    enqueue_from(nullptr, host, caf::make_message(batch_atom::value, std::move(sink)));
    return;
  }
  if (auto o = owner_of(st, k); o >= 0) {
    auto& l = st.links[static_cast<size_t>(o)];
    if (!l.door) {
      auto reply = cluster_down(st, k, l.why);
      part_done(self, part_id, nullptr, nullptr, &reply);
      return;
    }
    st.parts[part_id].sent_to = l.door.address();
    self->send(l.door, batch_atom::value, k, part_id, std::move(cmds));
    return;
  }
  // Through the tree as a request: a child that died before its supervisor noticed bounces it
  // (request_receiver_down: it never ran) instead of dropping it, and the part goes again. The
  // copy is for that case; the tree is the rare path (start-up, restarts). CAF's own timeout
  // only clears the handler: the deadline sweep answers first, with the router's message.
  auto msg = through_tree(st, k, caf::make_message(batch_atom::value, cmds));
  self->request(st.opts.via, st.opts.request_timeout * 2 + std::chrono::seconds{1}, std::move(msg))
    .then(
      [self, k, part_id](std::vector<kv_reply>& replies) {
        learn(self, k);
        part_done(self, part_id, &replies, nullptr);
      },
      [self, k, part_id, cmds = std::move(cmds)](caf::error& err) mutable {
        if (err == caf::sec::request_receiver_down && self->state.parts.count(part_id) != 0) {
          send_part(self, k, part_id, std::move(cmds));
          return;
        }
        auto why = describe_error(err);
        part_done(self, part_id, nullptr, &why);
      });
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
  b.plan.emplace(cmds, n, [n, how = st.opts.hash](std::string_view key) -> std::size_t {
    return shard_of(key, n, how);
  });
  auto& plan = *b.plan;
  if (cmds.empty()) {
    finish(self, id);
    return;
  }
  // All parts are counted before the first is sent: a part may fail at once (its node is
  // down), and the batch must not finish before its last part is out.
  std::vector<std::pair<uint32_t, uint64_t>> out;
  for (uint32_t k = 0; k < n; ++k) {
    if (plan.sub[k].empty())
      continue;
    auto part_id = st.next_part++;
    auto& p = st.parts[part_id];
    p.batch = id;
    p.shard = k;
    p.where = std::move(plan.where[k]);
    out.emplace_back(k, part_id);
  }
  if (out.empty()) { // every command was answered by the split (a refused transaction)
    finish(self, id);
    return;
  }
  // One timer for all batches, not one per batch: a sweep fails the overdue ones.
  b.outstanding = out.size();
  b.deadline = self->clock().now() + st.opts.request_timeout;
  for (auto [k, part_id] : out)
    send_part(self, k, part_id, std::move(plan.sub[k]));
  if (!st.sweeping && !st.batches.empty()) {
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
  auto& st = self->state;
  st.opts = std::move(opts);
  st.direct.resize(st.opts.shard_count);
  st.pos = local_positions(st.opts.shard_count, st.opts.owner);
  st.links.resize(st.opts.peers.size());
  for (size_t o = 0; o < st.links.size(); ++o)
    connect(self, o);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (size_t o = 0; o < st.links.size(); ++o)
      if (st.links[o].door && st.links[o].door.address() == dm.source) {
        peer_down(self, o, "connection lost: " + describe_error(dm.reason));
        return;
      }
    auto lost_link = dm.reason == caf::exit_reason::remote_link_unreachable;
    for (uint32_t k = 0; k < st.opts.shard_count; ++k) {
      auto& h = st.direct[k];
      if (!h || h.address() != dm.source)
        continue;
      h = nullptr;
      if (lost_link && owner_of(st, k) >= 0) {
        peer_down(self, static_cast<size_t>(owner_of(st, k)), "connection lost");
        return;
      }
    }
    // A local host's parts travel in a router_part, which answers for them (resent when the
    // host never ran them); only another node's host leaves its parts to this.
    fail_parts(
      self,
      [&](const pending_part& p) { return p.sent_to == dm.source && owner_of(st, p.shard) >= 0; },
      "the shard restarted while the command was in flight (" + describe_error(dm.reason)
        + "); it may or may not have been applied");
  });
  return {
    [self](caf::connect_atom, uint64_t o) {
      if (o < self->state.links.size())
        connect(self, static_cast<size_t>(o));
    },
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
    [self](resend_atom, uint64_t part_id, std::vector<kv_command>& cmds) {
      auto& st = self->state;
      auto i = st.parts.find(part_id);
      if (i == st.parts.end())
        return; // its batch failed already (deadline)
      auto& p = i->second;
      auto& host = st.direct[p.shard];
      if (host && host.address() == p.sent_to)
        host = nullptr; // gone: the tree knows its successor
      p.sent_to = caf::actor_addr{};
      send_part(self, p.shard, part_id, std::move(cmds));
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
      // Each node checkpoints the shards it hosts; other nodes' entries stay 0.
      std::vector<uint32_t> local;
      for (uint32_t k = 0; k < n; ++k)
        if (owner_of(st, k) < 0)
          local.push_back(k);
      auto left = std::make_shared<uint32_t>(static_cast<uint32_t>(local.size()));
      if (local.empty())
        rp.deliver(std::move(*out));
      for (auto k : local)
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

std::vector<int32_t> local_positions(uint32_t shard_count, const std::vector<int32_t>& owner) {
  std::vector<int32_t> pos(shard_count, -1);
  int32_t next = 0;
  for (uint32_t k = 0; k < shard_count; ++k)
    if (owner.empty() || owner[k] < 0)
      pos[k] = next++;
  return pos;
}

caf::actor spawn_router(caf::actor_system& sys, router_options opts) {
  return sys.spawn(router, std::move(opts));
}

supervision::child_spec router_child_spec(router_options base,
                                          std::function<caf::actor(caf::actor_system&)> connector) {
  supervision::child_spec spec;
  spec.id = "router";
  spec.start = [base = std::move(base), connector = std::move(connector)](
                 const supervision::start_context& ctx) -> caf::expected<caf::actor> {
    auto opts = base;
    opts.via = ctx.notify();
    if (connector)
      opts.connector = connector(ctx.system());
    auto r = spawn_router(ctx.system(), std::move(opts));
    ctx.ready();
    return r;
  };
  return spec;
}

supervision::child_spec router_child_spec(uint32_t shard_count,
                                          std::vector<std::string> path_from_parent,
                                          std::chrono::milliseconds request_timeout) {
  router_options opts;
  opts.shard_count = shard_count;
  opts.path = std::move(path_from_parent);
  opts.request_timeout = request_timeout;
  return router_child_spec(std::move(opts));
}

} // namespace keel::actors
