#include "actors/shard_host.hpp"

#include "actors/shard_test_util.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

using namespace keel::actors;
using namespace keel::actors::test;
using keel::supervision::child_ref;

// Crashes are exit messages with a non-normal reason: exit_reason::kill would also kill the
// supervisor through its link to the child (CAF 0.17 treats kill as fatal for linked actors).

namespace {

using batch_result = std::tuple<result_atom, uint64_t, std::vector<kv_reply>>;

// Sends SET key<i> value<i> as async batch i from `from` through the child_ref of "sm".
void send_set(const caf::actor& from, const caf::actor& sup, uint64_t i) {
  child_ref sm{sup, "sm"};
  std::vector<kv_command> cmds{{"SET", "key" + std::to_string(i), "value" + std::to_string(i)}};
  caf::send_as(from, sup, sm.envelope_of(batch_atom::value, i, std::move(cmds)));
}

// Collects async results on `p` until the one for `last`; returns the ids answered +OK.
std::set<uint64_t> collect_acks(keel::testkit::probe& p, uint64_t last) {
  std::set<uint64_t> acked;
  for (;;) {
    auto msg = p.fish_for([](const caf::message& m) {
      return (m.size() == 3 && m.match_element<result_atom>(0))
             || m.match_elements<keel::supervision::unavailable_atom, std::string, caf::error,
                                 caf::message>();
    });
    if (msg.match_element<keel::supervision::unavailable_atom>(0)) {
      // Failed back by the supervisor: (batch_atom, id, commands), not acknowledged.
      auto& original = msg.get_as<caf::message>(3);
      REQUIRE(original.match_element<uint64_t>(1));
      if (original.get_as<uint64_t>(1) == last)
        return acked;
      continue;
    }
    auto id = msg.get_as<uint64_t>(1);
    if (msg.match_element<std::vector<kv_reply>>(2)) {
      auto& replies = msg.get_as<std::vector<kv_reply>>(2);
      REQUIRE(replies.size() == 1);
      if (replies.front() == kv_reply::ok())
        acked.insert(id);
    }
    if (id == last)
      return acked;
  }
}

// Skips messages on `p` until a supervision event of `type` for child `child`.
void await_event(keel::testkit::probe& p, keel::supervision::event_type type,
                 const std::string& child) {
  p.fish_for([&](const caf::message& m) {
    if (!m.match_elements<keel::supervision::event>())
      return false;
    auto& ev = m.get_as<keel::supervision::event>(0);
    return ev.type == type && ev.child == child;
  });
}

} // namespace

TEST_CASE("a shard host releases a write only after the sync that covers it", "[shard]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto sup = start_kv_shard(fx, kv_shard_options(fs));
  CHECK(exec(fx, sup, {"SET", "warm", "up"}) == kv_reply::ok());
  auto p = fx.make_probe();
  fs->hold_syncs();
  const uint64_t n = 50;
  for (uint64_t i = 1; i <= n; ++i)
    send_set(p.handle(), sup, i);
  // Every SET ran (the host answers shard_info after them), none was released: the disk holds
  // the sync that would cover them.
  CHECK(info_of(fx, sup).next_lsn == n + 2);
  CHECK(info_of(fx, sup).parked > 0);
  CHECK_FALSE(p.try_next(std::chrono::milliseconds{50}).has_value());
  fs->release_syncs();
  for (uint64_t got = 0; got < n; ++got) {
    auto [tag, id, replies] = p.expect_message<result_atom, uint64_t, std::vector<kv_reply>>();
    (void) tag;
    REQUIRE(replies.size() == 1);
    CHECK(replies.front() == kv_reply::ok());
    // What was acknowledged is in what a crash right now would leave.
    auto m = durable_state(*fs, "/data/shard-0");
    CHECK(get_in(*m, "key" + std::to_string(id)) == "value" + std::to_string(id));
  }
}

