#include "gateway/detail/multi.hpp"

#include "gateway/detail/command_table.hpp"
#include "gateway/standard_replies.hpp"

#include <cstdlib>

namespace keel::gateway::detail {

namespace {

multi_result answered(reply r) {
  return {multi_step::answered, std::move(r), {}};
}

const command_entry* find_entry(const std::string& name) {
  for (auto& e : command_table())
    if (iequals(name, e.name))
      return &e;
  return nullptr;
}

bool arity_ok(const command_entry& e, size_t argc) {
  auto n = static_cast<size_t>(std::abs(e.arity));
  return e.arity < 0 ? argc >= n : argc == n;
}

} // namespace

multi_result multi_filter(command& cmd, multi_state& st) {
  const auto& name = cmd[0];
  bool one_word = cmd.size() == 1;
  if (iequals(name, "multi")) {
    if (!one_word) {
      st.failed = st.failed || st.open;
      return answered(wrong_arity("multi"));
    }
    if (st.open)
      return answered(reply::error("ERR MULTI calls can not be nested"));
    st = multi_state{};
    st.open = true;
    return answered(reply::ok());
  }
  if (iequals(name, "exec")) {
    if (!st.open)
      return answered(one_word ? reply::error("ERR EXEC without MULTI") : wrong_arity("exec"));
    auto failed = st.failed;
    auto queued = std::move(st.queued);
    st = multi_state{};
    if (!one_word)
      return answered(reply::error("EXECABORT Transaction discarded because of: wrong number "
                                   "of arguments for 'exec' command"));
    if (failed)
      return answered(
        reply::error("EXECABORT Transaction discarded because of previous errors."));
    return {multi_step::exec, reply::null(), std::move(queued)};
  }
  if (iequals(name, "discard")) {
    if (!one_word) {
      st.failed = st.failed || st.open;
      return answered(wrong_arity("discard"));
    }
    if (!st.open)
      return answered(reply::error("ERR DISCARD without MULTI"));
    st = multi_state{};
    return answered(reply::ok());
  }
  if (iequals(name, "watch")) {
    if (st.open)
      return answered(reply::error("ERR WATCH inside MULTI is not allowed"));
    if (one_word)
      return answered(wrong_arity("watch"));
    return answered(reply::error(
      "ERR WATCH is not supported; for check-and-set use one conditional command (SET with NX, "
      "XX or GET, SETNX, GETDEL, INCR) or a MULTI block, which runs with nothing in between"));
  }
  if (!st.open || iequals(name, "quit"))
    return {};
  auto* e = find_entry(name);
  if (e == nullptr || !arity_ok(*e, cmd.size())) {
    st.failed = true;
    return answered(e == nullptr ? unknown_command(cmd) : wrong_arity(lower_name(name)));
  }
  st.queued.push_back(std::move(cmd));
  return answered(reply::simple("QUEUED"));
}

} // namespace keel::gateway::detail
