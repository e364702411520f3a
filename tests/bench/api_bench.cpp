// api_bench: the REST API's throughput and latency under Debian's `wrk`, on a 10,000-VM lab.
//
//   api_bench [--duration S] [--connections N] [--threads N] [--wrk PATH]
//
// Builds the lab of large_lab.h at a smaller scale (98 MLAG pairs and 4 spines: 200 switches;
// 784 hosts with 13 VMs each: 10,192 VMs), plans it once, and serves it with the real
// northbound::ApiServer in this process (127.0.0.1, any free port, a viewer token in a
// temporary tokens file, two server threads). Then, per case, `wrk --latency` (2 threads, 50
// connections, 10 s by default) runs a generated Lua script that picks a random name for every
// request, so that each request is a different /api/v1/vms/{name}:
//
//   vms/{name}       GET /api/v1/vms/{name}        (random VM)
//   switches/{name}  GET /api/v1/switches/{name}   (random switch)
//   healthz          GET /healthz                  (no token)
//   topology         GET /api/v1/topology          (the whole graph; only when the route exists)
//
// Prints requests/s, p50 and p99 per case, the server's CPU time (user + system) per request, and
// the load average (1 min) when the case started: wrk shares the machine's cores with the server,
// and on a busy machine the CPU time per request is the steadier figure. Exits 1 when a small GET
// misses its target (15,000 requests/s and p99 at most 10 ms) or answers anything but 200.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "large_lab.h"
#include "log/log.h"
#include "northbound/auth/tokens.h"
#include "northbound/northbound.h"
#include "planner/planner.h"
#include "reconcile/reconciler.h"
#include "support/raw_client.h"

using namespace vmfabric;

namespace {

constexpr double kTargetRequestsPerSecond = 15000;
constexpr double kTargetP99Ms = 10;

// A fixed graph and plan, as the daemon's source would give them between two changes.
class BenchSource final : public northbound::ApiSource {
 public:
  BenchSource(std::shared_ptr<const Snapshot> graph, PolicyConfig policy)
      : graph_(std::move(graph)),
        plan_(std::make_shared<const planner::Plan>(
            planner::plan(*graph_, reconcile::plan_policy(policy)))),
        policy_(std::move(policy)) {}
  std::shared_ptr<const Snapshot> graph() const override { return graph_; }
  std::shared_ptr<const planner::Plan> plan() const override { return plan_; }
  PolicyConfig policy() const override { return policy_; }
  std::vector<JournalEntry> journal(const JournalQuery&) const override { return {}; }
  std::map<std::string, VlanSet> created_vlans() const override { return {}; }
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::shared_ptr<const Snapshot> graph_;
  std::shared_ptr<const planner::Plan> plan_;
  PolicyConfig policy_;
};

struct Case {
  std::string label;
  std::vector<std::string> targets;  // one is picked at random per request
  bool small = true;                 // held to the small-GET targets
};

struct Result {
  double requests_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long long requests = 0;
  long long non_2xx = 0;
  long long socket_errors = 0;
};

// CPU time (user + system) this process used so far: the server's, as wrk runs in a child.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double load_average() {
  double one = 0;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &one) != 1) one = 0;
    std::fclose(f);
  }
  return one;
}

