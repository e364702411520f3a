// vmfabricd: the vmfabric controller daemon.
//
//   vmfabricd --config FILE        run the controller
//   vmfabricd --check-config FILE  validate a config file and exit
//   vmfabricd token create --config FILE --name NAME --role viewer|operator|admin
//                                  add an API token to api.tokens_file; print it on stdout
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT) or valid config; 1 invalid config or a fatal error
// at start (each logged with what to do); 2 bad command line.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "config/config.h"
#include "graph/graph.h"
#include "log/log.h"
#include "northbound/auth/tokens.h"
#include "northbound/northbound.h"
#include "reconcile/reconciler.h"
#include "runtime/graph_writer.h"
#include "southbound/switch_agent.h"
#include "store/store.h"
#include "vcenter/session.h"

namespace {

using namespace vmfabric;

constexpr const char* kUsage =
    "usage: vmfabricd --config FILE        run the controller\n"
    "       vmfabricd --check-config FILE  validate a config file and exit\n"
    "       vmfabricd token create --config FILE --name NAME --role viewer|operator|admin\n"
    "                                      add an API token; print it (once) on stdout\n"
    "       vmfabricd --version\n";

void print_credential_warnings(const Config& cfg) {
  auto warn = [](const std::string& what, const Credential& c) {
    if (auto p = c.problem()) {
      std::fprintf(stderr, "warning: %s: %s (vmfabricd cannot log in until it is)\n", what.c_str(),
                   p->c_str());
    }
  };
  for (const auto& vc : cfg.vcenters) warn("vcenter " + vc.name, vc.credential);
  for (const auto& sw : cfg.switches) warn("switch " + sw.name, sw.credential);
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int check_config(const std::string& path) {
  try {
    const Config cfg = load_config(path);
    print_credential_warnings(cfg);
    try {
      northbound::auth::read_tokens(cfg.api.tokens_file);
    } catch (const northbound::auth::TokenError& e) {
      std::fprintf(stderr,
                   "warning: api.tokens_file: %s (vmfabricd will not start until it is fixed)\n",
                   e.what());
    }
    std::printf("%s: OK: %zu vCenter(s), %zu switch(es), managed VLANs %s, mode %s, apply %s\n",
                path.c_str(), cfg.vcenters.size(), cfg.switches.size(),
                cfg.policy.managed_vlans.to_string().c_str(), to_string(cfg.policy.mode),
                to_string(cfg.policy.apply));
    return 0;
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.c_str());
    return 1;
  }
}

// `vmfabricd token create --config FILE --name NAME --role ROLE` (options in any order).
int token_command(int argc, char** argv) {
  std::string config, name, role;
  bool ok = argc >= 3 && std::string_view(argv[2]) == "create";
  for (int i = 3; ok && i < argc; i += 2) {
    const std::string_view opt = argv[i];
    if (i + 1 >= argc) {
      ok = false;
    } else if (opt == "--config") {
      config = argv[i + 1];
    } else if (opt == "--name") {
      name = argv[i + 1];
    } else if (opt == "--role") {
      role = argv[i + 1];
    } else {
      ok = false;
    }
  }
  const auto parsed_role = northbound::auth::parse_role(role);
  if (!ok || config.empty() || name.empty() || !parsed_role) {
    std::fputs(
        "usage: vmfabricd token create --config FILE --name NAME --role viewer|operator|admin\n",
        stderr);
    return 2;
  }
  Config cfg;
  try {
    cfg = load_config(config);
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.c_str());
    return 1;
  }
  try {
    const std::string token =
        northbound::auth::create_token(cfg.api.tokens_file, name, *parsed_role, unix_ms_now());
    std::printf("%s\n", token.c_str());
    std::fflush(stdout);
    std::fprintf(stderr,
                 "created token \"%s\" (role %s) in %s; it is shown only this once: keep it "
                 "now (a running vmfabricd picks it up within a second)\n",
                 name.c_str(), role.c_str(), cfg.api.tokens_file.c_str());
    return 0;
  } catch (const northbound::auth::TokenError& e) {
    std::fprintf(stderr, "vmfabricd token create: %s\n", e.what());
    return 1;
  }
}

