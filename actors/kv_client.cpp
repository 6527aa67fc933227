#include "actors/kv_client.hpp"

#include "actors/shard_errc.hpp"

#include <future>
#include <memory>

namespace keel::kv {

namespace {

caf::error reply_error(const kv_reply& r) {
  return actors::make_error(actors::shard_errc::bad_request, r.str());
}

} // namespace

client::client(caf::actor_system& sys, caf::actor router, std::chrono::milliseconds timeout)
  : sys_(&sys), router_(std::move(router)), timeout_(timeout) {
  // nop
}

client::client(caf::actor_system& sys, caf::actor router, std::chrono::milliseconds timeout,
               std::shared_ptr<actors::shard_directory> hosts)
  : sys_(&sys), router_(std::move(router)), timeout_(timeout), hosts_(std::move(hosts)) {
  // nop
}

bool client::direct(std::vector<kv_command>& cmds, const batch_done& done) const {
  if (!hosts_)
    return false;
  actors::kv_done on_replies = [done](std::vector<kv_reply> replies, caf::execution_unit*) {
    done(std::move(replies));
  };
  return actors::kv_send_direct(*hosts_, cmds, on_replies);
}

void client::async(kv_command cmd, std::function<void(caf::expected<kv_reply>)> done) const {
  std::vector<kv_command> one;
  one.push_back(std::move(cmd));
  if (direct(one, [done](caf::expected<std::vector<kv_reply>> x) {
        if (!x)
          done(std::move(x.error()));
        else
          done(std::move(x->front()));
      }))
    return;
  cmd = std::move(one.front());
  sys_->spawn([r = router_, t = timeout_, cmd = std::move(cmd),
               done = std::move(done)](caf::event_based_actor* self) mutable {
    self->request(r, t, actors::kv_cmd_atom::value, std::move(cmd))
      .then([done](kv_reply& x) { done(std::move(x)); },
            [done](caf::error& err) { done(std::move(err)); });
  });
}

void client::async_batch(std::vector<kv_command> cmds,
                         std::function<void(caf::expected<std::vector<kv_reply>>)> done) const {
  if (direct(cmds, done))
    return;
  sys_->spawn([r = router_, t = timeout_, cmds = std::move(cmds),
               done = std::move(done)](caf::event_based_actor* self) mutable {
    self->request(r, t, actors::kv_batch_atom::value, std::move(cmds))
      .then([done](std::vector<kv_reply>& x) { done(std::move(x)); },
            [done](caf::error& err) { done(std::move(err)); });
  });
}

caf::expected<kv_reply> client::call(kv_command cmd) const {
  if (hosts_) {
    std::vector<kv_command> one;
    one.push_back(std::move(cmd));
    auto r = pipeline(std::move(one));
    if (!r)
      return r.error();
    return std::move(r->front());
  }
  caf::scoped_actor self{*sys_};
  caf::expected<kv_reply> out{caf::sec::request_timeout};
  self->request(router_, timeout_, actors::kv_cmd_atom::value, std::move(cmd))
    .receive([&](kv_reply& x) { out = std::move(x); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

caf::expected<std::vector<kv_reply>> client::pipeline(std::vector<kv_command> cmds) const {
  if (hosts_) {
    // Waits for the hosts' replies up to the timeout; a late answer lands in the shared promise.
    auto got = std::make_shared<std::promise<std::vector<kv_reply>>>();
    auto fut = got->get_future();
    if (direct(cmds, [got](caf::expected<std::vector<kv_reply>> x) {
          if (x)
            got->set_value(std::move(*x));
        })) {
      if (fut.wait_for(timeout_) != std::future_status::ready)
        return caf::make_error(caf::sec::request_timeout);
      return fut.get();
    }
  }
  caf::scoped_actor self{*sys_};
  caf::expected<std::vector<kv_reply>> out{caf::sec::request_timeout};
  self->request(router_, timeout_, actors::kv_batch_atom::value, std::move(cmds))
    .receive([&](std::vector<kv_reply>& x) { out = std::move(x); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

caf::expected<std::optional<std::string>> client::get(const std::string& key) const {
  auto r = call({"GET", key});
  if (!r)
    return r.error();
  if (r->is_error())
    return reply_error(*r);
  if (r->type() == kv_reply::kind::null)
    return std::optional<std::string>{};
  return std::optional<std::string>{r->str()};
}

caf::error client::set(const std::string& key, const std::string& value) const {
  auto r = call({"SET", key, value});
  if (!r)
    return r.error();
  if (r->is_error())
    return reply_error(*r);
  return {};
}

caf::expected<int64_t> client::del(const std::vector<std::string>& keys) const {
  kv_command cmd{"DEL"};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  auto r = call(std::move(cmd));
  if (!r)
    return r.error();
  if (r->is_error())
    return reply_error(*r);
  return r->integer_value();
}

caf::expected<int64_t> client::incr(const std::string& key, int64_t by) const {
  auto r = call({"INCRBY", key, std::to_string(by)});
  if (!r)
    return r.error();
  if (r->is_error())
    return reply_error(*r);
  return r->integer_value();
}

} // namespace keel::kv
