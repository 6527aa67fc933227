// Internal to keel::supervision: the supervisor actor. Users create one through
// spawn_supervisor / start_supervisor (supervisor.hpp) and talk to it by message.
//
// Work that must happen in order (ordered start, reverse-order stop, group restarts) is a
// queue of `op`s; each op is a list of steps (start child / stop child) that run one at a time,
// each step waiting for the child's ready or down message. Child exits that arrive while an
// op runs are deferred and decided afterwards (OTP handles them after its synchronous work,
// ignoring exits of incarnations that were replaced meanwhile: so do we, by `gen`).
#pragma once

#include "supervision/detail/child_record.hpp"
#include "supervision/events.hpp"
#include "supervision/supervisor.hpp"

#include <caf/event_based_actor.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace spdlog {
class logger;
} // namespace spdlog

namespace keel::supervision::detail {

class supervisor_actor : public caf::event_based_actor {
public:
  supervisor_actor(caf::actor_config& cfg, supervisor_options opts, start_context ctx);

  caf::behavior make_behavior() override;

  const char* name() const override { return "keel.supervisor"; }

  // -- internals shared by the .cpp files of this class -----------------------

  struct step {
    bool start;
    uint64_t uid;
    /// A stop of every child at once, waiting for all (uid unused): simple_one_for_one's
    /// shutdown, as OTP stops such children asynchronously.
    bool all = false;
  };

  struct op {
    uint64_t id;
    std::deque<step> steps;
    /// Called with none when every step ran, or with the error and uid of a failed start.
    std::function<void(caf::error, uint64_t)> done;
  };

  struct deferred_exit {
    uint64_t uid;
    uint64_t gen;
    caf::error reason;
  };

  // lifecycle (supervisor_actor.cpp)
  void start_initial_children();
  void queue_steps(std::deque<step> steps, std::function<void(caf::error, uint64_t)> done);
  void pump();
  void run_step(step s);
  void stop_all_at_once();
  void begin_start(child_record& c, std::function<void(caf::error)> k);
  void begin_stop(child_record& c, std::function<void()> k);
  void on_ready(uint64_t token);
  void on_init_fail(uint64_t token, caf::error err);
  void on_start_timeout(uint64_t uid, uint64_t token);
  void on_stop_timeout(uint64_t uid, uint64_t gen);
  void on_down(caf::down_msg& dm);
  void on_exit(caf::exit_msg& em);
  void shutdown(caf::error reason);

  // restarts (restart.cpp)
  void decide(const deferred_exit& d);
  void restart_after_crash(child_record& c, const caf::error& reason);
  bool add_restart();
  std::vector<uint64_t> restart_group(const child_record& c) const;
  void start_group(std::vector<uint64_t> group);
  void on_backoff_due(uint64_t uid, uint64_t gen);
  void check_auto_shutdown(bool significant);

  // requests and child_ref (api.cpp)
  caf::behavior api_behavior();
  void forward(const std::string& id, caf::message& msg);
  void deliver_parked(child_record& c);
  void fail_parked(child_record& c, const caf::error& reason);
  void fail_back(parked_message& pm, const std::string& id, const caf::error& reason);

  // helpers
  child_record* find(uint64_t uid);
  child_record* find(const std::string& id);
  child_record* find_by_addr(const caf::actor_addr& addr);
  void remove(uint64_t uid);
  void emit(event_type type, const child_record* c, caf::error reason = {},
            std::chrono::milliseconds delay = {});
  std::string describe_child(const child_record& c) const;

  supervisor_options opts_;
  start_context ctx_;
  std::optional<child_spec> template_;
  std::vector<std::unique_ptr<child_record>> children_;
  std::shared_ptr<spdlog::logger> log_;
  std::deque<op> ops_;
  std::deque<deferred_exit> deferred_;
  std::deque<caf::actor_clock::time_point> restarts_;
  uint64_t next_uid_ = 1;
  uint64_t next_token_ = 1;
  uint64_t next_op_ = 1;
  uint64_t next_dynamic_ = 1;
  bool waiting_ = false;
  bool pumping_ = false;
  bool ready_ = false;
  bool shutting_down_ = false;
};

} // namespace keel::supervision::detail
