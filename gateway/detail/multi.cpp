#include "gateway/detail/multi.hpp"

#include "gateway/detail/command_table.hpp"
#include "gateway/standard_replies.hpp"

#include <cstdlib>
#include <string_view>

namespace keel::gateway::detail {

namespace {

multi_result answered(reply r) {
  return {multi_step::answered, std::move(r), {}};
}

// Node-wide commands (SAVE, BGSAVE, LASTSAVE, SHUTDOWN) are not shard commands: a transaction
// runs in one shard, so they cannot be part of one.
bool can_queue(const command_entry& e) {
  return std::string_view{e.flags}.find("no_multi") == std::string_view::npos;
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
    st.open = true;
    st.failed = false;
    st.queued.clear();
    return answered(reply::ok());
  }
  if (iequals(name, "exec")) {
    if (!st.open)
      return answered(one_word ? reply::error("ERR EXEC without MULTI") : wrong_arity("exec"));
    auto failed = st.failed;
    auto queued = std::move(st.queued);
    auto watched = std::move(st.watched);
    st.reset();
    if (!one_word)
      return answered(reply::error("EXECABORT Transaction discarded because of: wrong number "
                                   "of arguments for 'exec' command"));
    if (failed)
      return answered(
        reply::error("EXECABORT Transaction discarded because of previous errors."));
    return {multi_step::exec, reply::null(), std::move(queued), std::move(watched)};
  }
  if (iequals(name, "discard")) {
    if (!one_word) {
      st.failed = st.failed || st.open;
      return answered(wrong_arity("discard"));
    }
    if (!st.open)
      return answered(reply::error("ERR DISCARD without MULTI"));
    st.reset();
    return answered(reply::ok());
  }
  if (iequals(name, "watch")) {
    if (st.open)
      return answered(reply::error("ERR WATCH inside MULTI is not allowed"));
    if (one_word)
      return answered(wrong_arity("watch"));
    return {multi_step::watch, reply::null(), {}, {}};
  }
  if (iequals(name, "unwatch") && !st.open) {
    if (!one_word)
      return answered(wrong_arity("unwatch"));
    st.watched.clear();
    return answered(reply::ok());
  }
  if (!st.open || iequals(name, "quit"))
    return {};
  auto* e = find_command(name);
  if (e == nullptr || !arity_ok(*e, cmd.size())) {
    st.failed = true;
    return answered(e == nullptr ? unknown_command(cmd) : wrong_arity(lower_name(name)));
  }
  if (!can_queue(*e)) {
    st.failed = true;
    return answered(reply::error("ERR Command not allowed inside a transaction"));
  }
  st.queued.push_back(std::move(cmd));
  return answered(reply::simple("QUEUED"));
}

bool add_watched(multi_state& st, const std::vector<std::string>& keys, const reply& versions) {
  if (versions.type() != reply::kind::array || versions.elements().size() != keys.size())
    return false;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto& v = versions.elements()[i];
    if (v.type() != reply::kind::bulk)
      return false;
    bool known = false;
    for (auto& w : st.watched)
      known = known || w.first == keys[i];
    if (!known)
      st.watched.emplace_back(keys[i], v.str());
  }
  return true;
}

} // namespace keel::gateway::detail
