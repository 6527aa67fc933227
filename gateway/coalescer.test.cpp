#include "gateway/detail/coalescer.hpp"

#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace keel::gateway;
using keel::gateway::detail::coalescer;

namespace {

/// Records every execute() and answers each command with its first argument (or throws).
class echo_backend final : public backend {
public:
  void execute(std::vector<command> batch, done_handler done) override {
    calls.push_back(batch);
    if (fail)
      throw std::runtime_error("boom");
    std::vector<reply> out;
    for (auto& c : batch)
      out.push_back(reply::bulk(c.size() > 1 ? c[1] : c[0]));
    done(std::move(out));
  }
  backend_stats stats() const override { return {}; }

  std::vector<std::vector<command>> calls;
  bool fail = false;
};

std::vector<command> batch_of(const std::string& prefix, int n) {
  std::vector<command> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"GET", prefix + std::to_string(i)});
  return out;
}

std::vector<reply> bulks(const std::string& prefix, int n) {
  std::vector<reply> out;
  for (int i = 0; i < n; ++i)
    out.push_back(reply::bulk(prefix + std::to_string(i)));
  return out;
}

} // namespace

TEST_CASE("batches submitted in one turn of the I/O loop reach the backend as one call") {
  boost::asio::io_context io;
  echo_backend b;
  detail::counter_cells numbers;
  coalescer c{io, b, numbers};
  std::vector<std::vector<reply>> got(3);
  boost::asio::post(io, [&] {
    c.submit(batch_of("a", 2), [&](std::vector<reply> r) { got[0] = std::move(r); });
    c.submit(batch_of("b", 3), [&](std::vector<reply> r) { got[1] = std::move(r); });
    c.submit(batch_of("c", 1), [&](std::vector<reply> r) { got[2] = std::move(r); });
    CHECK(b.calls.empty()); // nothing goes out before the turn ends
  });
  io.run();
  REQUIRE(b.calls.size() == 1);
  CHECK(b.calls[0].size() == 6);
  CHECK(b.calls[0][2] == command{"GET", "b0"});
  CHECK(got[0] == bulks("a", 2));
  CHECK(got[1] == bulks("b", 3));
  CHECK(got[2] == bulks("c", 1));
  CHECK(numbers.batches == 1);
  CHECK(numbers.batched_commands == 6);
}

TEST_CASE("batches of later turns go in later backend calls") {
  boost::asio::io_context io;
  echo_backend b;
  detail::counter_cells numbers;
  coalescer c{io, b, numbers};
  std::vector<reply> first, second;
  boost::asio::post(io, [&] {
    c.submit(batch_of("a", 1), [&](std::vector<reply> r) {
      first = std::move(r);
      // Submitted while delivering: a new turn, so a new call.
      c.submit(batch_of("b", 2), [&](std::vector<reply> r2) { second = std::move(r2); });
    });
  });
  io.run();
  CHECK(b.calls.size() == 2);
  CHECK(first == bulks("a", 1));
  CHECK(second == bulks("b", 2));
}

TEST_CASE("a turn that gathers max_commands flushes at once") {
  boost::asio::io_context io;
  echo_backend b;
  detail::counter_cells numbers;
  coalescer c{io, b, numbers};
  int answered = 0;
  auto big = coalescer::max_commands;
  boost::asio::post(io, [&] {
    c.submit(batch_of("a", static_cast<int>(big)),
             [&](std::vector<reply> r) { answered += r.size() == big; });
    CHECK(b.calls.size() == 1);
    c.submit(batch_of("b", 1), [&](std::vector<reply> r) { answered += r == bulks("b", 1); });
    CHECK(b.calls.size() == 1);
  });
  io.run();
  CHECK(b.calls.size() == 2);
  CHECK(answered == 2);
}

TEST_CASE("a backend that throws answers every batch of the call with errors") {
  boost::asio::io_context io;
  echo_backend b;
  b.fail = true;
  detail::counter_cells numbers;
  coalescer c{io, b, numbers};
  std::vector<std::vector<reply>> got(2);
  boost::asio::post(io, [&] {
    c.submit(batch_of("a", 2), [&](std::vector<reply> r) { got[0] = std::move(r); });
    c.submit(batch_of("b", 1), [&](std::vector<reply> r) { got[1] = std::move(r); });
  });
  io.run();
  CHECK(got[0] == std::vector<reply>(2, reply::error("ERR backend failure")));
  CHECK(got[1] == std::vector<reply>(1, reply::error("ERR backend failure")));
}