TEST_CASE("a read of a value that is not durable yet waits for the sync of its write",
          "[shard]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto sup = start_kv_shard(fx, kv_shard_options(fs));
  CHECK(exec(fx, sup, {"SET", "other", "x"}) == kv_reply::ok());
  auto writer = fx.make_probe("writer");
  auto reader = fx.make_probe("reader");
  child_ref sm{sup, "sm"};
  fs->hold_syncs();
  caf::send_as(writer.handle(), sup,
               sm.envelope_of(batch_atom::value, uint64_t{1},
                              std::vector<kv_command>{{"SET", "k", "new"}}));
  caf::send_as(reader.handle(), sup,
               sm.envelope_of(batch_atom::value, uint64_t{2},
                              std::vector<kv_command>{{"GET", "k"}, {"GET", "other"}}));
  CHECK(info_of(fx, sup).parked == 2);
  CHECK_FALSE(reader.try_next(std::chrono::milliseconds{50}).has_value());
  fs->release_syncs();
  auto [t1, id1, w] = writer.expect_message<result_atom, uint64_t, std::vector<kv_reply>>();
  auto [t2, id2, r] = reader.expect_message<result_atom, uint64_t, std::vector<kv_reply>>();
  (void) t1;
  (void) t2;
  CHECK(id1 == 1);
  CHECK(id2 == 2);
  REQUIRE(r.size() == 2);
  CHECK(r[0] == kv_reply::bulk("new"));
  CHECK(r[1] == kv_reply::bulk("x"));
}

TEST_CASE("the writes of one batch are logged as one record and recovered from it",
          "[shard]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto sup = start_kv_shard(fx, kv_shard_options(fs));
  CHECK(exec(fx, sup, {"SET", "warm", "up"}) == kv_reply::ok());
  auto before = info_of(fx, sup).next_lsn;
  auto p = fx.make_probe();
  child_ref sm{sup, "sm"};
  std::vector<kv_command> batch;
  for (int i = 0; i < 20; ++i)
    batch.push_back({"SET", "k" + std::to_string(i), "v" + std::to_string(i)});
  batch.push_back({"GET", "k3"});
  batch.push_back({"INCR", "n"});
  caf::send_as(p.handle(), sup, sm.envelope_of(batch_atom::value, uint64_t{1}, batch));
  auto [tag, id, replies] = p.expect_message<result_atom, uint64_t, std::vector<kv_reply>>();
  (void) tag;
  (void) id;
  REQUIRE(replies.size() == 22);
  CHECK(replies[20] == kv_reply::bulk("v3"));
  CHECK(replies[21] == kv_reply::integer(1));
  CHECK(info_of(fx, sup).next_lsn == before + 1); // 21 writes, one LSN
  // What a crash right now leaves has all of them.
  auto m = durable_state(*fs, "/data/shard-0");
  for (int i = 0; i < 20; ++i)
    CHECK(get_in(*m, "k" + std::to_string(i)) == "v" + std::to_string(i));
  CHECK(get_in(*m, "n") == "1");
}

TEST_CASE("killing the state machine mid-load restarts it from the log and loses no "
          "acknowledged write",
          "[shard][restart]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto events = fx.make_probe("events");
  auto o = kv_shard_options(fs);
  o.events = events.handle();
  auto sup = start_kv_shard(fx, o);
  auto p = fx.make_probe();
  auto host = child_of(fx, sup, "sm");
  const uint64_t n = 300;
  for (uint64_t i = 1; i <= n / 2; ++i)
    send_set(p.handle(), sup, i);
  CHECK(collect_acks(p, n / 2).size() == n / 2);
  for (uint64_t i = n / 2 + 1; i <= n; ++i)
    send_set(p.handle(), sup, i);
  caf::anon_send_exit(host, caf::exit_reason::unhandled_exception); // crash
  // Messages the supervisor forwarded to the dead host are lost (not acknowledged); once the
  // new host runs, one more batch marks the end of what can still be answered.
  await_event(events, keel::supervision::event_type::child_exited, "sm");
  await_event(events, keel::supervision::event_type::child_started, "sm");
  send_set(p.handle(), sup, n + 1);
  auto acked = collect_acks(p, n + 1);
  CHECK(acked.count(n + 1) == 1);
  for (uint64_t i = 1; i <= n / 2; ++i)
    acked.insert(i);
  CHECK(child_of(fx, sup, "sm") != host);
  // Every acknowledged write is in the restarted host and in what a crash would leave.
  auto m = durable_state(*fs, "/data/shard-0");
  for (auto id : acked) {
    auto key = "key" + std::to_string(id);
    CHECK(exec(fx, sup, {"GET", key}) == kv_reply::bulk("value" + std::to_string(id)));
    CHECK(get_in(*m, key) == "value" + std::to_string(id));
  }
}

