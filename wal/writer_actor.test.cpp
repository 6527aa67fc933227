#include "wal/writer_actor.hpp"

#include "wal/errc.hpp"
#include "wal/fault_file_system.hpp"
#include "wal/format.hpp"
#include "wal/test_util.hpp"

#include "testkit/fixture.hpp"

#include <algorithm>
#include <cerrno>

using namespace keel::wal;
using namespace keel::wal::test;
using keel::testkit::fixture;
using keel::testkit::fixture_options;

namespace {

fixture_options wal_fixture() {
  fixture_options o;
  o.configure = [](caf::actor_system_config& cfg) { add_error_category(cfg); };
  return o;
}

options fault_log(std::shared_ptr<fault_file_system> fs, sync_policy sync = sync_policy::group) {
  auto o = small_log("/db", std::move(fs), 64 * 1024);
  o.sync = sync;
  return o;
}

// Blocks until the writer has finished opening (it answers messages only afterwards).
writer_status status_of(fixture& fx, const caf::actor& w) {
  caf::scoped_actor self{fx.sys()};
  writer_status out;
  self->request(w, keel::testkit::default_timeout(), status_atom::value)
    .receive([&](const writer_status& st) { out = st; },
             [&](const caf::error& err) { FAIL("status failed: " << describe(err)); });
  return out;
}

// The highest LSN a crash right now would keep.
uint64_t durable_in_image(const fault_file_system& fs) {
  auto image = fs.crash_image();
  auto r = run_recovery(*image, "/db", recovery_mode::tolerate_torn_tail, false);
  REQUIRE(!r.err);
  return r.summary.last_lsn;
}

} // namespace

TEST_CASE("the writer actor answers a request once the record is durable", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  caf::scoped_actor self{fx.sys()};
  for (uint64_t i = 1; i <= 3; ++i) {
    uint64_t got = 0;
    self->request(w, keel::testkit::default_timeout(), append_atom::value, payload(i))
      .receive([&](uint64_t lsn) { got = lsn; },
               [&](const caf::error& err) { FAIL(describe(err)); });
    CHECK(got == i);
    CHECK(durable_in_image(*fs) >= i);
  }
  std::vector<std::string> batch{payload(4), payload(5)};
  self->request(w, keel::testkit::default_timeout(), append_atom::value, batch)
    .receive([&](uint64_t lsn) { CHECK(lsn == 5); },
             [&](const caf::error& err) { FAIL(describe(err)); });
  CHECK(durable_in_image(*fs) == 5);
}

TEST_CASE("group commit never acknowledges a record before the sync that covers it",
          "[wal][actor]") { // case 15
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  (void) status_of(fx, w);
  auto base = fs->sync_count();
  // Hold the disk: the first flush blocks in fdatasync while the rest piles up.
  fs->hold_syncs();
  const uint64_t n = 200;
  for (uint64_t i = 1; i <= n; ++i)
    caf::send_as(p.handle(), w, append_atom::value, i, payload(i));
  // Nothing may be acknowledged while no sync has completed.
  CHECK(p.pending() == 0);
  fs->release_syncs();
  uint64_t acked = 0;
  size_t notifications = 0;
  while (acked < n) {
    auto [tag, lsn] = p.expect_message<durable_atom, uint64_t>();
    (void) tag;
    CHECK(lsn > acked);
    // Every acknowledged record is in what a crash would leave at this moment.
    CHECK(durable_in_image(*fs) >= lsn);
    acked = lsn;
    ++notifications;
  }
  // Batched: 200 appends, a handful of syncs (one while held, then the pile-up).
  CHECK(fs->sync_count() - base <= 3);
  CHECK(notifications <= 3);
  // Unheld, one at a time, the rule still holds for each record.
  for (uint64_t i = n + 1; i <= n + 50; ++i) {
    caf::send_as(p.handle(), w, append_atom::value, i, payload(i));
    auto [tag, lsn] = p.expect_message<durable_atom, uint64_t>();
    (void) tag;
    CHECK(lsn == i);
    CHECK(durable_in_image(*fs) >= lsn);
  }
  // The event log agrees: every fdatasync of a segment covers the writes before it.
  auto events = fs->events();
  CHECK_FALSE(events.empty());
}

TEST_CASE("EIO on fdatasync fails every pending append with wal_poisoned and the writer exits",
          "[wal][actor]") { // case 11
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  p.watch(w);
  (void) status_of(fx, w);
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{1}, payload(1));
  auto [t1, durable] = p.expect_message<durable_atom, uint64_t>();
  (void) t1;
  CHECK(durable == 1);
  fs->hold_syncs();
  fs->fail_nth(fault_file_system::op::fdatasync, 1, EIO);
  for (uint64_t i = 2; i <= 30; ++i)
    caf::send_as(p.handle(), w, append_atom::value, i, payload(i));
  fs->release_syncs();
  std::vector<bool> failed(31, false);
  size_t count = 0;
  while (count < 29) {
    auto [tag, first, last, err] = p.expect_message<failed_atom, uint64_t, uint64_t, caf::error>();
    (void) tag;
    CHECK(is(err, errc::wal_poisoned));
    for (auto i = first; i <= last && i <= 30; ++i)
      if (i >= 2 && !failed[i]) {
        failed[i] = true;
        ++count;
      }
  }
  auto reason = p.expect_terminated(w);
  CHECK(is(reason, errc::wal_poisoned));
  // The acknowledged record survives; the writer never retried the failed sync.
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  CHECK(r.summary.last_lsn >= 1);
}