// The wrk script of a case: a random target per request, the token on every request, and one
// machine-readable line at the end (wrk's own report rounds the percentiles).
std::string wrk_script(const Case& c, const std::string& token) {
  std::string s = "local targets = {\n";
  for (const std::string& t : c.targets) s += "  \"" + t + "\",\n";
  s += "}\n";
  s += "wrk.headers[\"Authorization\"] = \"Bearer " + token + "\"\n";
  s += R"(local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(os.time() * 31 + seed)
end
function request()
  return wrk.format("GET", targets[math.random(#targets)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("API_BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
)";
  return s;
}

std::optional<Result> run_wrk(const std::string& wrk, const std::string& script, int threads,
                              int connections, int seconds, std::uint16_t port) {
  const std::string command = wrk + " --latency -t" + std::to_string(threads) + " -c" +
                              std::to_string(connections) + " -d" + std::to_string(seconds) +
                              "s -s " + script + " http://127.0.0.1:" + std::to_string(port) +
                              " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr)
    output += buf.data();
  const int status = pclose(pipe);
  const std::size_t at = output.find("API_BENCH ");
  long long requests = 0, duration_us = 0, p50_us = 0, p99_us = 0, non2xx = 0, errors = 0;
  if (status != 0 || at == std::string::npos ||
      std::sscanf(output.c_str() + at,
                  "API_BENCH requests=%lld duration_us=%lld p50_us=%lld p99_us=%lld non2xx=%lld "
                  "errors=%lld",
                  &requests, &duration_us, &p50_us, &p99_us, &non2xx, &errors) != 6 ||
      duration_us <= 0) {
    std::fprintf(stderr, "api_bench: %s failed:\n%s\n", command.c_str(), output.c_str());
    return std::nullopt;
  }
  Result r;
  r.requests = requests;
  r.requests_per_s = static_cast<double>(requests) * 1e6 / static_cast<double>(duration_us);
  r.p50_ms = static_cast<double>(p50_us) / 1000.0;
  r.p99_ms = static_cast<double>(p99_us) / 1000.0;
  r.non_2xx = non2xx;
  r.socket_errors = errors;
  return r;
}

// The status of one GET, or 0 when no answer came.
int status_of(std::uint16_t port, const std::string& target, const std::string& token) {
  testing::RawConnection conn(port);
  conn.send(testing::get_request(target, token));
  const auto response = conn.read_response();
  return response ? response->status : 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  int connections = 50;
  int threads = 2;
  std::string wrk = "wrk";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--duration") == 0) {
      seconds = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--connections") == 0) {
      connections = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--wrk") == 0) {
      wrk = argv[i + 1];
    } else {
      std::fprintf(
          stderr, "usage: api_bench [--duration S] [--connections N] [--threads N] [--wrk PATH]\n");
      return 2;
    }
  }
  if (std::system(("command -v '" + wrk + "' >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr,
                 "api_bench: %s not found: install it (apt-get install wrk, as "
                 "deploy/bootstrap does)\n",
                 wrk.c_str());
    return 1;
  }
  log::set_level(log::Level::kWarn);  // the server's start-up lines would interleave the table

  int vm_count = 0;
  bench::LargeLabScale scale;
  scale.leaf_pairs = 98;
  scale.vms_per_host = 13;
  Graph graph;
  graph.apply(bench::large_lab(vm_count, bench::LargeLabParts(), scale));
  auto snapshot = std::make_shared<const Snapshot>(graph.snapshot());
  PolicyConfig policy;
  policy.managed_vlans = VlanSet::parse("2-4001");
  const auto plan_started = std::chrono::steady_clock::now();
  BenchSource source(snapshot, policy);
  const double plan_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - plan_started)
          .count();

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("api_bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  ApiConfig config;
  config.listen = {"127.0.0.1", 0};
  config.tokens_file = (dir / "tokens.json").string();
  const std::string token = northbound::auth::create_token(
      config.tokens_file, "bench", northbound::auth::Role::kViewer, source.now_ms());
  northbound::ApiServer server(config, source);
  server.start();
  const std::uint16_t port = server.port();

  std::vector<Case> cases(2);
  cases[0].label = "vms/{name}";
  for (const Vm& vm : snapshot->all<Vm>()) cases[0].targets.push_back("/api/v1/vms/" + vm.name);
  cases[1].label = "switches/{name}";
  for (const Switch& sw : snapshot->all<Switch>()) {
    cases[1].targets.push_back("/api/v1/switches/" + sw.id.str());
  }
  cases.push_back({"healthz", {"/healthz"}, true});
  const int topology = status_of(port, "/api/v1/topology", token);
  if (topology == 200) {
    cases.push_back({"topology", {"/api/v1/topology"}, false});
  }

  std::printf(
      "api_bench: %d VMs, %zu switches, %zu hosts; plan %.0f ms; server on 127.0.0.1:%u "
      "(2 threads); wrk -t%d -c%d -d%ds, %ld cores\n",
      vm_count, snapshot->count<Switch>(), snapshot->count<Host>(), plan_ms, port, threads,
      connections, seconds, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%-18s %12s %9s %9s %11s %8s %8s %7s\n", "case", "requests/s", "p50 ms", "p99 ms",
              "server us", "non-2xx", "errors", "load1");
  bool ok = true;
  for (const Case& c : cases) {
    const std::string script = (dir / "case.lua").string();
    std::ofstream(script) << wrk_script(c, token);
    const double load = load_average();
    const double cpu_before = cpu_seconds();
    const auto r = run_wrk(wrk, script, threads, connections, seconds, port);
    const double cpu = cpu_seconds() - cpu_before;
    if (!r) {
      ok = false;
      continue;
    }
    const bool met =
        r->non_2xx == 0 && r->socket_errors == 0 &&
        (!c.small || (r->requests_per_s >= kTargetRequestsPerSecond && r->p99_ms <= kTargetP99Ms));
    ok = ok && met;
    std::printf("%-18s %12.0f %9.2f %9.2f %11.1f %8lld %8lld %7.2f%s\n", c.label.c_str(),
                r->requests_per_s, r->p50_ms, r->p99_ms,
                cpu * 1e6 / static_cast<double>(std::max(1LL, r->requests)), r->non_2xx,
                r->socket_errors, load,
                met       ? ""
                : c.small ? "  (target missed)"
                          : "  (errors)");
    std::fflush(stdout);
  }
  if (topology != 200) {
    std::printf("topology: not measured (GET /api/v1/topology answered %d)\n", topology);
  }
  std::printf("targets (small GETs): >= %.0f requests/s, p99 <= %.0f ms: %s\n",
              kTargetRequestsPerSecond, kTargetP99Ms, ok ? "met" : "missed");
  server.stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return ok ? 0 : 1;
}
