// The whole product on loopback for end-to-end tests: the vCenter simulator harness and the EOS
// fabric emulator serving one lab topology, and vmfabricd following both with a generated config.
// vmfabricd's API listens on a free loopback port, with a viewer token made by `vmfabricd token
// create`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"
#include "tests/sim/eos/harness.h"
#include "tests/sim/vcsim/cpp/harness.h"

namespace vmfabric::testing {

// Cables every ESX pnic of `topology` (esx-b2's vmnic3 to leaf2b Ethernet12) and has each speak
// LLDP: the standard lab then has no true audit findings (for Options::adjust_topology).
void cable_every_pnic_with_lldp(nlohmann::json& topology);

class E2eLab {
 public:
  struct Options {
    // A lab topology file (tests/sim/TOPOLOGY.md); empty: the tests' standard lab,
    // tests/sim/eos/testdata/topology.json.
    std::string topology;
    // Changes made to the topology (read from `topology`) before the lab starts, if set.
    std::function<void(nlohmann::json& topology)> adjust_topology;
    std::string managed_vlans = "20-3999";
    int prune_delay_s = 2;
    int poll_interval_s = 1;
    std::string mode = "on-demand";
    std::string apply = "auto";
    // Emulated switches left out of the config file (to add through the API).
    std::vector<std::string> left_out_switches;
    std::string remediate = "none";  // audit.remediate
    int audit_interval_s = 0;        // audit.interval_s (0: audits only on demand)
    // false: no vCenter simulator and no vCenter in the config (then vcenter() must not be
    // called); for runs about the switches alone.
    bool vcenter = true;
    std::string vmotion_delay = "1500ms";  // how long the simulator's host migrations take
    std::string log_level = "info";        // vmfabricd's; "debug" logs each update's hops
    // The directory of vmfabricd's database (vmfabric.db, with its -wal and -shm beside it);
    // empty: the lab's own temporary directory.
    std::string database_dir;
  };
  explicit E2eLab(Options options);
  ~E2eLab();

  Vcsim& vcenter() { return *vcsim_; }
  // Kills the vCenter simulator (SIGKILL: vCenter gone at once); start_vcenter() starts it again
  // on the same URL, with the inventory of the topology file (what changed through the client
  // before is gone, as if it changed back while vCenter was down).
  void kill_vcenter();
  void start_vcenter();
  EosEmulator& fabric() { return *eos_; }

  // Starts vmfabricd (again) on the same config and database; returns once it logged ready.
  void start_controller();
  // SIGTERM, and checks it exited 0.
  void stop_controller();
  // SIGKILL (a crash: nothing is flushed or closed), and waits until it is gone.
  void kill_controller();
  ChildProcess& controller() { return *controller_; }

  // vmfabricd's database file, as the config names it.
  const std::string& database() const { return database_; }

  // The API of the running vmfabricd (plain HTTP on 127.0.0.1) and the lab's viewer token.
  std::uint16_t api_port() const { return api_port_; }
  const std::string& api_token() const { return api_token_; }
  // GET `target` from the API with `token` (default: the lab's viewer token; "" sends none).
  net::HttpResponse api_get(const std::string& target,
                            const std::optional<std::string>& token = std::nullopt);
  // `method` `target` with a JSON `body` (sent as application/json when not empty) and `token`.
  net::HttpResponse api_request(const std::string& method, const std::string& target,
                                const std::string& body, const std::string& token);
  // The config file entry of the emulated switch `name` (as the lab writes it).
  nlohmann::json switch_entry(const std::string& name);
  // `vmfabricd token create` on the lab's config; returns the token it printed, once the running
  // vmfabricd (if any) accepts it.
  std::string create_token(const std::string& name, const std::string& role);

  // Runs a drift audit now (POST /api/v1/audits with an operator token) and returns it as
  // GET /api/v1/audits/{id} shows it once it ended; throws when it cannot be started or does not
  // end within `timeout`.
  nlohmann::json run_audit(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Every entry of vmfabricd's change journal (GET /api/v1/changes, all pages), newest first.
  std::vector<nlohmann::json> changes();
  // The journal against the switches: every session named vmfabric-* a switch committed must be
  // in vmfabricd's journal (it journals before it sends), and no entry may stay pending.
  struct JournalCheck {
    std::size_t committed = 0;          // sessions named vmfabric-* the switches committed
    std::vector<std::string> lost;      // of those, the ones not journaled ("switch session")
    std::size_t pending = 0;            // journal entries still pending
    std::size_t closed_at_restart = 0;  // entries vmfabricd closed at start (it had been killed)
    std::size_t failed = 0;             // entries that failed or were aborted
  };
  JournalCheck check_journal();
  // The operator token run_audit uses, made by `vmfabricd token create` on first use.
  const std::string& operator_token();
  // Whether the standard lab's initial plan is on the switches (waits for it).
  bool standard_plan_applied();

  // The VLANs the emulated switch `sw` allows on `interface` now.
  std::string allowed(const std::string& sw, const std::string& interface);
  // Waits until `pred()` holds, re-checking every 50 ms (the switches' state is polled: the
  // emulator has no change notification). False on timeout.
  bool eventually(const std::function<bool()>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits until vmfabricd is idle: every switch was read twice since the last commit on any
  // switch (each read is followed by a reconcile cycle, which found nothing to do). Returns the
  // number of commits in the emulator's journal then; throws on timeout.
  std::size_t wait_quiet(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Commits in the emulator's journal, over every switch.
  std::size_t commits();
  // Whether `allowed(sw, interface)` includes / excludes VLAN `vlan`.
  bool allows(const std::string& sw, const std::string& interface, int vlan);

 private:
  // Appends vmfabricd's log to the file named by VMFABRIC_E2E_LOG, when set (for debugging).
  void keep_log();

  Options options_;
  TempDir dir_;
  Vcsim::Options vcsim_options_;
  std::unique_ptr<Vcsim> vcsim_;
  std::unique_ptr<EosEmulator> eos_;
  std::unique_ptr<ChildProcess> controller_;
  std::string config_file_;
  std::string database_;
  std::uint16_t api_port_ = 0;
  std::string api_token_;
  std::string operator_token_;  // made by the first operator_token()
};

}  // namespace vmfabric::testing
