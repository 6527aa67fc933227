#include "supervision/client.hpp"

#include "supervision/atoms.hpp"

#include <caf/all.hpp>

namespace keel::supervision {

supervisor_client::supervisor_client(caf::actor_system& sys, caf::actor supervisor,
                                     std::chrono::milliseconds timeout)
  : sys_(&sys), sup_(std::move(supervisor)), timeout_(timeout) {
  // nop
}

namespace {

template <class T, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const caf::actor& sup,
                     std::chrono::milliseconds timeout, Ts&&... xs) {
  caf::expected<T> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(sup, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<started_child> ask_start(caf::actor_system& sys, const caf::actor& sup,
                                       std::chrono::milliseconds timeout, caf::message msg) {
  caf::expected<started_child> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(sup, timeout, std::move(msg))
    .receive([&](caf::actor& hdl, std::string& id) { result = started_child{id, hdl}; },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::error ask_unit(caf::actor_system& sys, const caf::actor& sup,
                    std::chrono::milliseconds timeout, caf::message msg) {
  caf::error result;
  caf::scoped_actor self{sys};
  self->request(sup, timeout, std::move(msg))
    .receive([&] { /* unit */ }, [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

caf::expected<std::vector<child_info>> supervisor_client::which_children() const {
  return ask<std::vector<child_info>>(*sys_, sup_, timeout_, which_atom::value);
}

caf::expected<child_counts> supervisor_client::count_children() const {
  return ask<child_counts>(*sys_, sup_, timeout_, count_atom::value);
}

caf::expected<child_spec> supervisor_client::get_child_spec(const std::string& id) const {
  return ask<child_spec>(*sys_, sup_, timeout_, get_spec_atom::value, id);
}

caf::expected<started_child> supervisor_client::start_child(child_spec spec) const {
  return ask_start(*sys_, sup_, timeout_,
                   caf::make_message(start_child_atom::value, std::move(spec)));
}

caf::expected<started_child> supervisor_client::start_child(caf::message args) const {
  return ask_start(*sys_, sup_, timeout_,
                   caf::make_message(start_child_atom::value, std::move(args)));
}

caf::error supervisor_client::terminate_child(const std::string& id) const {
  return ask_unit(*sys_, sup_, timeout_, caf::make_message(terminate_child_atom::value, id));
}

caf::expected<caf::actor> supervisor_client::restart_child(const std::string& id) const {
  return ask<caf::actor>(*sys_, sup_, timeout_, restart_child_atom::value, id);
}

caf::error supervisor_client::delete_child(const std::string& id) const {
  return ask_unit(*sys_, sup_, timeout_, caf::make_message(delete_child_atom::value, id));
}

} // namespace keel::supervision
