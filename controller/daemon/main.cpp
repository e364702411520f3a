// vmfabricd: the vmfabric controller daemon.
//
//   vmfabricd --config FILE        run the controller
//   vmfabricd --check-config FILE  validate a config file and exit
//   vmfabricd token create --config FILE --name NAME --role viewer|operator|admin
//                                  add an API token to api.tokens_file; print it on stdout
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT) or valid config; 1 invalid config or a fatal error
// at start (each logged with what to do); 2 bad command line.
#include <malloc.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "audit/runner.h"
#include "config/config.h"
#include "daemon/control.h"
#include "daemon/fabric.h"
#include "graph/graph.h"
#include "log/log.h"
#include "northbound/api/event_feed.h"
#include "northbound/auth/tokens.h"
#include "northbound/events/events.h"
#include "northbound/northbound.h"
#include "reconcile/reconciler.h"
#include "runtime/graph_writer.h"
#include "runtime/heap.h"
#include "southbound/switch_agent.h"
#include "store/store.h"

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
                  const audit::AuditRunner& audits, daemon::DaemonControl& control,
                  const Store& writer, std::unique_ptr<Store> reader,
                  northbound::events::EventHub& events, const southbound::EapiStats& eapi)
      : graph_(graph),
        reconciler_(reconciler),
        audits_(audits),
        control_(control),
        writer_(writer),
        reader_(std::move(reader)),
        events_(events),
        eapi_(eapi) {}
  std::shared_ptr<const Snapshot> graph() const override { return graph_.latest(); }
  std::shared_ptr<const planner::Plan> plan() const override { return reconciler_.plan(); }
  PolicyConfig policy() const override { return control_.policy().policy; }
  std::vector<JournalEntry> journal(const JournalQuery& query) const override {
    return reader_->journal(query);
  }
  std::map<std::string, VlanSet> created_vlans() const override { return reader_->created_vlans(); }
  Baseline baseline() const override { return reader_->baseline(); }
  std::int64_t now_ms() const override { return unix_ms_now(); }
  bool reconciler_stats(reconcile::ReconcilerStats& out) const override {
    out = reconciler_.stats();
    return true;
  }
  std::vector<southbound::EapiSwitchStats> eapi_stats() const override { return eapi_.snapshot(); }
  std::vector<AuditRecord> audits(const AuditQuery& query) const override {
    return reader_->audits(query);
  }
  std::optional<AuditRecord> audit(std::int64_t id) const override { return reader_->audit(id); }
  bool audit_stats(audit::AuditStats& out) const override {
    out = audits_.stats();
    return true;
  }
  northbound::events::EventHub* events() const override { return &events_; }
  northbound::api::ApiControl* control() const override { return &control_; }
  std::optional<StoreHealth> store_health() const override { return writer_.health(); }

 private:
  const SnapshotPublisher& graph_;
  const reconcile::Reconciler& reconciler_;
  const audit::AuditRunner& audits_;
  daemon::DaemonControl& control_;
  const Store& writer_;  // the connection every write goes through: its health
  std::unique_ptr<Store> reader_;
  northbound::events::EventHub& events_;
  const southbound::EapiStats& eapi_;
};

const char* signal_name(int signo) {
  return signo == SIGTERM ? "SIGTERM" : signo == SIGINT ? "SIGINT" : "signal";
}

// vmfabricd keeps one long-lived copy of the fabric and the vCenters, while a full sync parses
// tens of MB of SOAP at once. By default glibc raises its mmap threshold after the first large
// free, so later large buffers come from the heap and leave holes that long-lived entities pin,
// and it gives each busy thread an arena of its own. A fixed threshold and two arenas cut the
// resident memory of a 40,000-VM lab by about a third (tests/bench/RESULTS.md, 2026-11-26).
void tune_malloc() {
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  ::mallopt(M_ARENA_MAX, 2);
}

