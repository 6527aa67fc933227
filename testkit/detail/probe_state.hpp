// Internal to keel::testkit: the queue shared by a probe actor and the test thread.
// Not for users: its layout changes without notice.
#pragma once

#include <caf/all.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace keel::testkit::detail {

struct probe_state {
  std::mutex mtx;
  std::condition_variable cv;
  std::deque<caf::message> inbox;
  std::vector<caf::down_msg> downs;
  /// Set in deterministic mode: runs the test scheduler until idle before each look.
  std::function<void()> drive;
};

/// The probe actor: queues every message for the test thread; monitors on request.
caf::behavior probe_actor(caf::event_based_actor* self, std::shared_ptr<probe_state> st);

} // namespace keel::testkit::detail
