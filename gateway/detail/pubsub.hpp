// keel::gateway::detail::pubsub_hub: Redis publish/subscribe among the clients of one gateway
// (internal; I/O thread only).
//
// SUBSCRIBE/PSUBSCRIBE register a subscriber for channels or glob patterns (Redis' glob, as
// KEYS); PUBLISH hands each subscriber the RESP2 message frames Redis sends ("message" for a
// channel, "pmessage" for each matching pattern) and returns how many it reached. Messages are
// not stored: a subscriber that is not connected when a message is published never sees it, as
// in Redis. The hub is per node: in a cluster a message reaches the subscribers of the node it
// was published on.
#pragma once

#include "gateway/command.hpp"
#include "gateway/reply.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keel::gateway::detail {

/// One subscribing connection, as the hub sees it.
class pubsub_subscriber {
public:
  virtual ~pubsub_subscriber() = default;
  /// Queues `frame` (one encoded RESP2 message) for the client, after what it already awaits.
  virtual void deliver(const std::string& frame) = 0;
};

class pubsub_hub {
public:
  enum class kind : uint8_t { channel, pattern };

  /// Adds `who` to `name`'s subscribers; false when it was one already.
  bool subscribe(kind k, const std::string& name, pubsub_subscriber* who);

  /// Removes `who` from `name`'s subscribers; false when it was not one.
  bool unsubscribe(kind k, const std::string& name, pubsub_subscriber* who);

  /// Delivers `message` to the subscribers of `channel` and of every pattern matching it;
  /// returns how many deliveries that made (a client subscribed both ways counts twice).
  int64_t publish(const std::string& channel, const std::string& message);

  /// PUBSUB CHANNELS [pattern]: the channels with a subscriber, sorted.
  [[nodiscard]] std::vector<std::string> channels(const std::string* pattern) const;
  /// PUBSUB NUMSUB: how many clients subscribe to `channel` (patterns not counted).
  [[nodiscard]] int64_t numsub(const std::string& channel) const;
  /// How many channels have a subscriber (INFO's pubsub_channels).
  [[nodiscard]] size_t channel_count() const { return channels_.size(); }
  /// PUBSUB NUMPAT: how many pattern subscriptions there are, over all clients.
  [[nodiscard]] int64_t numpat() const;

private:
  using table = std::map<std::string, std::set<pubsub_subscriber*>>;
  table& of(kind k) { return k == kind::channel ? channels_ : patterns_; }

  table channels_;
  table patterns_;
};

/// PUBLISH, PUBSUB [CHANNELS|NUMSUB|NUMPAT|HELP]: the reply. @pre cmd[0] is one of them.
[[nodiscard]] reply pubsub_command(const command& cmd, pubsub_hub& hub);

/// True for the commands a client in subscribed mode may still send (RESP2).
[[nodiscard]] bool allowed_when_subscribed(const command& cmd);

/// The error a client in subscribed mode gets for any other command: Redis' unknown-command
/// and arity errors first, then that only (P)(UN)SUBSCRIBE, PING and QUIT are allowed.
[[nodiscard]] reply not_allowed_when_subscribed(const command& cmd);

/// The reply frame of (P)SUBSCRIBE/(P)UNSUBSCRIBE for one channel or pattern (`name` null:
/// an UNSUBSCRIBE without arguments from a client with no subscription): [what, name, count].
[[nodiscard]] reply subscription_reply(const char* what, const std::string* name, int64_t count);

} // namespace keel::gateway::detail
