// keel::testkit::shared_resource: an expensive resource (a pool of external workers) that the
// tests of one binary share, reset between tests, started in parallel with its peers.
//
// A test binary declares each resource once, at namespace scope, with three functions:
//
//   start: builds the resource (its own actor system, processes, ...); runs in a thread of its
//          own, in parallel with the start of every other resource of the binary;
//   reset: returns it to the state start left it in (runs before a test that uses it when an
//          earlier test did; never for the first test that uses it);
//   stop:  stops it; runs once, when the test run ends (a Catch2 listener), in parallel with
//          the stop of the others; the resource is destroyed right after.
//
// A test calls get(). The first get() of the run starts every declared resource of its
// registry at once (one thread each) and waits for all of them with one deadline; later calls
// only reset. A start that fails or misses the deadline fails every test that asks for that
// resource, naming it and the reason; the other resources and the rest of the binary go on.
// The same holds for a failed reset, for that test. The functions report failure by throwing
// (a std::exception's what() is the reason); they run outside the test, so no Catch2
// assertions in them. All three functions must bound their own
// waits (deadlines, never sleeps): a start that does not return is abandoned at the deadline
// (its thread stops what it finally builds), a stop that does not return is reported on
// stderr and abandoned with the process.
//
// Isolation: a shared resource must live in its own actor system, not in a test's fixture.
// Call get() before constructing a leak_checked fixture: leak counts are taken after the
// reset, so what start and reset created is the baseline, and a reset must leave no thread,
// fd or child process that only it needed. A test that changes the resource's processes (it
// crashes a worker, whose replacement is a new process) cannot also leak-check them.
//
// Thread-safety: get() is for the test thread; start, reset and stop never run concurrently
// for one resource. Lifetime: a resource outlives every test (it is a static); the reference
// get() returns is valid until the end of the test run.
#pragma once

#include "testkit/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace keel::testkit {

namespace detail {
class shared_slot;
} // namespace detail

/// The resources of one test binary (shared_registry::global()), or of a test that exercises
/// the mechanism itself. Drives start, reset and stop; knows which test run is current.
class shared_registry {
public:
  // -- construction ---------------------------------------------------------

  /// `start_timeout`: how long the parallel start of all resources may take; `stop_timeout`:
  /// how long their parallel stop may take (both scaled by KEEL_TEST_TIME_FACTOR).
  explicit shared_registry(std::chrono::milliseconds start_timeout = std::chrono::seconds{60},
                           std::chrono::milliseconds stop_timeout = std::chrono::seconds{30});

  /// Runs stop_all().
  ~shared_registry();

  shared_registry(const shared_registry&) = delete;
  shared_registry& operator=(const shared_registry&) = delete;

  /// The registry of this test binary: its resources start on the first get() of the run and
  /// stop when the run ends. Each run of a test case's body counts as a new test.
  [[nodiscard]] static shared_registry& global();

  // -- test boundaries --------------------------------------------------------

  /// A new test begins: a resource that an earlier test used is reset on its next get().
  /// The kit's Catch2 listener calls this for the global registry.
  void next_test();

  /// Stops every started resource, in parallel, each within the stop deadline, and destroys
  /// it; returns one line per stop that failed or missed the deadline. A later get() starts
  /// the resources again. The kit's Catch2 listener calls this when the run ends.
  std::vector<std::string> stop_all();

private:
  friend class detail::shared_slot;

  void add(detail::shared_slot* slot);
  void remove(detail::shared_slot* slot);
  void start_all(std::unique_lock<std::mutex>& guard);

  std::chrono::milliseconds start_timeout_;
  std::chrono::milliseconds stop_timeout_;
  std::mutex mtx_;
  std::vector<detail::shared_slot*> slots_;
  uint64_t test_ = 1;
};

namespace detail {

/// The untyped part of a shared_resource (internal: use shared_resource<T>).
class shared_slot {
public:
  using start_fn = std::function<std::shared_ptr<void>()>;
  using use_fn = std::function<void(void*)>;

  shared_slot(shared_registry& reg, std::string name, start_fn start, use_fn reset,
              use_fn stop);
  ~shared_slot();

  shared_slot(const shared_slot&) = delete;
  shared_slot& operator=(const shared_slot&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }

  /// The started, reset instance, or nullptr and the reason in `why`.
  void* acquire(std::string& why);

  /// acquire(), FAILing the current test when there is no instance.
  void* acquire_or_fail();

private:
  friend class keel::testkit::shared_registry;

  enum class state : uint8_t { idle, running, failed };

  shared_registry& reg_;
  std::string name_;
  start_fn start_;
  use_fn reset_;
  use_fn stop_;
  state state_ = state::idle;
  std::shared_ptr<void> instance_;
  std::string failure_;
  uint64_t used_in_ = 0;
};

} // namespace detail

/// A resource of type T shared by the tests of one binary (see the file comment).
template <class T>
class shared_resource {
public:
  using start_fn = std::function<std::unique_ptr<T>()>;
  using use_fn = std::function<void(T&)>;

  /// Declares the resource `name` in `reg`. Nothing starts until the first get().
  /// @pre all three are callable; `start` returns a non-null instance or throws.
  shared_resource(std::string name, start_fn start, use_fn reset, use_fn stop,
                  shared_registry& reg = shared_registry::global())
    : slot_(reg, std::move(name), wrap(std::move(start)), wrap(std::move(reset)),
            wrap(std::move(stop))) {
    // nop
  }

  /// The resource, ready for this test: started (with the registry's other resources) if the
  /// run has not started it yet, reset if an earlier test used it. FAILs the test, naming the
  /// resource and the reason, when it could not be started or reset.
  T& get() { return *static_cast<T*>(slot_.acquire_or_fail()); }

  /// Like get(), but nullptr and the reason in `why` instead of a test failure.
  T* try_get(std::string& why) { return static_cast<T*>(slot_.acquire(why)); }

  [[nodiscard]] const std::string& name() const { return slot_.name(); }

private:
  static detail::shared_slot::start_fn wrap(start_fn f) {
    return [f{std::move(f)}]() { return std::shared_ptr<void>{f()}; };
  }

  static detail::shared_slot::use_fn wrap(use_fn f) {
    return [f{std::move(f)}](void* ptr) { f(*static_cast<T*>(ptr)); };
  }

  detail::shared_slot slot_;
};

} // namespace keel::testkit
