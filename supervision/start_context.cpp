#include "supervision/start_context.hpp"

#include "supervision/atoms.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace keel::supervision {

start_context::start_context(caf::actor_system& sys, caf::actor notify, std::string child_id,
                             uint64_t token, caf::message args)
  : sys_(&sys),
    notify_(notify.address()),
    id_(std::move(child_id)),
    token_(token),
    args_(std::move(args)) {
  // nop
}

caf::actor start_context::notify() const {
  return caf::actor_cast<caf::actor>(notify_);
}

void start_context::ready() const {
  if (auto hdl = notify())
    caf::anon_send(hdl, ready_atom::value, token_);
}

void start_context::fail(caf::error err) const {
  if (auto hdl = notify())
    caf::anon_send(hdl, init_fail_atom::value, token_, std::move(err));
}

} // namespace keel::supervision