TEST_CASE("killing the WAL writer mid-load restarts writer and state machine (rest_for_one) "
          "and loses no acknowledged write",
          "[shard][restart]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto events = fx.make_probe("events");
  auto o = kv_shard_options(fs);
  o.events = events.handle();
  auto sup = start_kv_shard(fx, o);
  auto p = fx.make_probe();
  auto writer = child_of(fx, sup, "wal");
  auto host = child_of(fx, sup, "sm");
  const uint64_t n = 300;
  for (uint64_t i = 1; i <= n; ++i) {
    send_set(p.handle(), sup, i);
    if (i == n / 2)
      caf::anon_send_exit(writer, caf::exit_reason::unhandled_exception); // crash
  }
  // rest_for_one: the host goes down too, and both come back, writer first.
  await_event(events, keel::supervision::event_type::child_exited, "wal");
  await_event(events, keel::supervision::event_type::child_started, "wal");
  await_event(events, keel::supervision::event_type::child_started, "sm");
  send_set(p.handle(), sup, n + 1);
  auto acked = collect_acks(p, n + 1);
  CHECK(acked.count(n + 1) == 1);
  CHECK(child_of(fx, sup, "wal") != writer);
  CHECK(child_of(fx, sup, "sm") != host);
  auto m = durable_state(*fs, "/data/shard-0");
  for (auto id : acked) {
    auto key = "key" + std::to_string(id);
    CHECK(exec(fx, sup, {"GET", key}) == kv_reply::bulk("value" + std::to_string(id)));
    CHECK(get_in(*m, key) == "value" + std::to_string(id));
  }
}

TEST_CASE("a TTL survives a restart of the shard", "[shard][ttl]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  manual_clock clock;
  fixture fx{shard_fixture()};
  auto events = fx.make_probe("events");
  auto o = kv_shard_options(fs, 0, &clock);
  o.events = events.handle();
  auto sup = start_kv_shard(fx, o);
  CHECK(exec(fx, sup, {"SET", "session", "abc", "PX", "10000"}) == kv_reply::ok());
  CHECK(exec(fx, sup, {"SET", "forever", "x"}) == kv_reply::ok());
  auto host = child_of(fx, sup, "sm");
  caf::anon_send_exit(host, caf::exit_reason::unhandled_exception); // crash
  // Only once the supervisor restarted it: before, it may still forward to the dead host.
  await_event(events, keel::supervision::event_type::child_exited, "sm");
  await_event(events, keel::supervision::event_type::child_started, "sm");
  clock.advance(4000);
  CHECK(exec(fx, sup, {"PTTL", "session"}) == kv_reply::integer(6000));
  CHECK(exec(fx, sup, {"GET", "session"}) == kv_reply::bulk("abc"));
  clock.advance(6001);
  CHECK(exec(fx, sup, {"GET", "session"}) == kv_reply::null());
  CHECK(exec(fx, sup, {"PTTL", "forever"}) == kv_reply::integer(-1));
}

TEST_CASE("a checkpoint on demand is what the next start recovers from", "[shard][checkpoint]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto events = fx.make_probe("events");
  auto o = kv_shard_options(fs);
  o.events = events.handle();
  auto sup = start_kv_shard(fx, o);
  for (int i = 0; i < 20; ++i)
    CHECK(exec(fx, sup, {"INCR", "n"}) == kv_reply::integer(i + 1));
  child_ref sm{sup, "sm"};
  auto lsn = ask<uint64_t>(fx, sup, sm.envelope_of(checkpoint_atom::value));
  REQUIRE(lsn);
  CHECK(*lsn == 20);
  CHECK(exec(fx, sup, {"INCR", "n"}) == kv_reply::integer(21));
  auto host = child_of(fx, sup, "sm");
  caf::anon_send_exit(host, caf::exit_reason::unhandled_exception); // crash
  await_event(events, keel::supervision::event_type::child_exited, "sm");
  await_event(events, keel::supervision::event_type::child_started, "sm");
  auto info = info_of(fx, sup);
  CHECK(info.restored_snapshot);
  CHECK(info.snapshot_lsn == 20);
  CHECK(info.replayed == 1);
  CHECK(exec(fx, sup, {"GET", "n"}) == kv_reply::bulk("21"));
}

