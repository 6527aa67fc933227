#include "testkit/faults.hpp"

#include "supervision/client.hpp"
#include "testkit/fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

namespace keel::testkit {

caf::actor crash_child(fixture& fx, const caf::actor& supervisor, const std::string& id,
                       caf::error reason) {
  supervision::supervisor_client client{fx.sys(), supervisor};
  auto children = client.which_children();
  if (!children)
    FAIL("crash_child: cannot list the children of the supervisor: "
         << fx.sys().render(children.error()));
  for (auto& c : *children)
    if (c.id == id && c.hdl) {
      caf::anon_send(c.hdl, caf::exit_msg{supervisor.address(), std::move(reason)});
      return c.hdl;
    }
  FAIL("crash_child: the supervisor has no running child '" << id << "'");
  return {};
}

} // namespace keel::testkit
