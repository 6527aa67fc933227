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

namespace {

struct saving_router_state {
  std::vector<caf::response_promise> checkpoints; // held until told "release" or "fail"
};

// A stand-in for a router lane that tells `log` what reaches it, in order ("batch GET,SET",
// "checkpoint"), answers batches with "r:<command>" and holds checkpoints until it gets the
// string "release" (success) or "fail" (then it logs "released n" or "failed n").
caf::behavior saving_router(caf::stateful_actor<saving_router_state>* self, caf::actor log) {
  return {
    [log](kv_batch_atom, std::vector<kv_command>& cmds) {
      std::string names;
      std::vector<kv_reply> out;
      for (auto& c : cmds) {
        names += (names.empty() ? "" : ",") + c[0];
        out.push_back(kv_reply::bulk("r:" + c[0]));
      }
      caf::anon_send(log, "batch " + names);
      return out;
    },
    [self, log](keel::actors::checkpoint_atom) {
      caf::anon_send(log, std::string{"checkpoint"});
      self->state.checkpoints.push_back(self->make_response_promise());
    },
    [self, log](const std::string& what) {
      auto held = std::move(self->state.checkpoints);
      self->state.checkpoints.clear();
      for (auto& rp : held) {
        if (what == "release")
          rp.deliver(std::vector<uint64_t>{7, 9});
        else
          rp.deliver(caf::make_error(caf::sec::runtime_error, "disk full"));
      }
      // After the answers are in the backend's mailbox: what the test sends next comes later.
      auto done = what == "release" ? "released " : "failed ";
      caf::anon_send(log, done + std::to_string(held.size()));
    },
  };
}

struct saving_setup {
  fixture fx;
  keel::testkit::probe log = fx.make_probe("router log");
  keel::testkit::probe done = fx.make_probe("done");
  caf::actor router = fx.spawn_named("router", saving_router, log.handle());
  std::shared_ptr<keel::actors::kv_stats> numbers = std::make_shared<keel::actors::kv_stats>(2);
  std::shared_ptr<keel::gateway::backend> backend;

  saving_setup() {
    keel::runtime::kv_backend_options opts;
    opts.numbers = numbers;
    opts.routers.push_back(std::make_shared<actor_slot>());
    opts.routers.back()->set(router);
    backend = keel::runtime::make_kv_backend(fx.sys(), opts);
  }

  ~saving_setup() { backend.reset(); }

  // Executes `batch`; its replies arrive at `done` as one text ("|" after each).
  void execute(std::vector<keel::gateway::command> batch) {
    backend->execute(std::move(batch), [to = done.handle()](std::vector<keel::gateway::reply> rs) {
      std::string text;
      for (auto& r : rs)
        text += (r.is_error() ? "-" : "") + (r.type() == keel::gateway::reply::kind::integer
                                                ? std::to_string(r.integer_value())
                                                : r.str())
                + "|";
      caf::anon_send(to, text);
    });
  }

  std::string replies() { return std::get<0>(done.expect_message<std::string>()); }
  std::string logged() { return std::get<0>(log.expect_message<std::string>()); }
};

} // namespace

TEST_CASE("SAVE checkpoints after the commands before it are answered and before the ones "
          "after it run; LASTSAVE and INFO's numbers follow",
          "[kv_backend][save]") {
  saving_setup s;
  auto started = s.backend->stats().last_save;
  CHECK(started > 0); // the node's start until the first save
  s.numbers->shard(0).writes = 3; // as the shards' machines count them
  s.numbers->shard(1).writes = 2;
  CHECK(s.backend->stats().changes_since_save == 5);
  s.execute({{"SET", "a", "1"}, {"save"}, {"GET", "a"}, {"LASTSAVE"}});
  CHECK(s.logged() == "batch SET");
  CHECK(s.logged() == "checkpoint");
  CHECK(s.backend->stats().saving);
  s.numbers->shard(1).writes = 4; // while the checkpoint runs: a change after it
  s.log.expect_no_message(std::chrono::milliseconds{20}); // GET waits for the checkpoint
  caf::anon_send(s.router, std::string{"release"});
  CHECK(s.logged() == "released 1");
  CHECK(s.logged() == "batch GET");
  auto text = s.replies();
  CHECK_THAT(text, Catch::StartsWith("r:SET|OK|r:GET|"));
  auto lastsave = std::stoll(text.substr(text.rfind('|', text.size() - 2) + 1));
  CHECK(lastsave >= started);
  auto st = s.backend->stats();
  CHECK_FALSE(st.saving);
  CHECK(st.last_save_ok);
  CHECK(st.last_save == lastsave);
  CHECK(st.changes_since_save == 2);
  // A failed checkpoint is an error reply that says what to do, and INFO shows it.
  s.execute({{"SAVE"}});
  CHECK(s.logged() == "checkpoint");
  caf::anon_send(s.router, std::string{"fail"});
  CHECK(s.logged() == "failed 1");
  auto failed = s.replies();
  CHECK_THAT(failed, Catch::StartsWith("-ERR checkpoint failed: ")
                       && Catch::Contains("disk full") && Catch::Contains("retry"));
  CHECK_FALSE(s.backend->stats().last_save_ok);
  CHECK(s.backend->stats().last_save == lastsave);
  CHECK(s.backend->stats().changes_since_save == 2); // a failed save saved nothing
  // Arguments are checked as Redis does.
  s.execute({{"SAVE", "x"}, {"LASTSAVE", "x"}, {"BGSAVE", "x"}, {"BGSAVE", "SCHEDULE", "x"}});
  CHECK(s.replies()
        == "-ERR wrong number of arguments for 'save' command|"
           "-ERR wrong number of arguments for 'lastsave' command|-ERR syntax error|"
           "-ERR syntax error|");
}

TEST_CASE("BGSAVE answers at once; while it runs another SAVE or BGSAVE is refused and BGSAVE "
          "SCHEDULE queues one more",
          "[kv_backend][save]") {
  saving_setup s;
  s.execute({{"bgsave"}});
  CHECK(s.logged() == "checkpoint");
  CHECK(s.replies() == "Background saving started|");
  CHECK(s.backend->stats().saving);
  s.execute({{"BGSAVE"}, {"SAVE"}, {"BGSAVE", "schedule"}, {"GET", "k"}});
  CHECK(s.logged() == "batch GET");
  CHECK(s.replies()
        == "-ERR Background save already in progress|-ERR Background save already in progress|"
           "Background saving scheduled|r:GET|");
  caf::anon_send(s.router, std::string{"release"});
  CHECK(s.logged() == "released 1");
  CHECK(s.logged() == "checkpoint"); // the scheduled one
  CHECK(s.backend->stats().saving);
  caf::anon_send(s.router, std::string{"release"});
  CHECK(s.logged() == "released 1");
  // Its answer is in the backend's mailbox before this: a new one starts, and no third.
  s.execute({{"BGSAVE"}});
  CHECK(s.logged() == "checkpoint");
  CHECK(s.replies() == "Background saving started|");
  caf::anon_send(s.router, std::string{"release"});
  CHECK(s.logged() == "released 1");
  s.execute({{"LASTSAVE"}}); // behind the answer, as above
  CHECK(std::stoll(s.replies()) == s.backend->stats().last_save);
  CHECK_FALSE(s.backend->stats().saving);
  CHECK(s.backend->stats().last_save_ok);
}