TEST_CASE("a clean stop writes a snapshot so the next start replays nothing",
          "[shard][checkpoint]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  {
    fixture fx{shard_fixture()};
    auto sup = start_kv_shard(fx, kv_shard_options(fs));
    CHECK(exec(fx, sup, {"MSET", "a", "1", "b", "2"}) == kv_reply::ok());
    CHECK(exec(fx, sup, {"SET", "c", "3"}) == kv_reply::ok());
  } // teardown stops the shard with user_shutdown
  fixture fx{shard_fixture()};
  auto sup = start_kv_shard(fx, kv_shard_options(fs));
  auto info = info_of(fx, sup);
  CHECK(info.restored_snapshot);
  CHECK(info.replayed == 0);
  CHECK(exec(fx, sup, {"MGET", "a", "b", "c"})
        == kv_reply::array({kv_reply::bulk("1"), kv_reply::bulk("2"), kv_reply::bulk("3")}));
}

TEST_CASE("the log passing the snapshot threshold triggers a checkpoint", "[shard][checkpoint]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto o = kv_shard_options(fs);
  o.host.snapshot_threshold_bytes = 200;
  auto sup = start_kv_shard(fx, o);
  for (int i = 0; i < 30; ++i)
    CHECK(exec(fx, sup, {"SET", "k" + std::to_string(i), std::string(40, 'x')})
          == kv_reply::ok());
  auto info = info_of(fx, sup);
  CHECK(info.checkpoints > 0);
  CHECK(info.log_bytes_since_snapshot < 200 + 100);
}

TEST_CASE("a failed sync fails the parked replies with a clear error and the shard recovers",
          "[shard][restart]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  auto events = fx.make_probe("events");
  auto o = kv_shard_options(fs);
  o.events = events.handle();
  auto sup = start_kv_shard(fx, o);
  CHECK(exec(fx, sup, {"SET", "before", "1"}) == kv_reply::ok());
  auto p = fx.make_probe();
  fs->fail_nth(keel::wal::fault_file_system::op::fdatasync, 1, EIO);
  send_set(p.handle(), sup, 1);
  auto [tag, id, err] = p.expect_message<result_atom, uint64_t, caf::error>();
  (void) tag;
  CHECK(id == 1);
  CHECK((is(err, shard_errc::not_durable) || is(err, shard_errc::wal_down)));
  // The shard comes back (writer and host restarted, the writer first) with what was durable.
  await_event(events, keel::supervision::event_type::child_exited, "wal");
  await_event(events, keel::supervision::event_type::child_started, "wal");
  await_event(events, keel::supervision::event_type::child_started, "sm");
  CHECK(exec(fx, sup, {"GET", "before"}) == kv_reply::bulk("1"));
  CHECK(exec(fx, sup, {"SET", "after", "2"}) == kv_reply::ok());
}

namespace {

// Lets a test fail or hold a KV machine's recovery.
struct recovery_hooks {
  uint64_t reject_lsn = 0;      // replaying this LSN fails
  bool reject_snapshot = false; // restoring any image fails
  // With parties > 0, every machine's first replay waits until `parties` machines have reached
  // theirs, or until the deadline: then `met` turns false and the replay goes on.
  int parties = 0;
  std::mutex mtx;
  std::condition_variable cv;
  int arrived = 0;
  bool met = true;

  // Counts this caller in and waits until `n` have come (met turns false at the deadline).
  void meet(int n) {
    std::unique_lock<std::mutex> guard{mtx};
    ++arrived;
    cv.notify_all();
    if (!cv.wait_for(guard, default_timeout(), [this, n] { return arrived >= n; }))
      met = false;
  }

  // snapshot(): with snapshot_parties > 0 it meets the others as replay does; with
  // hold_snapshot it reports `snapshot_entered` and waits until open_gate() (or the deadline).
  int snapshot_parties = 0;
  bool hold_snapshot = false;
  bool snapshot_entered = false;
  bool gate_open = false;

  void snapshot_hook() {
    if (snapshot_parties > 0)
      meet(snapshot_parties);
    if (hold_snapshot) {
      std::unique_lock<std::mutex> guard{mtx};
      snapshot_entered = true;
      cv.notify_all();
      if (!cv.wait_for(guard, default_timeout(), [this] { return gate_open; }))
        met = false;
    }
  }

  bool await_snapshot_entered() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, default_timeout(), [this] { return snapshot_entered; });
  }

  void open_gate() {
    std::lock_guard<std::mutex> guard{mtx};
    gate_open = true;
    cv.notify_all();
  }
};

// The KV machine with recovery_hooks on restore and replay.
class hooked_machine final : public state_machine<kv_command, kv_reply> {
public:
  explicit hooked_machine(std::shared_ptr<recovery_hooks> h) : h_(std::move(h)) {
  }

