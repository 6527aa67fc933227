// keel::supervision::child_ref: a stable handle to "whatever incarnation of child X is current".
//
// A restarted child is a new actor with a new address; a child_ref names (supervisor, id)
// instead. Messages sent through it go to the supervisor, which delivers them to the current
// incarnation with the original sender and request id, so replies go straight back to the
// sender. While the child is starting or restarting, messages are parked (up to
// supervisor_options::child_ref_queue per child) and delivered, in order, once the next
// incarnation reported ready. When the child is not coming back (terminated, deleted,
// temporary, supervisor shut down) or the queue is full, a message is failed back: a request
// gets a `child_unavailable` error as its response, an asynchronous message comes back to its
// sender as `(unavailable_atom, id, error, original message)`. Nothing is silently dropped,
// except what CAF itself drops when the supervisor is no longer alive.
//
// Thread-safety: an immutable value; copy it freely.
#pragma once

#include "supervision/atoms.hpp"

#include <caf/actor.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <string>

namespace keel::supervision {

class child_ref {
public:
  child_ref() = default;

  /// A handle to child `id` of `supervisor`.
  child_ref(caf::actor supervisor, std::string id)
    : sup_(std::move(supervisor)), id_(std::move(id)) {
    // nop
  }

  // -- properties -----------------------------------------------------------

  [[nodiscard]] const caf::actor& supervisor() const { return sup_; }

  [[nodiscard]] const std::string& id() const { return id_; }

  [[nodiscard]] explicit operator bool() const { return static_cast<bool>(sup_); }

  // -- messaging --------------------------------------------------------------

  /// The message to send (or request) to supervisor() so that `content` reaches the child:
  /// `self->request(ref.supervisor(), timeout, ref.envelope(make_message(get_atom::value)))`.
  [[nodiscard]] caf::message envelope(caf::message content) const {
    return caf::make_message(forward_atom::value, id_, std::move(content));
  }

  /// envelope(make_message(xs...)).
  template <class... Ts>
  [[nodiscard]] caf::message envelope_of(Ts&&... xs) const {
    return envelope(caf::make_message(std::forward<Ts>(xs)...));
  }

  /// Sends `content` to the current incarnation as `from` (invalid: anonymously; then a
  /// failed delivery can only be logged).
  void send(const caf::actor& from, caf::message content) const;

private:
  caf::actor sup_;
  std::string id_;
};

} // namespace keel::supervision
