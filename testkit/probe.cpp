#include "testkit/probe.hpp"

#include "testkit/detail/probe_state.hpp"

#include <catch2/catch.hpp>

#include <cxxabi.h>

namespace keel::testkit {

namespace {

using watch_atom = caf::atom_constant<caf::atom("kt_watch")>;

using clock_type = std::chrono::steady_clock;

std::string format_ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

} // namespace

probe::probe(std::shared_ptr<detail::probe_state> st, caf::actor handle)
  : st_(std::move(st)), handle_(std::move(handle)) {
  // nop
}

std::string probe::demangle(const char* name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || out == nullptr)
    return name;
  std::string result{out};
  std::free(out);
  return result;
}

size_t probe::pending() const {
  if (st_->drive)
    st_->drive();
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->inbox.size();
}

std::optional<caf::message> probe::try_next(std::chrono::milliseconds timeout) {
  if (st_->drive)
    st_->drive();
  std::unique_lock<std::mutex> guard{st_->mtx};
  // In deterministic mode nothing can arrive while we wait: time is virtual.
  if (!st_->drive)
    st_->cv.wait_for(guard, timeout, [this] { return !st_->inbox.empty(); });
  if (st_->inbox.empty())
    return std::nullopt;
  auto msg = std::move(st_->inbox.front());
  st_->inbox.pop_front();
  return msg;
}

caf::message probe::next_or_fail(std::chrono::milliseconds timeout, const std::string& expected) {
  auto msg = try_next(timeout);
  if (!msg)
    FAIL("probe: expected a message " << expected << " within " << format_ms(timeout)
                                      << ", but none arrived");
  return std::move(*msg);
}

void probe::fail_unexpected(const caf::message& msg, const std::string& expected) {
  FAIL("probe: expected a message " << expected << ", got " << caf::to_string(msg));
  std::abort(); // unreachable: FAIL throws
}

void probe::expect_no_message(std::chrono::milliseconds duration) {
  auto msg = try_next(duration);
  if (msg)
    FAIL("probe: expected no message within " << format_ms(duration) << ", got "
                                              << caf::to_string(*msg));
}

caf::message probe::fish_for(const std::function<bool(const caf::message&)>& pred,
                             std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  std::vector<std::string> skipped;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    auto msg = try_next(std::max(left, std::chrono::milliseconds{0}));
    if (!msg) {
      std::string seen;
      for (auto& s : skipped)
        seen += "\n  skipped: " + s;
      FAIL("probe: no matching message within " << format_ms(timeout) << seen);
    }
    if (pred(*msg))
      return std::move(*msg);
    skipped.emplace_back(caf::to_string(*msg));
  }
}

void probe::watch(const caf::actor& whom) {
  caf::anon_send(handle_, watch_atom::value, whom);
  if (st_->drive)
    st_->drive();
}

std::optional<caf::error> probe::try_terminated(const caf::actor& whom,
                                                std::chrono::milliseconds timeout) {
  watch(whom);
  auto addr = whom.address();
  auto find = [&]() -> std::optional<caf::error> {
    for (auto& dm : st_->downs)
      if (dm.source == addr)
        return dm.reason;
    return std::nullopt;
  };
  if (st_->drive)
    st_->drive();
  std::unique_lock<std::mutex> guard{st_->mtx};
  if (!st_->drive)
    st_->cv.wait_for(guard, timeout, [&] { return find().has_value(); });
  return find();
}

caf::error probe::expect_terminated(const caf::actor& whom, std::chrono::milliseconds timeout) {
  auto reason = try_terminated(whom, timeout);
  if (!reason)
    FAIL("probe: actor #" << whom.id() << " did not terminate within " << format_ms(timeout));
  return std::move(*reason);
}

namespace detail {

/// The probe actor: queues everything for the test thread; watches on request.
caf::behavior probe_actor(caf::event_based_actor* self, std::shared_ptr<probe_state> st) {
  self->set_down_handler([st](caf::scheduled_actor*, caf::down_msg& dm) {
    std::lock_guard<std::mutex> guard{st->mtx};
    st->downs.emplace_back(std::move(dm));
    st->cv.notify_all();
  });
  self->set_default_handler(
    [st](caf::scheduled_actor*, caf::message_view& xs) -> caf::result<caf::message> {
      std::lock_guard<std::mutex> guard{st->mtx};
      st->inbox.emplace_back(xs.move_content_to_message());
      st->cv.notify_all();
      return caf::message{};
    });
  return {
    [self](watch_atom, const caf::actor& whom) { self->monitor(whom); },
  };
}

} // namespace detail

} // namespace keel::testkit