// Every 10 s, gives freed heap memory back to the system once 8 MB more of it stayed resident
// and the heap has settled (runtime/heap.h): what a full sync or a large plan freed, soon after.
void release_heap_periodically(boost::asio::steady_timer& timer,
                               runtime::HeapReleasePolicy& policy) {
  timer.expires_after(std::chrono::seconds(10));
  timer.async_wait([&timer, &policy](const boost::system::error_code& ec) {
    if (ec) return;
    const runtime::HeapReading before = runtime::read_heap();
    if (policy.should_release(before)) {
      const auto start = std::chrono::steady_clock::now();
      runtime::release_heap();
      const runtime::HeapReading after = runtime::read_heap();
      policy.released(after);
      const auto mb = [](std::size_t bytes) { return static_cast<double>(bytes >> 10) / 1024; };
      log::debug("heap.released", {{"resident_mb_before", mb(before.resident)},
                                   {"resident_mb", mb(after.resident)},
                                   {"in_use_mb", mb(after.in_use)},
                                   {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count()}});
    }
    release_heap_periodically(timer, policy);
  });
}

int run(const std::string& path) {
  tune_malloc();
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
    // A killed vmfabricd leaves the changes it was sending pending; the reconciler reads every
    // switch at start and plans from what is there, so these are closed, not resent.
    const std::size_t interrupted = store->close_interrupted_journal(
        unix_ms_now(), "vmfabricd stopped during this session; the switch was read again at start");
    if (interrupted > 0) log::warn("journal.interrupted", {{"entries", interrupted}});
  } catch (const Error& e) {
    log::error("store.failed", {{"database", cfg.database}, {"error", e.what()}});
    return 1;
  }

  // vCenters and switches persisted by an earlier run but gone from the config (and not added
  // through the API) leave the graph, with all they reported.
  daemon::ApiInventory added;
  northbound::api::EffectivePolicy policy;
  {
    std::set<std::string> vcenters, switches;
    try {
      added = daemon::load_api_inventory(*store, cfg);
      policy = daemon::effective_policy(*store, cfg);
    } catch (const Error& e) {
      log::error("store.failed", {{"database", cfg.database}, {"error", e.what()}});
      return 1;
    }
    for (const auto& vc : cfg.vcenters) vcenters.insert(vc.name);
    for (const auto& vc : added.vcenters) vcenters.insert(vc.name);
    for (const auto& sw : cfg.switches) switches.insert(sw.name);
    for (const auto& sw : added.switches) switches.insert(sw.name);
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
      } else if (sw.reachability != Reachability::kUnknown) {
        // What the database holds is the last run's reading: until this run reads the switch,
        // nothing is changed on it and no removal is made anywhere (reconcile/diff.h).
        Switch unread = sw;
        unread.reachability = Reachability::kUnknown;
        startup.upsert(std::move(unread));
      }
    }
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

  // Live events for the API (GET /api/v1/events): graph changes, the reconciler's journal and
  // pending changes.
  northbound::events::EventHub events;
  northbound::api::EventFeed event_feed(events, *writer.snapshots().latest());
  writer.subscribe([&event_feed](const GraphChanges& changes, const Snapshot& after) {
    event_feed.graph_changed(changes, after);
  });
  reconcile::ReconcilerOptions reconcile_options;
  reconcile_options.journaled = [&event_feed](const JournalEntry& e) { event_feed.journaled(e); };
  reconcile_options.pending_changed = [&event_feed](std::size_t switches, std::size_t changes) {
    event_feed.pending_changed(switches, changes);
  };

  // The switches and vCenters followed, by name: the reconciler applies through their agents.
  southbound::EapiStats eapi_stats;  // every switch's eAPI requests, for /metrics
  daemon::Fabric fabric(io.get_executor(), writer, &eapi_stats);
  if (policy.from_api) {
    log::info("policy.from_api", {{"managed_vlans", policy.policy.managed_vlans.to_string()},
                                  {"mode", to_string(policy.policy.mode)},
                                  {"apply", to_string(policy.policy.apply)},
                                  {"updated_by", policy.updated_by}});
  }
  reconcile::Reconciler reconciler(
      io.get_executor(), *store, writer.snapshots(), policy.policy,
      [&fabric](const SwitchId& sw, southbound::ChangeSet changes, std::string session,
                std::function<void(southbound::ApplyResult)> done) {
        fabric.apply(sw, std::move(changes), std::move(session), std::move(done));
      },
      [&writer](std::function<void()> done) { writer.flush(std::move(done)); }, reconcile_options);
  writer.subscribe([&reconciler](const GraphChanges& changes, const Snapshot& after) {
    reconciler.graph_changed(changes, after);
  });

  daemon::DaemonControl control(cfg, policy, fabric, *store, writer, reconciler,
                                [&event_feed](const JournalEntry& e) { event_feed.journaled(e); });

  // Drift audits: fresh readings of every switch, compared on the audits' own strand; repairs go
  // through the reconciler.
  audit::AuditRunner::Options audit_options;
  audit_options.config = cfg.audit;
  audit_options.policy = [&control] { return control.policy().policy; };
  audit_options.changed = [&event_feed](const AuditRecord& a) { event_feed.audit(a); };
  audit::AuditRunner audits(
      io.get_executor(), *store, writer.snapshots(),
      [&fabric](std::function<void(std::vector<std::string>)> done) {
        fabric.read_all(std::move(done));
      },
      [&writer](std::function<void()> done) { writer.flush(std::move(done)); },
      [&reconciler](Remediation remediate, std::string cause,
                    std::function<void(std::vector<std::int64_t>)> done) {
        reconciler.repair(remediate, std::move(cause), std::move(done));
      },
      audit_options);
  control.set_audit_runner(&audits);

  // The API, on its own threads, before anything changes the graph.
  std::unique_ptr<DaemonApiSource> api_source;
  std::unique_ptr<northbound::ApiServer> api;
  try {
    api_source =
        std::make_unique<DaemonApiSource>(writer.snapshots(), reconciler, audits, control, *store,
                                          Store::open_reader(cfg.database), events, eapi_stats);
    api = std::make_unique<northbound::ApiServer>(cfg.api, *api_source);
    api->start();
  } catch (const Error& e) {
    log::error("api.failed", {{"error", e.what()}});
    return 1;
  }

  reconciler.graph_changed();  // converge what the database holds, before anything changes

  // The config file's first; then those added through the API (a name in both: the file's).
  for (const auto& vc : cfg.vcenters) fabric.add_vcenter(vc, daemon::Origin::kConfig);
  for (const auto& sw : cfg.switches) fabric.add_switch(sw, daemon::Origin::kConfig);
  for (const auto& vc : added.vcenters) fabric.add_vcenter(vc, daemon::Origin::kApi);
  for (const auto& sw : added.switches) fabric.add_switch(sw, daemon::Origin::kApi);
  audits.start();

  // Stop: the API first (requests in flight finish), then the reconciler (no new sessions;
  // those in flight end), then vCenter sessions and switch agents (sessions log out and mark
  // their vCenters disconnected), then the writer persists what is queued (or drops what the
  // store refuses then: a full disk), then the threads end.
  // Meanwhile no audit starts, and one running ends (failed) once the switch agents stopped.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  int stop_signal = 0;
  std::atomic<int> stopping{2};  // the audits, and the reconciler with the switches
  auto finish = [&] {
    if (--stopping != 0) return;
    writer.stop([&] {
      work.reset();
      io.stop();
    });
  };
  boost::asio::steady_timer heap_timer(io);
  runtime::HeapReleasePolicy heap_policy(8 * 1024 * 1024);
  release_heap_periodically(heap_timer, heap_policy);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    stop_signal = signo;
    log::info("vmfabricd.stopping", {{"signal", signal_name(signo)}});
    heap_timer.cancel();
    api->stop();  // requests in flight finish; the API threads end
    audits.stop(finish);
    reconciler.stop([&] { fabric.stop(finish); });
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