  execute_result<kv_reply> execute(const kv_command& req, time_point now, lsn next) override {
    return kv_.execute(req, now, next);
  }
  bool may_merge(const kv_command& req, std::size_t merged_bytes) const override {
    return kv_.may_merge(req, merged_bytes);
  }
  void merge_record(std::string& into, std::string_view more) override {
    kv_.merge_record(into, more);
  }
  state_machine_error replay(std::string_view record, lsn at) override {
    if (first_replay_ && h_->parties > 0)
      h_->meet(h_->parties);
    first_replay_ = false;
    if (at == h_->reject_lsn)
      return {state_machine_errc::malformed, "test rejects LSN " + std::to_string(at)};
    return kv_.replay(record, at);
  }
  std::string snapshot() const override {
    h_->snapshot_hook();
    return kv_.snapshot();
  }
  state_machine_error restore(std::string_view image) override {
    if (h_->reject_snapshot)
      return {state_machine_errc::malformed, "test rejects the image"};
    return kv_.restore(image);
  }

private:
  std::shared_ptr<recovery_hooks> h_;
  kv_state_machine kv_;
  bool first_replay_ = true;
};

// What a crash leaves after SET a, b, c on each of `shards` shards (LSNs 1 to 3), with a
// checkpoint at LSN 2 when `checkpoint`.
std::shared_ptr<keel::wal::fault_file_system> crash_after_three_sets(uint32_t shards,
                                                                    bool checkpoint) {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  fixture fx{shard_fixture()};
  for (uint32_t k = 0; k < shards; ++k) {
    auto sup = start_kv_shard(fx, kv_shard_options(fs, k));
    CHECK(exec(fx, sup, {"SET", "a", "1"}) == kv_reply::ok());
    CHECK(exec(fx, sup, {"SET", "b", "2"}) == kv_reply::ok());
    if (checkpoint) {
      child_ref sm{sup, "sm"};
      auto lsn = ask<uint64_t>(fx, sup, sm.envelope_of(checkpoint_atom::value));
      REQUIRE(lsn);
      CHECK(*lsn == 2);
    }
    CHECK(exec(fx, sup, {"SET", "c", "3"}) == kv_reply::ok());
  }
  return fs->crash_image(); // before the fixture's clean stop writes snapshots
}

// Starts shard `k` on `fs` with hooked machines and no restarts; the start's outcome. The
// supervisor is tracked by the fixture unless `track` is false (fixture::track is not
// thread-safe: a start on another thread leaves tracking to the test's thread).
caf::expected<caf::actor> start_hooked(fixture& fx, std::shared_ptr<keel::wal::fault_file_system> fs,
                                       uint32_t k, std::shared_ptr<recovery_hooks> h,
                                       bool track = true) {
  auto o = kv_shard_options(std::move(fs), k);
  o.flags.intensity = 0;
  machine_factory<kv_command, kv_reply> make = [h](uint32_t) {
    return std::make_unique<hooked_machine>(h);
  };
  auto sup = keel::supervision::start_supervisor(
    fx.sys(), shard_supervisor_options<kv_command, kv_reply>(std::move(o), std::move(make)));
  if (sup && track)
    fx.track(*sup, "shard supervisor");
  return sup;
}

} // namespace

TEST_CASE("a record the state machine rejects at recovery fails the start, naming its LSN",
          "[shard][recovery]") {
  auto image = crash_after_three_sets(1, false);
  auto h = std::make_shared<recovery_hooks>();
  h->reject_lsn = 2;
  fixture fx{shard_fixture()};
  auto sup = start_hooked(fx, image, 0, h);
  REQUIRE(!sup);
  auto text = describe_error(sup.error());
  CHECK_THAT(text, Catch::Contains("record at LSN 2 rejected: test rejects LSN 2"));
  CHECK_THAT(text, Catch::Contains("point_in_time"));
}

TEST_CASE("a snapshot the state machine rejects at recovery fails the start, naming its LSN",
          "[shard][recovery]") {
  auto image = crash_after_three_sets(1, true);
  auto h = std::make_shared<recovery_hooks>();
  h->reject_snapshot = true;
  fixture fx{shard_fixture()};
  auto sup = start_hooked(fx, image, 0, h);
  REQUIRE(!sup);
  CHECK_THAT(describe_error(sup.error()),
             Catch::Contains("snapshot at LSN 2 rejected: test rejects the image"));
}

