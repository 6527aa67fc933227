#include "testkit/shared.hpp"

// The listener below needs Catch2's reporter interfaces outside Catch2's main.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <thread>

namespace keel::testkit {

namespace {

std::string what_of(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

std::string format_ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// One function per resource, run in parallel, each in its own thread, waited for with one
// deadline. What a job finishes after the deadline is handed to `late` in its own thread.
struct parallel_jobs {
  struct outcome {
    bool done = false;
    std::shared_ptr<void> instance;
    std::string error;
  };

  std::mutex mtx;
  std::condition_variable cv;
  std::vector<outcome> outcomes;
  size_t pending = 0;
  bool abandoned = false;
};

using job_fn = std::function<std::shared_ptr<void>()>;
using late_fn = std::function<void(std::shared_ptr<void>)>;

// Runs every job in its own thread and waits until all are done or `timeout` passed; returns
// the outcomes (done == false: missed the deadline; its thread runs on, detached).
std::vector<parallel_jobs::outcome> run_parallel(std::vector<job_fn> jobs,
                                                 std::vector<late_fn> late,
                                                 std::chrono::milliseconds timeout) {
  auto state = std::make_shared<parallel_jobs>();
  state->outcomes.resize(jobs.size());
  state->pending = jobs.size();
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([state, i, job{std::move(jobs[i])}, late{std::move(late[i])}] {
      parallel_jobs::outcome res;
      try {
        res.instance = job();
      } catch (...) {
        res.error = what_of(std::current_exception());
      }
      std::unique_lock<std::mutex> guard{state->mtx};
      if (state->abandoned) {
        guard.unlock();
        if (res.instance && late)
          late(std::move(res.instance));
        return;
      }
      res.done = true;
      state->outcomes[i] = std::move(res);
      if (--state->pending == 0)
        state->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> guard{state->mtx};
  state->cv.wait_for(guard, timeout, [&] { return state->pending == 0; });
  state->abandoned = true;
  auto outcomes = std::move(state->outcomes);
  guard.unlock();
  for (size_t i = 0; i < threads.size(); ++i) {
    if (outcomes[i].done)
      threads[i].join();
    else
      threads[i].detach();
  }
  return outcomes;
}

} // namespace

// -- shared_registry ----------------------------------------------------------

shared_registry::shared_registry(std::chrono::milliseconds start_timeout,
                                 std::chrono::milliseconds stop_timeout)
  : start_timeout_(start_timeout), stop_timeout_(stop_timeout) {
  // nop
}

shared_registry::~shared_registry() {
  for (auto& problem : stop_all())
    std::fprintf(stderr, "keel testkit: %s\n", problem.c_str());
}

shared_registry& shared_registry::global() {
  static shared_registry reg;
  return reg;
}

void shared_registry::next_test() {
  std::lock_guard<std::mutex> guard{mtx_};
  ++test_;
}

void shared_registry::add(detail::shared_slot* slot) {
  std::lock_guard<std::mutex> guard{mtx_};
  slots_.push_back(slot);
}

void shared_registry::remove(detail::shared_slot* slot) {
  std::shared_ptr<void> instance;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
    if (slot->state_ != detail::shared_slot::state::running)
      return;
    instance = std::move(slot->instance_);
    slot->state_ = detail::shared_slot::state::idle;
  }
  // The run ended without stop_all (no Catch2 run): stop it here, in this thread.
  try {
    slot->stop_(instance.get());
  } catch (...) {
    std::fprintf(stderr, "keel testkit: shared resource '%s' failed to stop: %s\n",
                 slot->name_.c_str(), what_of(std::current_exception()).c_str());
  }
}

void shared_registry::start_all(std::unique_lock<std::mutex>&) {
  std::vector<detail::shared_slot*> idle;
  std::vector<job_fn> jobs;
  std::vector<late_fn> late;
  for (auto* slot : slots_) {
    if (slot->state_ != detail::shared_slot::state::idle)
      continue;
    idle.push_back(slot);
    jobs.push_back(slot->start_);
    late.push_back([stop{slot->stop_}](std::shared_ptr<void> instance) {
      try {
        stop(instance.get());
      } catch (...) {
        // Nobody is left to tell: the tests were already told it did not start.
      }
    });
  }
  auto timeout = scaled(start_timeout_);
  auto outcomes = run_parallel(std::move(jobs), std::move(late), timeout);
  for (size_t i = 0; i < idle.size(); ++i) {
    auto* slot = idle[i];
    auto& res = outcomes[i];
    if (!res.done) {
      slot->state_ = detail::shared_slot::state::failed;
      slot->failure_ = "it did not start within " + format_ms(timeout)
                       + " (its start function must bound its own waits)";
    } else if (!res.instance) {
      slot->state_ = detail::shared_slot::state::failed;
      slot->failure_ = res.error.empty() ? "its start function returned no instance" : res.error;
    } else {
      slot->state_ = detail::shared_slot::state::running;
      slot->instance_ = std::move(res.instance);
      slot->used_in_ = 0;
    }
  }
}

std::vector<std::string> shared_registry::stop_all() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<detail::shared_slot*> running;
  std::vector<job_fn> jobs;
  std::vector<late_fn> late;
  for (auto* slot : slots_) {
    if (slot->state_ == detail::shared_slot::state::running) {
      running.push_back(slot);
      // The job holds the last reference: the instance is destroyed in the job's thread, right
      // after its stop, in parallel with the others.
      jobs.push_back([stop{slot->stop_}, instance{std::move(slot->instance_)}]() mutable {
        stop(instance.get());
        instance.reset();
        return std::make_shared<int>(0);
      });
      late.emplace_back();
    }
    slot->state_ = detail::shared_slot::state::idle;
    slot->instance_.reset();
    slot->failure_.clear();
    slot->used_in_ = 0;
  }
  auto timeout = scaled(stop_timeout_);
  auto outcomes = run_parallel(std::move(jobs), std::move(late), timeout);
  std::vector<std::string> problems;
  for (size_t i = 0; i < running.size(); ++i) {
    auto& name = running[i]->name_;
    if (!outcomes[i].done)
      problems.push_back("shared resource '" + name + "' did not stop within "
                         + format_ms(timeout) + "; left running until the process exits");
    else if (!outcomes[i].error.empty())
      problems.push_back("shared resource '" + name + "' failed to stop: " + outcomes[i].error);
  }
  return problems;
}

// -- shared_slot --------------------------------------------------------------

namespace detail {

shared_slot::shared_slot(shared_registry& reg, std::string name, start_fn start, use_fn reset,
                         use_fn stop)
  : reg_(reg),
    name_(std::move(name)),
    start_(std::move(start)),
    reset_(std::move(reset)),
    stop_(std::move(stop)) {
  reg_.add(this);
}

shared_slot::~shared_slot() {
  reg_.remove(this);
}

void* shared_slot::acquire(std::string& why) {
  std::unique_lock<std::mutex> guard{reg_.mtx_};
  if (state_ == state::idle)
    reg_.start_all(guard);
  if (state_ == state::failed) {
    why = "shared resource '" + name_ + "' did not start: " + failure_;
    return nullptr;
  }
  if (used_in_ != 0 && used_in_ != reg_.test_) {
    try {
      reset_(instance_.get());
    } catch (...) {
      why = "shared resource '" + name_ + "' could not be reset for this test: "
            + what_of(std::current_exception());
      return nullptr;
    }
  }
  used_in_ = reg_.test_;
  return instance_.get();
}

void* shared_slot::acquire_or_fail() {
  std::string why;
  auto* ptr = acquire(why);
  if (ptr == nullptr)
    FAIL("testkit: " << why);
  return ptr;
}

} // namespace detail

// -- the Catch2 listener that drives the global registry ----------------------

namespace {

// Every run of a test case's body is a new test for the shared resources (sections and
// generators run the body again); the run's end stops them.
class shared_listener : public Catch::TestEventListenerBase {
public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    depth_ = 0;
    TestEventListenerBase::testCaseStarting(info);
  }

  void sectionStarting(const Catch::SectionInfo& info) override {
    if (depth_++ == 0)
      shared_registry::global().next_test();
    TestEventListenerBase::sectionStarting(info);
  }

  void sectionEnded(const Catch::SectionStats& stats) override {
    if (depth_ > 0)
      --depth_;
    TestEventListenerBase::sectionEnded(stats);
  }

  void testRunEnded(const Catch::TestRunStats& stats) override {
    for (auto& problem : shared_registry::global().stop_all())
      std::fprintf(stderr, "keel testkit: %s\n", problem.c_str());
    TestEventListenerBase::testRunEnded(stats);
  }

private:
  size_t depth_ = 0;
};

} // namespace

CATCH_REGISTER_LISTENER(shared_listener)

} // namespace keel::testkit
