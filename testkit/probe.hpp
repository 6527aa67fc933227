// keel::testkit::probe: an actor whose mailbox the test thread reads, with deadlines.
//
// A probe is an ordinary event-based actor (so it never counts as a blocking scoped_actor
// that would keep the actor system alive); everything it receives is queued for the test
// thread, which waits with a deadline. Down messages of actors it was asked to watch are kept
// apart, for expect_terminated. Probes are created by a fixture and stopped by its teardown.
// In deterministic mode the probe runs the test scheduler until idle before it looks.
// Thread-safety: one test thread uses a probe; actors may send to handle() from anywhere.
#pragma once

#include "testkit/time.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

namespace keel::testkit {

namespace detail {
struct probe_state;
} // namespace detail

class fixture;

class probe {
public:
  // -- construction ---------------------------------------------------------

  /// Created by fixture::make_probe; the fixture owns the actor.
  probe(std::shared_ptr<detail::probe_state> st, caf::actor handle);

  // -- properties -----------------------------------------------------------

  /// The actor to send messages to (pass it as `reply_to`, subscriber, ...).
  [[nodiscard]] const caf::actor& handle() const { return handle_; }

  /// Number of messages received and not yet taken.
  [[nodiscard]] size_t pending() const;

  // -- waiting for messages -------------------------------------------------

  /// Takes the next message, or nullopt when none arrives within `timeout`.
  [[nodiscard]] std::optional<caf::message>
  try_next(std::chrono::milliseconds timeout = default_timeout());

  /// Takes the next message; it must consist of exactly `Ts...`, else the test FAILs naming
  /// what came instead (or that nothing came within `timeout`).
  template <class... Ts>
  std::tuple<Ts...> expect_message(std::chrono::milliseconds timeout = default_timeout()) {
    auto msg = next_or_fail(timeout, type_names<Ts...>());
    if (!msg.template match_elements<Ts...>())
      fail_unexpected(msg, type_names<Ts...>());
    return take<Ts...>(msg, std::index_sequence_for<Ts...>{});
  }

  /// FAILs the test if any message arrives within `duration`.
  void expect_no_message(std::chrono::milliseconds duration);

  /// Skips messages until `pred` returns true for one, which is returned; FAILs at the deadline.
  caf::message fish_for(const std::function<bool(const caf::message&)>& pred,
                        std::chrono::milliseconds timeout = default_timeout());

  // -- waiting for termination ----------------------------------------------

  /// Starts watching `whom` (a monitor from the probe actor). Call before triggering the exit
  /// when the actor may stop quickly; expect_terminated watches by itself otherwise.
  void watch(const caf::actor& whom);

  /// Waits for `whom` to terminate and returns its exit reason; FAILs at the deadline.
  caf::error expect_terminated(const caf::actor& whom,
                               std::chrono::milliseconds timeout = default_timeout());

  /// Like expect_terminated, but returns nullopt instead of failing.
  std::optional<caf::error> try_terminated(const caf::actor& whom,
                                           std::chrono::milliseconds timeout = default_timeout());

private:
  template <class... Ts>
  static std::string type_names() {
    std::string out;
    ((out += (out.empty() ? "" : ", ") + demangle(typeid(Ts).name())), ...);
    return "(" + out + ")";
  }

  static std::string demangle(const char* name);

  template <class... Ts, size_t... Is>
  static std::tuple<Ts...> take(const caf::message& msg, std::index_sequence<Is...>) {
    return std::tuple<Ts...>{msg.get_as<Ts>(Is)...};
  }

  caf::message next_or_fail(std::chrono::milliseconds timeout, const std::string& expected);
  [[noreturn]] void fail_unexpected(const caf::message& msg, const std::string& expected);

  std::shared_ptr<detail::probe_state> st_;
  caf::actor handle_;
};

} // namespace keel::testkit
