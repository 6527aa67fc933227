#include "actors/port.hpp"

#include "actors/pool.hpp"
#include "actors/pool_test_worker.hpp"
#include "supervision/atoms.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <unistd.h>

using namespace keel;
using namespace keel::actors;
using namespace std::chrono_literals;

namespace {

std::string echo_worker() {
  auto path = test::echo_worker_path();
  INFO("build it first: ninja -C <build dir> examples/workers/echo_worker");
  REQUIRE(::access(path.c_str(), X_OK) == 0);
  return path;
}

port_options echo_opts() {
  port_options opts;
  opts.argv = {echo_worker()};
  opts.request_timeout = 5s;
  opts.health_interval = 50ms;
  return opts;
}

struct port_bench {
  testkit::fixture fx;
  testkit::probe ctx = fx.make_probe("ctx");
  testkit::probe client = fx.make_probe("client");
  caf::actor relay = fx.spawn(test::relay, client.handle());

  explicit port_bench(testkit::fixture_options fo = {}) : fx(std::move(fo)) {
  }

  caf::actor start(port_options opts) {
    auto port = spawn_port(fx.sys(), std::move(opts),
                           supervision::start_context{fx.sys(), ctx.handle(), "echo", 1});
    fx.track(port, "port");
    return port;
  }

  caf::message call(const caf::actor& target, std::string what) {
    caf::anon_send(relay, call_atom::value, target, caf::make_message(std::move(what)));
    auto m = client.try_next();
    REQUIRE(m);
    return *m;
  }
};

std::string text_of(const caf::message& m) {
  REQUIRE(m.match_elements<reply_atom, caf::message>());
  auto inner = m.get_as<caf::message>(1);
  REQUIRE(inner.match_elements<std::string>());
  return inner.get_as<std::string>(0);
}

caf::error error_of(const caf::message& m) {
  REQUIRE(m.match_elements<test::error_atom, caf::error>());
  return m.get_as<caf::error>(1);
}

/// Keeps every line logged to it; a test waits for one with a deadline.
class capture_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  /// True once a line containing `text` was logged, false at the deadline.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mutex_};
    return cv_.wait_for(guard, timeout, [&] {
      for (auto& l : lines_)
        if (l.find(text) != std::string::npos)
          return true;
      return false;
    });
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
    cv_.notify_all();
  }
  void flush_() override {}

private:
  std::vector<std::string> lines_;
  std::condition_variable_any cv_;
};

} // namespace

TEST_CASE("a worker's stderr reaches the log line by line, named by its port", "[port]") {
  port_bench b;
  auto sink = std::make_shared<capture_sink>();
  // The logger ports write to (created here when no port made it yet; none runs now).
  auto log = spdlog::get("keel.actors");
  if (!log)
    log = spdlog::stderr_color_mt("keel.actors");
  log->sinks().push_back(sink);
  auto opts = echo_opts();
  opts.name = "diag";
  auto port = b.start(opts);
  b.ctx.expect_message<supervision::ready_atom, uint64_t>();
  CHECK(text_of(b.call(port, "stderr:first diagnostic")) == "logged");
  CHECK(text_of(b.call(port, "stderr:second diagnostic")) == "logged");
  auto timeout = testkit::default_timeout();
  CHECK(sink->wait_for("port 'diag' stderr: first diagnostic", timeout));
  CHECK(sink->wait_for("port 'diag' stderr: second diagnostic", timeout));
  // Detach before the sink goes: the logger outlives the test.
  auto& sinks = log->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
}

TEST_CASE("a port says ready after the worker's handshake and answers through it", "[port]") {
  port_bench b{testkit::fixture_options::leak_checked()};
  auto port = b.start(echo_opts());
  b.ctx.expect_message<supervision::ready_atom, uint64_t>();
  CHECK(text_of(b.call(port, "hello")) == "hello");
  CHECK(text_of(b.call(port, std::string(100000, 'x'))).size() == 100000);
  CHECK(text_of(b.call(port, "stderr:a line for the log")) == "logged");
  auto err = error_of(b.call(port, "error"));
  CHECK(is(err, pool_errc::port_failed));
  CHECK(describe_pool_error(err).find("asked to fail") != std::string::npos);
  CHECK(text_of(b.call(port, "still here")) == "still here"); // pings went on meanwhile
}

TEST_CASE("a port whose worker does not answer in time fails the request and exits",
          "[port]") {
  port_bench b{testkit::fixture_options::leak_checked()};
  auto opts = echo_opts();
  opts.request_timeout = 300ms;
  auto port = b.start(opts);
  b.ctx.expect_message<supervision::ready_atom, uint64_t>();
  b.client.watch(port);
  auto err = error_of(b.call(port, "hang"));
  CHECK(is(err, pool_errc::request_timeout));
  auto reason = b.client.expect_terminated(port);
  CHECK(is(reason, pool_errc::request_timeout));
}

TEST_CASE("a port whose program cannot start fails its start", "[port]") {
  port_bench b{testkit::fixture_options::leak_checked()};
  port_options opts;
  opts.argv = {"/nonexistent/keel-worker"};
  b.start(opts);
  auto m = b.ctx.fish_for([](const caf::message& m) {
    return m.match_elements<supervision::init_fail_atom, uint64_t, caf::error>();
  });
  CHECK(is(m.get_as<caf::error>(2), pool_errc::port_failed));
}

TEST_CASE("a pool of external workers replaces a crashed worker and leaves no process behind",
          "[port][pool]") {
  testkit::fixture fx{testkit::fixture_options::full()};
  pool_options opts;
  opts.name = "ext";
  opts.size = 3;
  opts.on_death = config::on_worker_death::retry;
  opts.events = fx.events(); // the workers' supervisor reports to the test's journal
  auto pool = fx.start_supervised(pool_child(opts, port_worker(echo_opts())));
  REQUIRE(pool);
  auto client = fx.make_probe("client");
  auto relay = fx.spawn(test::relay, client.handle());
  auto call = [&](std::string what) {
    caf::anon_send(relay, call_atom::value, *pool, caf::make_message(std::move(what)));
    auto m = client.try_next();
    REQUIRE(m);
    return *m;
  };
  for (int i = 0; i < 6; ++i)
    CHECK(text_of(call("n" + std::to_string(i))) == "n" + std::to_string(i));
  // "crash" kills whichever worker gets it, and its retry too: failed back, clearly.
  auto err = error_of(call("crash"));
  CHECK(is(err, pool_errc::worker_died));
  CHECK(describe_pool_error(err).find("retry failed too") != std::string::npos);
  // Both killed workers come back (the supervisor restarts them with backoff) before the
  // pool is asked again: a request can only fail while two workers are down at once.
  auto count = [&](supervision::event_type type) {
    size_t n = 0;
    for (auto& ev : fx.journal())
      if (ev.type == type && ev.supervisor == "ext-workers")
        ++n;
    return n;
  };
  while (count(supervision::event_type::child_started)
         < 3 + count(supervision::event_type::child_exited))
    fx.await_event([](const supervision::event& ev) {
      return ev.type == supervision::event_type::child_started && ev.supervisor == "ext-workers";
    });
  // Grandchildren in the workers' process groups go down with them at teardown.
  CHECK(!text_of(call("spawn")).empty());
  for (int i = 0; i < 6; ++i)
    CHECK(text_of(call("m" + std::to_string(i))) == "m" + std::to_string(i));
  // Teardown: the leak check fails the test if a worker process, thread or fd is left.
}
