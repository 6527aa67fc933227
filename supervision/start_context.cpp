#include "supervision/start_context.hpp"

#include "supervision/atoms.hpp"

#include <caf/send.hpp>

namespace keel::supervision {

start_context::start_context(caf::actor_system& sys, caf::actor notify, std::string child_id,
                             uint64_t token, caf::message args)
  : sys_(&sys),
    notify_(std::move(notify)),
    id_(std::move(child_id)),
    token_(token),
    args_(std::move(args)) {
  // nop
}

void start_context::ready() const {
  if (notify_)
    caf::anon_send(notify_, ready_atom::value, token_);
}

void start_context::fail(caf::error err) const {
  if (notify_)
    caf::anon_send(notify_, init_fail_atom::value, token_, std::move(err));
}

} // namespace keel::supervision
