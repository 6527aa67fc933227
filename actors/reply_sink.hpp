// keel::actors::reply_sink: where a shard host puts the replies of a batch sent by in-process
// code (the gateway's I/O thread, kv::client, actors that split their own batches), so that the
// replies skip the hops back through a router and a relay.
//
//   caf::anon_send(host, batch_atom::value, request_sink_ptr<Request, Reply>{sink});
//
// The sink carries its requests: the host takes them out (take()) when it runs them, then calls
// exactly one of deliver() (one reply per request, once durable: the reply barrier holds as for
// every other form) or fail(). A sink must also answer when neither is called: a host that dies
// with the batch in its mailbox or parked drops its last reference, so an implementation answers
// in its destructor if it was not answered. There taken() tells the two cases apart: requests
// never taken never reached the state machine (not applied; they are still in the sink, to be
// sent again), taken ones may or may not have been applied (see kv_direct.cpp, router.cpp).
//
// Both get the host's execution unit: a sink that messages an actor enqueues through it (see
// kv_direct.hpp's enqueue_from), which keeps the message on the host's scheduler thread instead
// of waking another one. Thread-safety: deliver() and fail() run on the host's thread; the destructor on
// whichever thread drops the last reference. Sinks never cross the network (local messages
// only).
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <type_traits>
#include <vector>

namespace keel::actors {

template <class Reply>
class reply_sink {
public:
  virtual ~reply_sink() = default;

  /// The replies of the batch, in request order; `ctx` is the host's execution unit.
  virtual void deliver(std::vector<Reply>&& replies, caf::execution_unit* ctx) = 0;

  /// The batch failed as a whole (the shard refused it or could not make it durable).
  virtual void fail(const caf::error& err, caf::execution_unit* ctx) = 0;
};

template <class Reply>
using reply_sink_ptr = std::shared_ptr<reply_sink<Reply>>;

/// A reply sink that carries the batch it answers.
template <class Request, class Reply>
class request_sink : public reply_sink<Reply> {
public:
  explicit request_sink(std::vector<Request> requests) : requests_(std::move(requests)) {
  }

  /// The requests, for the host that runs them (once).
  std::vector<Request> take() {
    taken_ = true;
    return std::move(requests_);
  }

protected:
  /// Whether a host took the requests (the last owner's view, in the destructor included).
  bool taken() const noexcept { return taken_; }

  /// The requests while not taken.
  std::vector<Request>& requests() noexcept { return requests_; }

private:
  std::vector<Request> requests_;
  bool taken_ = false;
};

template <class Request, class Reply>
using request_sink_ptr = std::shared_ptr<request_sink<Request, Reply>>;

} // namespace keel::actors

namespace caf {

template <class Request, class Reply>
struct allowed_unsafe_message_type<std::shared_ptr<keel::actors::request_sink<Request, Reply>>>
  : std::true_type {};

} // namespace caf