TEST_CASE("ENOSPC fails the appends with disk_full and the writer keeps going",
          "[wal][actor]") { // case 12
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  (void) status_of(fx, w);
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{1}, payload(1));
  CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == 1);
  fs->fail_all(fault_file_system::op::pwrite, ENOSPC);
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{2}, payload(2));
  auto [tag, first, last, err] = p.expect_message<failed_atom, uint64_t, uint64_t, caf::error>();
  (void) tag;
  CHECK(first == 2);
  CHECK(last == 2);
  CHECK(is(err, errc::disk_full));
  fs->clear_faults();
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{2}, payload(2));
  CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == 2);
  fs->crash();
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1] == rec{2, payload(2)});
}

TEST_CASE("a stream append with the wrong LSN is refused", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{7}, payload(7));
  auto [tag, first, last, err] = p.expect_message<failed_atom, uint64_t, uint64_t, caf::error>();
  (void) tag;
  CHECK(first == 7);
  CHECK(last == 7);
  CHECK(is(err, errc::invalid_argument));
}

TEST_CASE("a stream batch appends independent records in one message", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  (void) status_of(fx, w);
  auto base = fs->sync_count();
  std::vector<std::string> three{payload(1), payload(2), payload(3)};
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{1}, three);
  auto [tag, lsn] = p.expect_message<durable_atom, uint64_t>();
  (void) tag;
  CHECK(lsn == 3);
  CHECK(durable_in_image(*fs) >= 3);
  CHECK(fs->sync_count() - base == 1); // one group commit for the three
  // A batch with the wrong first LSN is refused whole.
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{9}, three);
  {
    auto [t, first, last, err] = p.expect_message<failed_atom, uint64_t, uint64_t, caf::error>();
    (void) t;
    CHECK(first == 9);
    CHECK(last == 11);
    CHECK(is(err, errc::invalid_argument));
  }
  // A record that fails (disk full) fails itself and the rest of its batch.
  fs->fail_all(fault_file_system::op::pwrite, ENOSPC);
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{4}, three);
  {
    auto [t, first, last, err] = p.expect_message<failed_atom, uint64_t, uint64_t, caf::error>();
    (void) t;
    CHECK(first == 4);
    CHECK(last == 6);
    CHECK(is(err, errc::disk_full));
  }
  fs->clear_faults();
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{4},
               std::vector<std::string>{payload(4), payload(5)});
  CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == 5);
  fs->crash();
  // Independent records: each is recovered as a full record with its own LSN.
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == 5);
  for (uint64_t i = 1; i <= 5; ++i)
    CHECK(r.records[i - 1] == rec{i, payload(i)});
}

TEST_CASE("the writer actor hands the recovered state to a state machine", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  {
    writer plain{fault_log(fs)};
    REQUIRE(!open_quiet(plain));
    append_range(plain, 1, 20);
    REQUIRE(!plain.snapshot(10, "state@10"));
    REQUIRE(!plain.close());
  }
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  caf::scoped_actor self{fx.sys()};
  auto fetch = [&] {
    recovery_result out;
    self->request(w, keel::testkit::default_timeout(), recovery_atom::value)
      .receive([&](recovery_result& r) { out = std::move(r); },
               [&](const caf::error& err) { FAIL(describe(err)); });
    return out;
  };
  auto first = fetch();
  CHECK(first.has_snapshot);
  CHECK(first.snapshot_lsn == 10);
  CHECK(first.snapshot == "state@10");
  REQUIRE(first.records.size() == 10);
  CHECK(first.records.front().lsn == 11);
  CHECK(first.next_lsn == 21);
  self->request(w, keel::testkit::default_timeout(), append_atom::value, payload(21))
    .receive([&](uint64_t lsn) { CHECK(lsn == 21); },
             [&](const caf::error& err) { FAIL(describe(err)); });
  self->request(w, keel::testkit::default_timeout(), snapshot_atom::value, uint64_t{21},
                std::string{"state@21"})
    .receive([&](uint64_t lsn) { CHECK(lsn == 21); },
             [&](const caf::error& err) { FAIL(describe(err)); });
  // A restarted state machine asks again and gets the directory's current state.
  auto second = fetch();
  CHECK(second.snapshot_lsn == 21);
  CHECK(second.records.empty());
  CHECK(second.next_lsn == 22);
}

TEST_CASE("a second writer actor on the same directory exits with locked", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto first = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(first, "first writer");
  (void) status_of(fx, first);
  auto p = fx.make_probe();
  auto second = spawn_writer(fx.sys(), fault_log(fs));
  p.watch(second);
  fx.track(second, "second writer");
  auto reason = p.expect_terminated(second);
  REQUIRE(is(reason, errc::locked));
  CHECK_THAT(describe(reason), Catch::Contains("/db"));
}