TEST_CASE("a snapshot and the records after it recover off the scheduler's threads",
          "[shard][recovery]") {
  auto image = crash_after_three_sets(2, true);
  // Each shard's replay waits for the other's: with recovery on the one scheduler thread, the
  // first would hold that thread and the second never reach its replay.
  auto h = std::make_shared<recovery_hooks>();
  h->parties = 2;
  auto opts = shard_fixture();
  opts.threads = 1;
  fixture fx{opts};
  auto first =
    std::async(std::launch::async, [&] { return start_hooked(fx, image, 0, h, false); });
  auto second = start_hooked(fx, image, 1, h, false);
  auto one = first.get();
  for (auto* sup : {&one, &second})
    if (*sup)
      fx.track(**sup, "shard supervisor");
  REQUIRE(one);
  REQUIRE(second);
  CHECK(h->met);
  for (const auto& sup : {*one, second.value()}) {
    auto info = info_of(fx, sup);
    CHECK(info.restored_snapshot);
    CHECK(info.snapshot_lsn == 2);
    CHECK(info.replayed == 1);
    CHECK(exec(fx, sup, {"MGET", "a", "b", "c"})
          == kv_reply::array({kv_reply::bulk("1"), kv_reply::bulk("2"), kv_reply::bulk("3")}));
  }
}

TEST_CASE("shards make their checkpoint images off the scheduler's threads",
          "[shard][checkpoint]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  auto h = std::make_shared<recovery_hooks>();
  h->snapshot_parties = 2; // each image waits for the other's
  auto opts = shard_fixture();
  opts.threads = 1;
  fixture fx{opts};
  std::vector<caf::actor> sups;
  for (uint32_t k = 0; k < 2; ++k) {
    auto sup = start_hooked(fx, fs, k, h);
    REQUIRE(sup);
    CHECK(exec(fx, *sup, {"SET", "k", std::to_string(k)}) == kv_reply::ok());
    sups.push_back(*sup);
  }
  auto first = std::async(std::launch::async, [&] {
    child_ref sm{sups[0], "sm"};
    return ask<uint64_t>(fx, sups[0], sm.envelope_of(checkpoint_atom::value));
  });
  child_ref sm1{sups[1], "sm"};
  auto second = ask<uint64_t>(fx, sups[1], sm1.envelope_of(checkpoint_atom::value));
  auto one = first.get();
  REQUIRE(one);
  REQUIRE(second);
  CHECK(*one == 1);
  CHECK(*second == 1);
  CHECK(h->met);
}

TEST_CASE("a clean stop during a checkpoint waits for that checkpoint and replays nothing next",
          "[shard][checkpoint]") {
  auto fs = std::make_shared<keel::wal::fault_file_system>();
  auto h = std::make_shared<recovery_hooks>();
  h->hold_snapshot = true;
  {
    fixture fx{shard_fixture()};
    auto sup = start_hooked(fx, fs, 0, h);
    REQUIRE(sup);
    CHECK(exec(fx, *sup, {"SET", "a", "1"}) == kv_reply::ok());
    CHECK(exec(fx, *sup, {"SET", "b", "2"}) == kv_reply::ok());
    auto p = fx.make_probe("p");
    child_ref sm{*sup, "sm"};
    caf::send_as(p.handle(), *sup, sm.envelope_of(checkpoint_atom::value));
    REQUIRE(h->await_snapshot_entered());
    p.watch(*sup);
    caf::anon_send_exit(*sup, caf::exit_reason::user_shutdown); // the host exits mid-image
    h->open_gate();
    CHECK(p.expect_message<uint64_t>() == std::make_tuple(uint64_t{2}));
    CHECK(p.expect_terminated(*sup) == caf::exit_reason::user_shutdown);
  }
  CHECK(h->met);
  h->hold_snapshot = false;
  fixture fx{shard_fixture()};
  auto sup = start_hooked(fx, fs, 0, h);
  REQUIRE(sup);
  auto info = info_of(fx, *sup);
  CHECK(info.restored_snapshot);
  CHECK(info.snapshot_lsn == 2);
  CHECK(info.replayed == 0);
  CHECK(exec(fx, *sup, {"MGET", "a", "b"})
        == kv_reply::array({kv_reply::bulk("1"), kv_reply::bulk("2")}));
}
