#include "gateway/detail/info.hpp"

#include "gateway/detail/pubsub.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <random>

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

// 40 hex digits, new with every process (Redis' run_id and replication id): a tool that sees
// it change knows the server restarted.
const std::string& run_id() {
  static const std::string id = [] {
    std::random_device rd;
    std::string out;
    while (out.size() < 40) {
      char buf[9];
      std::snprintf(buf, sizeof(buf), "%08x", rd());
      out += buf;
    }
    return out;
  }();
  return id;
}

std::string seconds_of(const timeval& t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(t.tv_sec),
                static_cast<long>(t.tv_usec));
  return buf;
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
             {"run_id", run_id()},
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
             {"rdb_changes_since_last_save", num(st.changes_since_save)},
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
             {"pubsub_channels", num(srv.hub ? srv.hub->channel_count() : 0)},
             {"pubsub_patterns", num(srv.hub ? static_cast<uint64_t>(srv.hub->numpat()) : 0)},
             {"keel_protocol_errors", num(n.protocol_errors)},
             {"keel_batches", num(n.batches)},
             {"keel_batched_commands", num(n.batched_commands)},
             {"keel_output_limit_closes", num(n.output_limit_closes)},
             {"keel_idle_closes", num(n.idle_closes)}});
  // One node, no replicas: what HAProxy's and Sentinel's "role:master" checks look for.
  if (want("replication"))
    section(out, "Replication",
            {{"role", "master"},
             {"connected_slaves", "0"},
             {"master_failover_state", "no-failover"},
             {"master_replid", run_id()},
             {"master_replid2", std::string(40, '0')},
             {"master_repl_offset", "0"},
             {"second_repl_offset", "-1"},
             {"repl_backlog_active", "0"},
             {"repl_backlog_size", "0"},
             {"repl_backlog_first_byte_offset", "0"},
             {"repl_backlog_histlen", "0"}});
  if (want("cpu")) {
    rusage self{};
    rusage children{};
    ::getrusage(RUSAGE_SELF, &self);
    ::getrusage(RUSAGE_CHILDREN, &children); // pools' worker processes that have exited
    section(out, "CPU",
            {{"used_cpu_sys", seconds_of(self.ru_stime)},
             {"used_cpu_user", seconds_of(self.ru_utime)},
             {"used_cpu_sys_children", seconds_of(children.ru_stime)},
             {"used_cpu_user_children", seconds_of(children.ru_utime)}});
  }
  if (want("cluster"))
    section(out, "Cluster", {{"cluster_enabled", "0"}}); // keel's cluster is not Redis Cluster
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
