// vmfabricd end to end on loopback: the vCenter simulator harness and the EOS fabric emulator
// serve tests/sim/eos/testdata/topology.json (2 spines, 2 MLAG pairs of leaves, 4 ESX hosts on a
// distributed switch); vmfabricd follows both and makes the switches as the plan says.
//
// The lab: web-1 (dv-web, VLAN 120) runs on esx-a1, whose DVS uplinks are the MLAG
// Port-Channel11 of leaf1a/leaf1b; esx-b1's DVS uplinks are Ethernet12 of leaf1a and leaf1b.
// vmk1 (vMotion, dv-vmotion VLAN 30) is on every host. Admin VLAN 10 is outside the managed
// range 20-3999.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>

#include "lab.h"
#include "model/vlan_set.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The journal sequence numbers of the commits on `sw` that added (or removed) `vlan` on
// `interface`, in order.
std::vector<std::uint64_t> commits_touching(EosEmulator& eos, const std::string& sw,
                                            const std::string& interface, int vlan,
                                            const std::string& verb) {
  std::vector<std::uint64_t> out;
  const std::string prefix = "switchport trunk allowed vlan " + verb + " ";
  for (const json& entry : eos.journal(sw)) {
    std::string current;
    for (const json& c : entry["commands"]) {
      const std::string line = c.get<std::string>();
      if (line.starts_with("interface ")) current = line.substr(10);
      if (current == interface && line.starts_with(prefix) &&
          VlanSet::parse(line.substr(prefix.size())).contains(VlanId::checked(vlan))) {
        out.push_back(entry["seq"].get<std::uint64_t>());
      }
    }
  }
  return out;
}

// Waits until the lab's initial plan is on the switches.
void require_converged(E2eLab& lab) { REQUIRE(lab.standard_plan_applied()); }

// vmfabric_plans_total{kind="KIND"} from /metrics (-1 when absent).
long plans(E2eLab& lab, const std::string& kind) {
  const std::string body = lab.api_get("/metrics").body;
  const std::string needle = "vmfabric_plans_total{kind=\"" + kind + "\"} ";
  const auto at = body.find(needle);
  return at == std::string::npos ? -1 : std::stol(body.substr(at + needle.size()));
}

// eAPI requests each emulated switch answered so far.
std::map<std::string, int> requests(E2eLab& lab) {
  const json stats = lab.fabric().stats();
  std::map<std::string, int> out;
  for (const std::string& sw : lab.fabric().switch_names()) {
    out[sw] = stats.at(sw).at("requests").get<int>();
  }
  return out;
}

}  // namespace

TEST_CASE("the lab converges, admin VLANs survive, and a restart changes nothing") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  // web-2 on esx-a2 (pod2) brings 120 and the dv-trunk range to leaf2a's port-channel.
  CHECK(lab.eventually([&] {
    return VlanSet::parse(lab.allowed("leaf2a", "Port-Channel11"))
        .is_subset_of(VlanSet::parse("10,30,120,200-210,300"));
  }));
  CHECK(VlanSet::parse("120,200-210,300")
            .is_subset_of(VlanSet::parse(lab.allowed("leaf2a", "Port-Channel11"))));
  // Outside the managed range: left as the switches had it.
  for (const std::string sw : {"leaf1a", "leaf2b", "spine2"}) {
    CHECK(lab.allows(sw, sw.starts_with("spine") ? "Ethernet1" : "Ethernet49", 10));
  }
  // Restart: the switches see no new session.
  const std::size_t commits = lab.wait_quiet();
  lab.stop_controller();
  lab.start_controller();
  CHECK(lab.wait_quiet() == commits);
}

TEST_CASE("power-off prunes after the hold-down and power-on adds the VLAN back") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  const auto off = Clock::now();
  lab.vcenter().client({"poweroff", "web-1"});
  REQUIRE(lab.eventually([&] {
    return !lab.allows("leaf1a", "Port-Channel11", 120) &&
           !lab.allows("leaf1b", "Port-Channel11", 120);
  }));
  CHECK(Clock::now() - off >= 2s);  // prune_delay_s
  // Still needed in pod2 only (web-2, db-1): the shortest path between leaf2a and leaf2b is
  // their peer-link, so the spines lose it and the peer-link keeps it.
  CHECK(lab.eventually([&] {
    return !lab.allows("spine1", "Ethernet1", 120) && !lab.allows("spine1", "Ethernet3", 120);
  }));
  CHECK(lab.allows("leaf2a", "Port-Channel1000", 120));
  CHECK(lab.allows("leaf2a", "Port-Channel11", 120));
  CHECK(lab.allows("leaf1a", "Port-Channel11", 30));  // vMotion vmknic: always

  lab.vcenter().client({"poweron", "web-1"});
  CHECK(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 120);
  }));
  // The journal says why each switch changed: the VM on the leaf, the fabric path on the spine.
  const auto latest_cause = [&](const std::string& sw) {
    const json changes =
        json::parse(lab.api_get("/api/v1/changes?vlan=120&limit=1&switch=" + sw).body);
    REQUIRE(changes.at("items").size() == 1);
    return changes.at("items")[0].at("cause").get<std::string>();
  };
  const std::string leaf = latest_cause("leaf1a"), spine = latest_cause("spine1");
  INFO("leaf1a: " << leaf << "\nspine1: " << spine);
  CHECK(leaf.starts_with("VM web-1 on esx-a1.lab.local via "));
  CHECK(spine.starts_with("fabric path "));
}

