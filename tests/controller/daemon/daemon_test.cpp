// vmfabricd as a process: config validation, start-up on a fresh and on an existing database,
// clean stops on SIGTERM and SIGINT, refusals with clear messages.
#include <signal.h>

#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace vmfabric;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"({
  // The shape of DESIGN.md's minimal config.
  "database": "vmfabric.db",
  "api": { "listen": "127.0.0.1:8080", "tokens_file": "tokens.json" },
  "vcenters": [ { "name": "vc1", "url": "https://vc1.example.com/sdk",
                  "username": "svc-vmfabric", "password_env": "VMFABRIC_TEST_VC1_PASSWORD" } ],
  "switches": [ { "name": "leaf1", "address": "10.0.0.11", "port": 443,
                  "transport": "https", "username": "vmfabric",
                  "password_file": "eos-password" } ],
  "policy": { "managed_vlans": "100-3999", "mode": "on-demand", "prune_delay_s": 300 },
  "audit": { "interval_s": 900, "remediate": false }
})";

const std::string kSecret = "s3cret-Value-never-logged";

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("check-config accepts a valid config and summarizes it", "[daemon]") {
  testing::TempDir dir;
  const auto cfg = dir.write("vmfabric.json", kConfig);
  dir.write("eos-password", kSecret + "\n");
  testing::ChildProcess p({VMFABRICD, "--check-config", cfg},
                          {"VMFABRIC_TEST_VC1_PASSWORD=" + kSecret});
  const auto out = p.read_line(10s);
  REQUIRE(p.wait(10s) == 0);
  REQUIRE(
      out ==
      cfg + ": OK: 1 vCenter(s), 1 switch(es), managed VLANs 100-3999, mode on-demand, apply auto");
  p.drain_stderr();
  REQUIRE(p.stderr_lines().empty());
}

TEST_CASE("check-config warns about credentials it cannot read yet", "[daemon]") {
  testing::TempDir dir;
  const auto cfg = dir.write("vmfabric.json", kConfig);
  testing::ChildProcess p({VMFABRICD, "--check-config", cfg});
  REQUIRE(p.wait(10s) == 0);
  p.drain_stderr();
  REQUIRE(any_contains(p.stderr_lines(),
                       "warning: vcenter vc1: environment variable "
                       "VMFABRIC_TEST_VC1_PASSWORD is not set"));
  REQUIRE(any_contains(p.stderr_lines(), "warning: switch leaf1: cannot read password_file " +
                                             dir.file("eos-password")));
}

TEST_CASE("check-config rejects a bad config with every problem", "[daemon]") {
  testing::TempDir dir;
  const auto cfg =
      dir.write("bad.json", R"({"database": "x.db", "policy": {"managed_vlans": "5000"},
    "switches": [{"name": "leaf1", "address": "10.0.0.1", "username": "u", "password": "pw"}]})");
  testing::ChildProcess p({VMFABRICD, "--check-config", cfg});
  REQUIRE(p.wait(10s) == 1);
  p.drain_stderr();
  REQUIRE(p.stderr_lines() ==
          std::vector<std::string>{
              cfg + ": switches[0].password: literal passwords are not accepted; set password_env "
                    "(the name of an environment variable) or password_file (a file readable only "
                    "by vmfabricd)",
              cfg + ": policy.managed_vlans: VLAN list \"5000\": bad token \"5000\": VLAN 5000 is "
                    "outside 1-4094"});
}

TEST_CASE("a bad command line prints usage and exits 2", "[daemon]") {
  testing::ChildProcess p({VMFABRICD, "--frobnicate"});
  REQUIRE(p.wait(10s) == 2);
  p.drain_stderr();
  REQUIRE(any_contains(p.stderr_lines(), "usage: vmfabricd --config FILE"));
}

TEST_CASE("vmfabricd starts, migrates a fresh database and stops cleanly", "[daemon]") {
  const int signo = GENERATE(SIGTERM, SIGINT);
  testing::TempDir dir;
  const auto cfg = dir.write("vmfabric.json", kConfig);
  dir.write("eos-password", kSecret);
  testing::ChildProcess p({VMFABRICD, "--config", cfg}, {"VMFABRIC_TEST_VC1_PASSWORD=" + kSecret});
  REQUIRE(p.wait_for_stderr("event=vmfabricd.ready", 20s));
  REQUIRE(any_contains(p.stderr_lines(), "event=store.migrated"));
  REQUIRE(any_contains(p.stderr_lines(), "event=graph.loaded"));
  p.signal(signo);
  REQUIRE(p.wait(20s) == 0);
  p.drain_stderr();
  REQUIRE(any_contains(p.stderr_lines(), std::string("event=vmfabricd.stopped signal=") +
                                             (signo == SIGTERM ? "SIGTERM" : "SIGINT")));
  REQUIRE_FALSE(any_contains(p.stderr_lines(), kSecret));
  for (const auto& line : p.stderr_lines()) REQUIRE(line.rfind("ts=", 0) == 0);

  auto store = Store::open(dir.file("vmfabric.db"));
  REQUIRE(store->schema_version() == Store::latest_schema_version());
}

TEST_CASE("vmfabricd loads the graph it persisted before", "[daemon]") {
  testing::TempDir dir;
  const auto cfg = dir.write("vmfabric.json", kConfig);
  std::size_t entities = 0;
  {
    auto store = Store::open(dir.file("vmfabric.db"));
    Graph g;
    store->save(g.current(), g.apply(testing::synthetic_inventory({})));
    entities = testing::entity_count(g.current());
  }
  testing::ChildProcess p({VMFABRICD, "--config", cfg});
  const auto loaded = p.wait_for_stderr("event=graph.loaded", 20s);
  REQUIRE(loaded);
  REQUIRE(loaded->find(" entities=" + std::to_string(entities)) != std::string::npos);
  REQUIRE_FALSE(any_contains(p.stderr_lines(), "event=store.migrated"));
  REQUIRE(p.wait_for_stderr("event=vmfabricd.ready", 20s));
  p.signal(SIGTERM);
  REQUIRE(p.wait(20s) == 0);
}

TEST_CASE("vmfabricd refuses an invalid config and a newer database", "[daemon]") {
  testing::TempDir dir;
  SECTION("invalid config") {
    const auto cfg = dir.write("vmfabric.json", R"({"database": "x.db"})");
    testing::ChildProcess p({VMFABRICD, "--config", cfg});
    REQUIRE(p.wait(10s) == 1);
    p.drain_stderr();
    REQUIRE(any_contains(p.stderr_lines(), "level=error event=config.invalid problem=\"" + cfg +
                                               ": policy: required key missing\""));
  }
  SECTION("database written by a newer vmfabricd") {
    const auto cfg = dir.write("vmfabric.json", kConfig);
    {
      std::vector<Migration> future = migrations();
      future.push_back({future.back().version + 1, "future", "CREATE TABLE future (x);"});
      Store::open(dir.file("vmfabric.db"), future);
    }
    testing::ChildProcess p({VMFABRICD, "--config", cfg});
    REQUIRE(p.wait(10s) == 1);
    p.drain_stderr();
    REQUIRE(any_contains(p.stderr_lines(), "level=error event=store.failed"));
    REQUIRE(any_contains(p.stderr_lines(), "is newer than this vmfabricd supports"));
  }
}
