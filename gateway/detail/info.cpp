#include "gateway/detail/info.hpp"

#include <unistd.h>

namespace keel::gateway::detail {

namespace {

using field = std::pair<const char*, std::string>;

void section(std::string& out, const char* title, std::initializer_list<field> fields) {
  if (!out.empty())
    out += "\r\n";
  out += "# ";
  out += title;
  out += "\r\n";
  for (auto& [k, v] : fields) {
    out += k;
    out += ':';
    out += v;
    out += "\r\n";
  }
}

std::string num(uint64_t x) {
  return std::to_string(x);
}

} // namespace

std::string info_text(const std::string& which, const server_view& srv) {
  auto sec = lower_name(which);
  bool all = sec.empty() || sec == "default" || sec == "all" || sec == "everything";
  auto want = [&](const char* s) { return all || sec == s; };
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::steady_clock::now() - srv.started)
                  .count();
  auto st = srv.store.stats();
  auto& n = srv.numbers;
  std::string out;
  if (want("server"))
    section(out, "Server",
            {{"redis_version", "7.0.0"},
             {"keel_version", "0.1.0"},
             {"redis_mode", "standalone"},
             {"os", "Linux"},
             {"arch_bits", num(sizeof(void*) * 8)},
             {"multiplexing_api", "epoll"},
             {"process_id", num(static_cast<uint64_t>(::getpid()))},
             {"tcp_port", num(srv.port)},
             {"uptime_in_seconds", num(static_cast<uint64_t>(uptime))},
             {"uptime_in_days", num(static_cast<uint64_t>(uptime / 86400))}});
  if (want("clients"))
    section(out, "Clients",
            {{"connected_clients", num(n.connected_clients)},
             {"maxclients", num(srv.opts.max_clients)},
             {"blocked_clients", "0"}});
  if (want("memory"))
    section(out, "Memory",
            {{"used_memory", num(st.used_memory)},
             {"maxmemory", num(st.maxmemory)},
             {"maxmemory_policy", st.maxmemory_policy}});
  if (want("persistence"))
    section(out, "Persistence",
            {{"loading", "0"},
             {"aof_enabled", st.durable ? "1" : "0"},
             {"rdb_bgsave_in_progress", st.saving ? "1" : "0"},
             {"rdb_changes_since_last_save", "0"},
             {"rdb_last_save_time", std::to_string(st.last_save)},
             {"rdb_last_bgsave_status", st.last_save_ok ? "ok" : "err"},
             {"keel_durable", st.durable ? "1" : "0"}});
  if (want("stats"))
    section(out, "Stats",
            {{"total_connections_received", num(n.total_connections)},
             {"total_commands_processed", num(n.total_commands)},
             {"rejected_connections", num(n.rejected_connections)},
             {"expired_keys", num(st.expired_keys)},
             {"evicted_keys", num(st.evicted_keys)},
             {"keel_protocol_errors", num(n.protocol_errors)},
             {"keel_batches", num(n.batches)},
             {"keel_batched_commands", num(n.batched_commands)},
             {"keel_output_limit_closes", num(n.output_limit_closes)},
             {"keel_idle_closes", num(n.idle_closes)}});
  if (want("keyspace")) {
    if (st.keys > 0)
      section(out, "Keyspace",
              {{"db0", "keys=" + num(st.keys) + ",expires=" + num(st.expires) + ",avg_ttl=0"}});
    else
      section(out, "Keyspace", {});
  }
  return out;
}

} // namespace keel::gateway::detail
