#include "supervision/child_ref.hpp"

#include <caf/send.hpp>

namespace keel::supervision {

void child_ref::send(const caf::actor& from, caf::message content) const {
  if (from)
    caf::send_as(from, sup_, envelope(std::move(content)));
  else
    caf::anon_send(sup_, envelope(std::move(content)));
}

} // namespace keel::supervision