// What the API reads: the graph's snapshots, the reconciler's plan and counters (for /metrics)
// and the database (through a reader connection of its own, so that API reads never wait for the
// graph's writer).
class DaemonApiSource final : public northbound::ApiSource {
 public:
  DaemonApiSource(const SnapshotPublisher& graph, const reconcile::Reconciler& reconciler,
                  const PolicyConfig& policy, std::unique_ptr<Store> reader)
      : graph_(graph), reconciler_(reconciler), policy_(policy), reader_(std::move(reader)) {}
  std::shared_ptr<const Snapshot> graph() const override { return graph_.latest(); }
  std::shared_ptr<const planner::Plan> plan() const override { return reconciler_.plan(); }
  const PolicyConfig& policy() const override { return policy_; }
  std::vector<JournalEntry> journal(const JournalQuery& query) const override {
    return reader_->journal(query);
  }
  std::map<std::string, VlanSet> created_vlans() const override { return reader_->created_vlans(); }
  std::int64_t now_ms() const override { return unix_ms_now(); }
  bool reconciler_stats(reconcile::ReconcilerStats& out) const override {
    out = reconciler_.stats();
    return true;
  }

 private:
  const SnapshotPublisher& graph_;
  const reconcile::Reconciler& reconciler_;
  const PolicyConfig& policy_;
  std::unique_ptr<Store> reader_;
};

const char* signal_name(int signo) {
  return signo == SIGTERM ? "SIGTERM" : signo == SIGINT ? "SIGINT" : "signal";
}

