// keel::runtime::node: a running keel node, assembled from a validated config.
//
// start() builds the actor system (scheduler threads from the config), spawns the root of the
// actor tree and waits for its ready handshake; stop() asks the root to shut down (children in
// reverse start order) and waits until it is confirmed down. A failed start rolls back what it
// started. The destructor stops a node that is still running.
// Thread-safety: one thread owns a node; the root and its tree are actors.
#pragma once

#include "config/node_config.hpp"
#include "runtime/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace keel::runtime {

class node {
public:
  // -- construction ---------------------------------------------------------

  explicit node(config::node_config cfg);
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // -- lifecycle ------------------------------------------------------------

  /// Called (from an actor thread) when the root goes down, with its exit reason.
  using down_callback = std::function<void(const caf::error&)>;

  /// Called (on the gateway's I/O thread) when a client sends SHUTDOWN, with who it was.
  using shutdown_callback = std::function<void(const std::string& who)>;
  /// Starts the actor system and the tree; returns once the root reported ready, or the
  /// error that failed the start (the tree is then stopped again). `on_down`, if set, is
  /// called when the root goes down for whatever reason (a stop, or a failure that its
  /// restart intensity could not absorb). `on_shutdown`, if set, hears a client's SHUTDOWN
  /// (the owner then stops the node); without it the gateway refuses SHUTDOWN.
  [[nodiscard]] caf::error start(down_callback on_down = {}, shutdown_callback on_shutdown = {});

  /// Asks the root to shut down and returns at once; see stop() to wait.
  void request_stop();

  /// Stops the tree (reverse start order) and waits until the root is confirmed down.
  /// Returns the root's exit reason (none or user_shutdown for a clean stop).
  caf::error stop();

  // -- properties -----------------------------------------------------------

  [[nodiscard]] caf::actor_system& sys() { return *sys_; }

  /// The root of the actor tree (invalid before start and after stop).
  [[nodiscard]] const caf::actor& root() const { return root_; }

  [[nodiscard]] const config::node_config& cfg() const { return cfg_; }

  /// The node's metrics, served on /metrics.
  [[nodiscard]] metrics_registry& metrics() { return metrics_; }

  /// The node's event bus: every supervisor of the tree publishes its lifecycle events here
  /// (subscribe with supervision::subscribe_atom).
  [[nodiscard]] const caf::actor& events() const { return bus_; }

private:
  config::node_config cfg_;
  metrics_registry metrics_; ///< outlives the actor system, whose actors update it
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::actor root_;
  caf::actor watcher_; ///< reports the root's down message to start()'s callback
  caf::actor bus_;     ///< lifecycle events of the whole tree
  caf::actor metrics_subscriber_; ///< counts the bus's events into metrics_
};

} // namespace keel::runtime
