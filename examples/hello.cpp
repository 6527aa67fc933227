// hello: the smallest keel-style program.
//
// It shows the conventions keel's own code and tests follow: a ready handshake after spawn
// (CAF's spawn returns before the actor runs), replies instead of shared state, and a stop that
// waits for each actor's down message instead of sleeping.
#include <caf/all.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace {

using ready_atom = caf::atom_constant<caf::atom("ready")>;
using greet_atom = caf::atom_constant<caf::atom("greet")>;

/// A greeter answers `ready` once it is set up, then greets whoever asks.
caf::behavior greeter(caf::event_based_actor* self, std::string greeting) {
  return {
    [](ready_atom) { return ready_atom::value; },
    [=](greet_atom, const std::string& who) {
      return greeting + ", " + who + "! (from actor #" + std::to_string(self->id()) + ")";
    },
  };
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  std::vector<caf::actor> greeters;
  for (auto greeting : {"hello", "hallo", "bonjour"})
    greeters.push_back(sys.spawn(greeter, std::string{greeting}));
  int failures = 0;
  {
    // The scoped actor lives in this block only: a live one keeps the system from stopping.
    caf::scoped_actor self{sys};
    for (auto& g : greeters) // the ready handshake
      self->request(g, std::chrono::seconds{5}, ready_atom::value)
        .receive([](ready_atom) {}, [&](caf::error&) { ++failures; });
    for (auto& g : greeters)
      self->request(g, std::chrono::seconds{5}, greet_atom::value, std::string{"keel"})
        .receive([](const std::string& line) { std::cout << line << '\n'; },
                 [&](caf::error& err) {
                   std::cout << "error: " << to_string(err) << '\n';
                   ++failures;
                 });
    // Stop in reverse start order, each confirmed by its down message.
    for (auto i = greeters.rbegin(); i != greeters.rend(); ++i) {
      self->monitor(*i);
      self->send_exit(*i, caf::exit_reason::user_shutdown);
      self->receive([&](caf::down_msg& dm) {
        std::cout << "actor #" << dm.source.id() << " stopped\n";
      });
    }
  }
  std::cout << (failures == 0 ? "all greeters done" : "some greeters failed") << '\n';
  return failures == 0 ? 0 : 1;
}
