// keel::gateway test fixture: a started server on an ephemeral port with a memory backend
// (test-only code). The destructor stops the server.
#pragma once

#include "gateway/errc.hpp"
#include "gateway/memory_backend.hpp"
#include "gateway/server.hpp"

#include <catch2/catch.hpp>

namespace keel::gateway {

struct running_server {
  explicit running_server(options opts = {}, backend* custom = nullptr)
    : srv(with_ephemeral_port(std::move(opts)), custom ? *custom : store) {
    auto p = srv.start();
    if (!p)
      FAIL("gateway did not start: " << describe(p.error()));
    port = *p;
  }

  ~running_server() { srv.stop(); }

  static options with_ephemeral_port(options o) {
    o.port = 0;
    return o;
  }

  memory_backend store;
  server srv;
  uint16_t port = 0;
};

} // namespace keel::gateway
