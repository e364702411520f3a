// southbound_bench: push one new VLAN fabric-wide through the eAPI client to N emulated switches
// (tests/sim/eos) that answer each call after a fixed delay (5.5 ms: a measured EOS figure), all
// switches at once, one strand each, as vmfabricd's switch agents do. Each switch gets one
// configuration session (create the VLAN, allow it on its fabric ports, commit) and one read-back
// that verifies it. Prints one table; exits 1 when a switch fails or the target is missed.
//
//   southbound_bench [--switches N] [--latency-ms F] [--target-s F]
//
// The fabric: 4 spines, N-4 leaves, every leaf cabled to every spine (leaf Ethernet49-52).
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "southbound/eapi_session.h"
#include "support/temp_dir.h"
#include "tests/sim/eos/harness.h"

using namespace vmfabric;
using namespace vmfabric::southbound;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

using vmfabric::testing::bench_option;
constexpr int kSpines = vmfabric::testing::kBenchSpines;

// VLAN 3000 created and allowed on every fabric port of `name`.
ChangeSet new_vlan(const std::string& name, int leaves) {
  ChangeSet cs;
  const VlanId vlan = VlanId::checked(3000);
  cs.create_vlans[vlan] = "bench-fabric-wide";
  const bool is_spine = name.starts_with("spine");
  const int first = is_spine ? 1 : 49, count = is_spine ? leaves : kSpines;
  for (int p = first; p < first + count; ++p) {
    cs.interfaces[InterfaceName("Ethernet" + std::to_string(p))].add.insert(vlan);
  }
  return cs;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int switches = static_cast<int>(bench_option(argc, argv, "--switches", 1000));
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 5.5);
  const double target_s = bench_option(argc, argv, "--target-s", 2.0);
  if (switches <= kSpines) {
    std::fprintf(stderr, "southbound_bench: --switches must be more than %d\n", kSpines);
    return 2;
  }
  const int leaves = switches - kSpines;

  vmfabric::testing::TempDir dir;
  const std::string topology = dir.file("fabric.json");
  std::ofstream(topology) << vmfabric::testing::spine_leaf_fabric(leaves).dump();
  vmfabric::testing::EosEmulator::Options options;
  options.topology_file = topology;
  vmfabric::testing::EosEmulator emulator(options);
  // The delay is set after start so that the emulator's own start-up is not in it.
  emulator.inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});

  ::setenv("VMFABRIC_BENCH_EOS_PASSWORD", "admin", 1);
  boost::asio::io_context io;
  struct Job {
    std::unique_ptr<EapiSession> session;
    ChangeSet changes;
    Clock::duration took{};
    std::string error;
    std::size_t commands = 0;
  };
  std::vector<Job> jobs;
  for (const std::string& name : emulator.switch_names()) {
    SwitchConfig config;
    config.name = name;
    config.address = "127.0.0.1";
    config.port = emulator.port(name);
    config.transport = Transport::kHttp;
    config.credential.username = "admin";
    config.credential.password_env = "VMFABRIC_BENCH_EOS_PASSWORD";
    Job job;
    job.session = std::make_unique<EapiSession>(boost::asio::make_strand(io), endpoint_of(config),
                                                EapiOptions{});
    job.changes = new_vlan(name, leaves);
    jobs.push_back(std::move(job));
  }

  std::atomic<int> failed{0};
  const auto start = Clock::now();
  for (Job& job : jobs) {
    boost::asio::co_spawn(
        boost::asio::make_strand(io),
        [&job, &failed, start]() -> boost::asio::awaitable<void> {
          try {
            const ApplyReport report = co_await job.session->apply(job.changes, "bench-1");
            job.commands = report.commands.size();
            if (!report.verified()) job.error = report.mismatches.front();
          } catch (const std::exception& e) {
            job.error = e.what();
          }
          job.took = Clock::now() - start;
          if (!job.error.empty()) ++failed;
        },
        boost::asio::detached);
  }
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> done_ms;
  std::size_t commands = 0;
  for (const Job& job : jobs) {
    done_ms.push_back(ms(job.took));
    commands += job.commands;
    if (!job.error.empty() && failed <= 3) {
      std::fprintf(stderr, "%s: %s\n", job.session->name().c_str(), job.error.c_str());
    }
  }
  std::sort(done_ms.begin(), done_ms.end());
  const auto pct = [&](double p) {
    return done_ms[std::min(done_ms.size() - 1, static_cast<std::size_t>(p * done_ms.size()))];
  };
  const std::size_t calls = 2 * jobs.size();  // the session, and the read-back

  std::printf(
      "southbound_bench: one VLAN fabric-wide, %d switches (%d spines, %d leaves), "
      "%.1f ms per eAPI call\n",
      switches, kSpines, leaves, latency_ms);
  std::printf("  %-38s %10.3f s   (target <= %.1f s)\n", "all switches committed + verified",
              wall_s, target_s);
  std::printf("  %-38s %10zu\n", "configuration sessions", jobs.size());
  std::printf("  %-38s %10zu   (%.0f commands/s)\n", "EOS commands sent", commands,
              static_cast<double>(commands) / wall_s);
  std::printf("  %-38s %10zu   (%.0f calls/s)\n", "eAPI calls", calls,
              static_cast<double>(calls) / wall_s);
  std::printf("  %-38s %7.1f ms p50, %.1f ms p99, %.1f ms max\n",
              "per-switch time to verified (from t0)", pct(0.5), pct(0.99), done_ms.back());
  std::printf("  %-38s %10d\n", "failed switches", failed.load());
  const bool ok = failed == 0 && wall_s <= target_s;
  std::printf("  result: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