TEST_CASE("with sync policy interval acks come before the sync", "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto o = fault_log(fs, sync_policy::interval);
  o.sync_interval = std::chrono::milliseconds{5};
  auto w = spawn_writer(fx.sys(), o);
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  (void) status_of(fx, w);
  fs->hold_syncs();
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{1}, payload(1));
  CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == 1);
  CHECK(durable_in_image(*fs) == 0); // acknowledged, not yet durable: the stated loss window
  fs->release_syncs();
}

TEST_CASE("with sync policy none the writer leaves the scheduler free while a roll syncs",
          "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  auto fo = wal_fixture();
  fo.threads = 1; // a blocking writer would stall every other actor
  fixture fx{fo};
  auto o = fault_log(fs, sync_policy::none);
  auto w = spawn_writer(fx.sys(), o);
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  (void) status_of(fx, w);
  fs->hold_syncs();
  // Batches of 16 records until the segment has less than 1/16 of its space left: the flush
  // of that batch starts the next segment, whose first step is the old one's fdatasync.
  const uint64_t per_batch = 16;
  const uint64_t batch_bytes = per_batch * record_size(payload(1).size());
  uint64_t used = segment_header_size;
  uint64_t next = 1;
  while (o.segment_size - used >= o.segment_size / 16) {
    std::vector<std::string> batch;
    for (uint64_t i = 0; i < per_batch; ++i)
      batch.push_back(payload(next + i));
    caf::send_as(p.handle(), w, append_atom::value, next, std::move(batch));
    next += per_batch;
    used += batch_bytes;
    CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == next - 1);
  }
  REQUIRE(fs->await_held_syncs(1, keel::testkit::default_timeout()));
  // The sync is held on the writer's helper thread; the only scheduler thread still runs actors.
  auto echo = fx.sys().spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  fx.track(echo, "echo");
  caf::scoped_actor self{fx.sys()};
  self->request(echo, keel::testkit::default_timeout(), 41)
    .receive([](int x) { CHECK(x == 42); }, [](const caf::error& err) { FAIL(describe(err)); });
  // The writer itself waits for the roll: the next append is answered once the sync returns.
  caf::send_as(p.handle(), w, append_atom::value, next, payload(next));
  fs->release_syncs();
  CHECK(std::get<1>(p.expect_message<durable_atom, uint64_t>()) == next);
  auto r = run_recovery(*fs, "/db");
  REQUIRE(!r.err);
  REQUIRE(r.records.size() == next);
  for (uint64_t i = 1; i <= next; ++i)
    CHECK(r.records[i - 1] == rec{i, payload(i)});
  std::vector<std::string> names;
  REQUIRE(fs->list("/db", names) == 0);
  CHECK(std::count_if(names.begin(), names.end(), [](const std::string& n) {
          return parse_segment_file_name(n).has_value();
        }) == 2);
}

TEST_CASE("a notify callback runs once its LSN is acknowledged, or with the error when its "
          "records failed",
          "[wal][actor]") {
  auto fs = std::make_shared<fault_file_system>();
  fixture fx{wal_fixture()};
  auto w = spawn_writer(fx.sys(), fault_log(fs));
  fx.track(w, "wal writer");
  auto p = fx.make_probe();
  auto calls = fx.make_probe("calls");
  auto notify = [&](uint64_t lsn) {
    durable_callback cb;
    cb.lsn = lsn;
    cb.run = [to = calls.handle(), lsn](const caf::error* why) {
      caf::anon_send(to, lsn, why ? *why : caf::error{});
    };
    caf::send_as(p.handle(), w, notify_atom::value, std::move(cb));
  };
  (void) status_of(fx, w);
  fs->hold_syncs();
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{1}, payload(1));
  notify(1);
  REQUIRE(fs->await_held_syncs(1, keel::testkit::default_timeout()));
  CHECK(durable_in_image(*fs) == 0);
  fs->release_syncs();
  auto [lsn, err] = calls.expect_message<uint64_t, caf::error>();
  CHECK(lsn == 1);
  CHECK(!err);
  CHECK(durable_in_image(*fs) == 1); // the callback came after the sync
  // Already acknowledged: at once. Never appended: the error.
  notify(1);
  CHECK(std::get<1>(calls.expect_message<uint64_t, caf::error>()) == caf::error{});
  notify(9);
  CHECK(is(std::get<1>(calls.expect_message<uint64_t, caf::error>()), errc::invalid_argument));
  // A failed sync fails the callback of the records it covered with the writer's error. Held
  // until both messages are in: a callback that comes after the writer left is never run.
  fs->hold_syncs();
  fs->fail_nth(fault_file_system::op::fdatasync, 1, EIO);
  caf::send_as(p.handle(), w, append_atom::value, uint64_t{2}, payload(2));
  notify(2);
  REQUIRE(fs->await_held_syncs(1, keel::testkit::default_timeout()));
  fs->release_syncs();
  auto [lsn2, err2] = calls.expect_message<uint64_t, caf::error>();
  CHECK(lsn2 == 2);
  CHECK(is(err2, errc::wal_poisoned));
}