TEST_CASE("a vMotion gains the destination before the source loses") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  lab.vcenter().client({"migrate", "web-1", "esx-b1.lab.local"});
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Ethernet12", 120) && !lab.allows("leaf1a", "Port-Channel11", 120);
  }));
  const auto added = commits_touching(lab.fabric(), "leaf1a", "Ethernet12", 120, "add");
  const auto removed = commits_touching(lab.fabric(), "leaf1a", "Port-Channel11", 120, "remove");
  REQUIRE(added.size() == 1);
  REQUIRE(removed.size() == 1);
  CHECK(added[0] < removed[0]);
}

TEST_CASE("changing a portgroup's VLAN moves it") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  lab.vcenter().client({"set-dvportgroup-vlan", "dv-web", "125"});
  CHECK(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 125) &&
           !lab.allows("leaf1a", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 125);
  }));
  // The VLAN database: 125 created with the portgroup's name.
  CHECK(lab.fabric().state("leaf1a")["vlans"]["125"] == "dv-web");
  CHECK(lab.allows("leaf1a", "Ethernet49", 10));
  // 120 was created by vmfabric and nothing needs it now: deleted after the hold-down.
  CHECK(lab.eventually([&] { return !lab.fabric().state("leaf1a")["vlans"].contains("120"); }));
  CHECK(lab.fabric().state("leaf1a")["vlans"]["10"] == "mgmt");
}

TEST_CASE("after a restart removals wait until every switch has been read again") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  lab.stop_controller();
  // leaf2b answers 2 s late: until its first reading, all vmfabricd knows of its interfaces and
  // links is what the database remembers, which the database says was reachable.
  lab.fabric().inject({{"switch", "leaf2b"}, {"kind", "latency"}, {"latency_ms", 2000}});
  lab.start_controller();
  const auto frozen = [&] {
    return json::parse(lab.api_get("/api/v1/plan").body).at("removals_frozen");
  };
  CHECK(lab.eventually([&] { return frozen() == "switch leaf2b has not been read"; }));
  lab.fabric().clear_faults();
  CHECK(lab.eventually([&] { return frozen().is_null(); }));
}

TEST_CASE("dry-run plans and logs each switch's changes but sends nothing") {
  E2eLab::Options options;
  options.apply = "dry-run";
  E2eLab lab(options);
  CHECK(lab.wait_quiet() == 0);
  bool logged = false;
  for (const std::string& line : lab.controller().stderr_lines()) {
    if (line.find("event=reconcile.dry_run switch=leaf1a") != std::string::npos) logged = true;
  }
  CHECK(logged);
  CHECK_FALSE(lab.allows("leaf1a", "Port-Channel11", 120));
}

TEST_CASE("switch polls alone start no reconcile cycle") {
  E2eLab lab{E2eLab::Options{}};
  require_converged(lab);
  lab.wait_quiet();
  const long full = plans(lab, "full"), incremental = plans(lab, "incremental");
  REQUIRE(full > 0);
  // Every switch polled three more times (each poll moves its last_poll_ms in the graph).
  const std::map<std::string, int> before = requests(lab);
  REQUIRE(lab.eventually([&] {
    for (const auto& [sw, n] : requests(lab)) {
      if (n < before.at(sw) + 3) return false;
    }
    return true;
  }));
  // When a poll was more than a poll time (a switch or a host hint failing under load), say so.
  std::string warnings;
  for (const std::string& line : lab.controller().stderr_lines()) {
    if (line.find(" level=warn ") != std::string::npos ||
        line.find(" level=error ") != std::string::npos) {
      warnings += line + "\n";
    }
  }
  INFO("vmfabricd's warnings and errors:\n" << warnings);
  CHECK(plans(lab, "full") == full);
  CHECK(plans(lab, "incremental") == incremental);
  // The next VM change is planned as before: incrementally, the polls in between included.
  lab.vcenter().client({"poweroff", "web-1"});
  CHECK(lab.eventually([&] { return plans(lab, "incremental") > incremental; }));
  CHECK(plans(lab, "full") == full);
}