int run(const std::string& path) {
  Config cfg;
  try {
    cfg = load_config(path);
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) log::error("config.invalid", {{"problem", p}});
    return 1;
  }
  log::Level level = log::Level::kInfo;
  log::parse_level(cfg.log_level, level);
  log::set_level(level);
  log::info("vmfabricd.starting", {{"version", VMFABRIC_VERSION},
                                   {"config", cfg.path},
                                   {"vcenters", cfg.vcenters.size()},
                                   {"switches", cfg.switches.size()},
                                   {"managed_vlans", cfg.policy.managed_vlans.to_string()},
                                   {"mode", to_string(cfg.policy.mode)},
                                   {"apply", to_string(cfg.policy.apply)}});

  std::unique_ptr<Store> store;
  Graph graph;
  try {
    store = Store::open(cfg.database);
    const GraphChanges loaded = graph.apply(store->load());
    log::info("graph.loaded", {{"database", cfg.database},
                               {"schema_version", store->schema_version()},
                               {"entities", loaded.changes.size()}});
  } catch (const Error& e) {
    log::error("store.failed", {{"database", cfg.database}, {"error", e.what()}});
    return 1;
  }

  // vCenters and switches persisted by an earlier run but gone from the config leave the
  // graph, with all they reported; configured switches new to the graph enter it.
  {
    std::set<std::string> vcenters, switches;
    for (const auto& vc : cfg.vcenters) vcenters.insert(vc.name);
    for (const auto& sw : cfg.switches) switches.insert(sw.name);
    Delta startup;
    for (const VCenter& vc : graph.current().all<VCenter>()) {
      if (vcenters.count(vc.id.str()) == 0) {
        log::info("vcenter.removed_from_config", {{"vcenter", vc.id.str()}});
        startup.remove(vc.id);
      }
    }
    for (const Switch& sw : graph.current().all<Switch>()) {
      if (switches.count(sw.id.str()) == 0) {
        log::info("switch.removed_from_config", {{"switch", sw.id.str()}});
        startup.remove(sw.id);
      }
    }
    startup.append(southbound::new_switches(cfg.switches, graph.current()));
    try {
      store->save(graph.current(), graph.apply(startup));
    } catch (const Error& e) {
      log::error("store.failed", {{"database", cfg.database}, {"error", e.what()}});
      return 1;
    }
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  GraphWriter writer(io.get_executor(), *store, std::move(graph));

  // Switch agents by name, for the reconciler's applies.
  std::map<std::string, std::unique_ptr<southbound::SwitchAgent>> agents;
  reconcile::Reconciler reconciler(
      io.get_executor(), *store, writer.snapshots(), cfg.policy,
      [&agents](const SwitchId& sw, southbound::ChangeSet changes, std::string session,
                std::function<void(southbound::ApplyResult)> done) {
        const auto agent = agents.find(sw.str());
        if (agent == agents.end()) {  // a switch the database knows but the config no longer
          southbound::ApplyResult unknown;
          unknown.error = "switch " + sw.str() + " is not configured";
          unknown.failure = southbound::ApplyError::Outcome::kNotApplied;
          done(std::move(unknown));
          return;
        }
        agent->second->apply(std::move(changes), std::move(session), std::move(done));
      },
      [&writer](std::function<void()> done) { writer.flush(std::move(done)); });
  writer.subscribe([&reconciler](const GraphChanges& changes, const Snapshot& after) {
    reconciler.graph_changed(changes, after);
  });

  // The API, on its own threads, before anything changes the graph.
  std::unique_ptr<DaemonApiSource> api_source;
  std::unique_ptr<northbound::ApiServer> api;
  try {
    api_source = std::make_unique<DaemonApiSource>(writer.snapshots(), reconciler, cfg.policy,
                                                   Store::open_reader(cfg.database));
    api = std::make_unique<northbound::ApiServer>(cfg.api, *api_source);
    api->start();
  } catch (const Error& e) {
    log::error("api.failed", {{"error", e.what()}});
    return 1;
  }

  reconciler.graph_changed();  // converge what the database holds, before anything changes

  std::vector<std::unique_ptr<vcenter::VCenterSession>> sessions;
  for (const auto& vc : cfg.vcenters) {
    sessions.push_back(std::make_unique<vcenter::VCenterSession>(
        io.get_executor(), vc, [&writer, source = "vcenter " + vc.name](Delta d) {
          writer.submit(std::move(d), source);
        }));
    sessions.back()->start();
  }

  for (const auto& sw : cfg.switches) {
    southbound::SwitchAgentOptions options;
    options.poll_interval = std::chrono::seconds(sw.poll_interval_s);
    auto& agent = agents[sw.name] = std::make_unique<southbound::SwitchAgent>(
        io.get_executor(), sw, writer.snapshots(),
        [&writer, source = "switch " + sw.name](Delta d) { writer.submit(std::move(d), source); },
        options);
    agent->start();
  }

  // Stop: the API first (requests in flight finish), then the reconciler (no new sessions;
  // those in flight end), then vCenter sessions and switch agents (sessions log out and mark
  // their vCenters disconnected), then the writer persists what is queued, then the threads end.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  int stop_signal = 0;
  auto remaining = std::make_shared<std::atomic<std::size_t>>(sessions.size() + agents.size());
  auto finish = [&] {
    writer.flush([&] {
      work.reset();
      io.stop();
    });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    stop_signal = signo;
    log::info("vmfabricd.stopping", {{"signal", signal_name(signo)}});
    api->stop();  // requests in flight finish; the API threads end
    reconciler.stop([&, remaining] {
      if (*remaining == 0) {
        finish();
        return;
      }
      auto stopped = [&, remaining] {
        if (--*remaining == 0) finish();
      };
      for (auto& session : sessions) session->stop(stopped);
      for (auto& [name, agent] : agents) agent->stop(stopped);
    });
  });
  log::info("vmfabricd.ready", {{"pid", static_cast<long>(getpid())}});

  // Two threads: each peer has its own strand, so a slow one never blocks another.
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
  log::info("vmfabricd.stopped", {{"signal", signal_name(stop_signal)}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view cmd = argc >= 2 ? argv[1] : "";
  if (argc == 2 && (cmd == "--version" || cmd == "-V")) {
    std::printf("vmfabricd %s\n", VMFABRIC_VERSION);
    return 0;
  }
  if (argc == 2 && (cmd == "--help" || cmd == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc == 3 && cmd == "--config") return run(argv[2]);
  if (argc == 3 && cmd == "--check-config") return check_config(argv[2]);
  if (cmd == "token") return token_command(argc, argv);
  std::fputs(kUsage, stderr);
  return 2;
}
