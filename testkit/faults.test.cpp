#include "testkit/faults.hpp"

#include "supervision/spec.hpp"
#include "testkit/fixture.hpp"
#include "wal/errc.hpp"
#include "wal/writer.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

namespace testkit = keel::testkit;
namespace supervision = keel::supervision;

namespace {

supervision::child_spec idle_worker(const std::string& id) {
  supervision::child_spec spec;
  spec.id = id;
  spec.start = supervision::ready_on_spawn([](caf::actor_system& sys) {
    return sys.spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](int x) { return x; }};
    });
  });
  return spec;
}

} // namespace

TEST_CASE("crash_child crashes the current incarnation with the chosen reason") {
  testkit::fixture fx{testkit::fixture_options::supervised_mode()};
  REQUIRE(fx.start_supervised(idle_worker("worker")));
  auto crashed = testkit::crash_child(fx, fx.root_supervisor(), "worker",
                                      caf::make_error(caf::sec::runtime_error));
  REQUIRE(crashed);
  auto next = fx.await_restart("test_root", "worker");
  CHECK(next != crashed);
  // The supervisor saw the reason the test chose.
  size_t exits = 0;
  for (auto& ev : fx.journal())
    if (ev.type == supervision::event_type::child_exited && ev.child == "worker") {
      ++exits;
      CHECK(ev.reason == caf::make_error(caf::sec::runtime_error));
    }
  CHECK(exits == 1);
}

TEST_CASE("the re-exported fault file system fails the Nth sync and loses what was not synced") {
  auto fs = std::make_shared<testkit::fault_file_system>();
  keel::wal::options opts;
  opts.dir = "/db";
  opts.segment_size = 4096;
  opts.preallocate = false;
  opts.fs = fs;
  {
    keel::wal::writer w{opts};
    REQUIRE_FALSE(w.open(nullptr, nullptr));
    REQUIRE(w.append("kept"));
    REQUIRE_FALSE(w.commit()); // durable
    fs->fail_nth(testkit::fault_file_system::op::fdatasync, 1, EIO);
    REQUIRE(w.append("lost"));
    auto err = w.commit();
    REQUIRE(err);
    CHECK(keel::wal::is(err, keel::wal::errc::wal_poisoned));
  }
  fs->crash(); // power loss: only synced bytes remain
  std::vector<std::string> records;
  keel::wal::writer again{opts};
  REQUIRE_FALSE(again.open(nullptr, [&](uint64_t, std::string_view p) {
    records.emplace_back(p);
  }));
  CHECK(records == std::vector<std::string>{"kept"});
}
