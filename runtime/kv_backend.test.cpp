#include "runtime/kv_backend.hpp"

#include "actors/kv_command.hpp"
#include "actors/kv_reply.hpp"
#include "actors/reply_sink.hpp"
#include "actors/shard_atoms.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <algorithm>

using keel::actors::kv_batch_atom;
using keel::actors::kv_command;
using keel::actors::kv_reply;
using keel::actors::result_atom;
using keel::runtime::actor_slot;
using keel::testkit::fixture;

namespace {

// A stand-in for a router lane: answers every command of a batch with a bulk naming the lane,
// or, when `name` is empty, tells `seen` that a batch came and never answers it.
caf::behavior fake_router(caf::event_based_actor* self, std::string name, caf::actor seen) {
  return {
    [self, name, seen](kv_batch_atom, uint64_t id, std::vector<kv_command>& cmds) {
      if (name.empty()) {
        caf::anon_send(seen, std::string{"swallowed"});
        return;
      }
      std::vector<kv_reply> out(cmds.size(), kv_reply::bulk(name));
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), result_atom::value, id,
                 std::move(out));
    },
  };
}

// Has `backend` execute `n` GETs; `to` gets the replies as one text ("error " before errors,
// "|" after each).
void execute_gets(keel::gateway::backend& backend, size_t n, caf::actor to) {
  std::vector<keel::gateway::command> batch(n, keel::gateway::command{"GET", "k"});
  backend.execute(std::move(batch), [to](std::vector<keel::gateway::reply> replies) {
    std::string text;
    for (auto& r : replies)
      text += (r.is_error() ? "error " : "") + r.str() + "|";
    caf::anon_send(to, text);
  });
}

} // namespace

TEST_CASE("the gateway's relay hands batches to the router lanes in turn and fails only the "
          "batches of a lane that goes down",
          "[kv_backend]") {
  fixture fx;
  auto seen = fx.make_probe("seen");
  auto a = fx.spawn_named("lane a", fake_router, std::string{"a"}, caf::actor{});
  auto b = fx.spawn_named("lane b", fake_router, std::string{"b"}, caf::actor{});
  auto c = fx.spawn_named("lane c", fake_router, std::string{}, seen.handle());
  keel::runtime::kv_backend_options opts;
  opts.stats_interval = std::chrono::milliseconds{0};
  for (auto& lane : {a, b, c}) {
    opts.routers.push_back(std::make_shared<actor_slot>());
    opts.routers.back()->set(lane);
  }
  auto slot_c = opts.routers.back();
  auto backend = keel::runtime::make_kv_backend(fx.sys(), opts);
  auto done = fx.make_probe("done");
  auto run = [&](size_t n) { execute_gets(*backend, n, done.handle()); };
  run(2);
  CHECK(std::get<0>(done.expect_message<std::string>()) == "a|a|");
  run(1);
  CHECK(std::get<0>(done.expect_message<std::string>()) == "b|");
  run(3); // lane c keeps it
  CHECK(std::get<0>(seen.expect_message<std::string>()) == "swallowed");
  run(1); // back to a, answered while c holds its batch
  CHECK(std::get<0>(done.expect_message<std::string>()) == "a|");
  seen.watch(c);
  caf::anon_send_exit(c, caf::exit_reason::unhandled_exception);
  seen.expect_terminated(c);
  auto failed = std::get<0>(done.expect_message<std::string>());
  CHECK_THAT(failed, Catch::Contains("error ERR shard router unavailable: it restarted while the "
                                     "command was in flight"));
  CHECK(std::count(failed.begin(), failed.end(), '|') == 3);
  // Lane c is gone: the turn skips it.
  std::string lanes;
  for (int i = 0; i < 4; ++i) {
    run(1);
    lanes += std::get<0>(done.expect_message<std::string>());
  }
  CHECK(lanes == "b|a|b|a|");
  // Its next incarnation takes its turns again.
  slot_c->set(fx.spawn_named("lane c, restarted", fake_router, std::string{"c"}, caf::actor{}));
  std::vector<std::string> turns;
  for (int i = 0; i < 3; ++i) {
    run(1);
    turns.push_back(std::get<0>(done.expect_message<std::string>()));
  }
  std::sort(turns.begin(), turns.end());
  CHECK(turns == std::vector<std::string>{"a|", "b|", "c|"});
  backend.reset();
}

TEST_CASE("a router replaced in its lane before its down message arrives still fails its "
          "batches",
          "[kv_backend]") {
  fixture fx;
  auto seen = fx.make_probe("seen");
  auto old = fx.spawn_named("old router", fake_router, std::string{}, seen.handle());
  keel::runtime::kv_backend_options opts;
  opts.stats_interval = std::chrono::milliseconds{0};
  opts.routers.push_back(std::make_shared<actor_slot>());
  opts.routers.back()->set(old);
  auto backend = keel::runtime::make_kv_backend(fx.sys(), opts);
  auto done = fx.make_probe("done");
  auto run = [&] {
    auto to = done.handle();
    backend->execute({{"GET", "k"}}, [to](std::vector<keel::gateway::reply> replies) {
      caf::anon_send(to, replies.at(0).is_error() ? "error " + replies[0].str() : replies[0].str());
    });
  };
  run(); // the old router keeps it
  CHECK(std::get<0>(seen.expect_message<std::string>()) == "swallowed");
  opts.routers.back()->set(fx.spawn_named("new router", fake_router, std::string{"new"},
                                          caf::actor{}));
  run();
  CHECK(std::get<0>(done.expect_message<std::string>()) == "new");
  seen.watch(old);
  caf::anon_send_exit(old, caf::exit_reason::unhandled_exception);
  seen.expect_terminated(old);
  CHECK_THAT(std::get<0>(done.expect_message<std::string>()),
             Catch::StartsWith("error ERR shard router unavailable"));
  backend.reset();
}

TEST_CASE("while every shard has a host the backend sends batches straight to the hosts, else "
          "through a router lane",
          "[kv_backend][direct]") {
  fixture fx;
  using sink_ptr = keel::actors::request_sink_ptr<kv_command, kv_reply>;
  // A stand-in for the one shard host: answers each command with "host".
  auto host = fx.spawn_named("host", [](caf::event_based_actor*) -> caf::behavior {
    return {
      [](keel::actors::batch_atom, sink_ptr& sink) {
        auto cmds = sink->take();
        sink->deliver(std::vector<kv_reply>(cmds.size(), kv_reply::bulk("host")), nullptr);
      },
    };
  });
  auto lane = fx.spawn_named("lane", fake_router, std::string{"router"}, caf::actor{});
  keel::runtime::kv_backend_options opts;
  opts.stats_interval = std::chrono::milliseconds{0};
  opts.routers.push_back(std::make_shared<actor_slot>());
  opts.routers.back()->set(lane);
  opts.shards = std::make_shared<keel::actors::shard_directory>(1);
  auto backend = keel::runtime::make_kv_backend(fx.sys(), opts);
  auto done = fx.make_probe("done");
  auto run = [&](size_t n) {
    execute_gets(*backend, n, done.handle());
    return std::get<0>(done.expect_message<std::string>());
  };
  CHECK(run(2) == "router|router|"); // no host yet
  opts.shards->update(0, host, true);
  CHECK(run(2) == "host|host|");
  opts.shards->update(0, host, false); // restarting
  CHECK(run(1) == "router|");
}
