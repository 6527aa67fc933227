// keel-node: runs a keel node from a YAML config.
//
// Exit codes: 0 clean stop, 1 runtime failure (or a second signal during shutdown),
// 2 usage or config error.
#include "actors/shard_errc.hpp"
#include "config/load.hpp"
#include "runtime/logging.hpp"
#include "runtime/node.hpp"
#include "runtime/root.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

constexpr const char* usage_text = R"(usage: keel-node --config FILE [--set KEY=VALUE]... [--dump-config]
       keel-node --check-config FILE [--set KEY=VALUE]...
       keel-node --help | --version

  --config FILE        run a node from FILE (YAML; see README.md, "Configuration")
  --check-config FILE  validate FILE and exit: 0 when valid, 2 with every error listed
  --dump-config        print the effective config (defaults included) as YAML and exit
  --set KEY=VALUE      override one setting, e.g. --set shards.count=4 (repeatable)

Exit codes: 0 clean stop, 1 runtime failure, 2 usage or config error.
SIGINT/SIGTERM (or a client's SHUTDOWN) stop the node cleanly; a second signal during shutdown
exits at once with 1.
)";

struct options {
  std::string config_file;
  bool check_only = false;
  bool dump = false;
  std::vector<std::string> overrides;
};

int usage_error(const std::string& what) {
  std::cerr << "keel-node: " << what << "\n\n" << usage_text;
  return exit_usage;
}

/// Parses argv; returns an exit code to leave with, or -1 to go on.
int parse_args(int argc, char** argv, options& opts) {
  std::vector<std::string> args{argv + 1, argv + argc};
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](const char* flag) -> const std::string* {
      if (i + 1 >= args.size())
        return nullptr;
      (void) flag;
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      return exit_ok;
    } else if (a == "--version") {
      std::cout << "keel-node " << KEEL_VERSION << '\n';
      return exit_ok;
    } else if (a == "--config" || a == "--check-config") {
      auto v = value(a.c_str());
      if (!v)
        return usage_error(a + " needs a file name");
      opts.config_file = *v;
      opts.check_only = opts.check_only || a == "--check-config";
    } else if (a == "--set") {
      auto v = value("--set");
      if (!v)
        return usage_error("--set needs KEY=VALUE, e.g. --set shards.count=4");
      opts.overrides.push_back(*v);
    } else if (a.rfind("--set=", 0) == 0) {
      opts.overrides.push_back(a.substr(6));
    } else if (a == "--dump-config") {
      opts.dump = true;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (opts.config_file.empty())
    return usage_error("no config file given; use --config FILE (e.g. examples/node.yaml)");
  return -1;
}

int run_node(const keel::config::node_config& cfg) {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  auto log = keel::runtime::logger("keel.runtime");
  boost::asio::io_context io;
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  bool stopping = false;
  caf::error root_reason;
  bool root_down = false;
  keel::runtime::node n{cfg};
  auto on_down = [&](const caf::error& reason) {
    boost::asio::post(io, [&, reason] {
      root_down = true;
      root_reason = reason;
      io.stop();
    });
  };
  auto on_shutdown = [&](const std::string& who) {
    boost::asio::post(io, [&, who] {
      if (stopping)
        return;
      stopping = true;
      log->info("SHUTDOWN from {}: shutting down", who);
      n.request_stop();
    });
  };
  auto err = n.start(on_down, on_shutdown);
  if (err) {
    log->critical("keel-node failed to start: {}", keel::actors::describe_error(err));
    return exit_failure;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  auto lanes = keel::runtime::node_router_lanes(cfg);
  if (cfg.cluster.nodes.empty())
    log->info("keel-node ready in {} ms (node '{}', {} shards, {} router lane{}, data_dir {})",
              ms.count(), cfg.node.name, cfg.shards.count, lanes, lanes == 1 ? "" : "s",
              cfg.node.data_dir);
  else
    log->info("keel-node ready in {} ms (node '{}', {} of {} shards in a cluster of {} nodes, "
              "data_dir {})",
              ms.count(), cfg.cluster.name, keel::config::local_shards(cfg).size(),
              cfg.shards.count, cfg.cluster.nodes.size(), cfg.node.data_dir);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec)
      return;
    if (stopping) {
      log->warn("second signal ({}) during shutdown: exiting now", sig);
      spdlog::shutdown();
      std::_Exit(exit_failure);
    }
    stopping = true;
    log->info("received {}: shutting down (a second signal exits at once)",
              sig == SIGINT ? "SIGINT" : "SIGTERM");
    n.request_stop();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  io.run();
  auto reason = n.stop();
  if (!stopping || (reason && reason != caf::exit_reason::normal)) {
    log->error("keel-node stopped by a failure: {}",
               keel::actors::describe_error(root_reason ? root_reason : reason));
    return exit_failure;
  }
  log->info("keel-node stopped cleanly");
  return exit_ok;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto rc = parse_args(argc, argv, opts); rc >= 0)
    return rc;
  auto loaded = keel::config::load_file(opts.config_file, opts.overrides);
  if (!loaded.ok()) {
    for (auto& d : loaded.errors)
      std::cerr << d.str() << '\n';
    std::cerr << "keel-node: " << loaded.errors.size() << " error(s) in the configuration; "
              << "fix them and run keel-node --check-config " << opts.config_file << " again\n";
    return exit_usage;
  }
  if (opts.check_only) {
    std::cout << opts.config_file << ": configuration is valid\n";
    return exit_ok;
  }
  if (opts.dump) {
    std::cout << keel::config::dump(loaded.config);
    return exit_ok;
  }
  keel::runtime::configure_logging(loaded.config.node.level);
  keel::runtime::logger("keel.config")
    ->info("loaded {}{}", opts.config_file,
           opts.overrides.empty() ? std::string{}
                                  : " with " + std::to_string(opts.overrides.size()) +
                                      " override(s)");
  try {
    return run_node(loaded.config);
  } catch (const std::exception& e) {
    keel::runtime::logger("keel.runtime")->critical("keel-node: {}", e.what());
    return exit_failure;
  }
}
