// Correlation: each source alone, in any notation; precedence; disagreements; uplinks found
// nowhere; ports that do not exist.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "lab.h"

namespace vmfabric::planner::testing {
namespace {

// leaf1a (MAC 00:1c:73:00:00:01) and leaf1b (…:02), each with Ethernet1-2; esx-a1.lab.local with
// vmnic0-1 (uplinks of vSwitch0) and vmnic5 (unused), nothing heard anywhere.
struct Bench {
  Lab lab;
  HostId host;
  Bench() {
    lab.add_switch("leaf1a").add_switch("leaf1b");
    for (const char* sw : {"leaf1a", "leaf1b"}) {
      lab.add_port(sw, "Ethernet1").add_port(sw, "Ethernet2");
    }
    host = lab.add_host("esx-a1.lab.local");
    lab.add_pnic(host, "vmnic0").add_pnic(host, "vmnic1").add_pnic(host, "vmnic5");
    lab.add_vswitch(host, "vSwitch0", {"vmnic0", "vmnic1"});
  }
  std::string mac(const std::string& device) const { return lab.get<Pnic>({host, device}).mac; }
};

InterfaceId port(const char* sw, const char* name) { return {SwitchId(sw), InterfaceName(name)}; }

struct SourceCase {
  const char* name;
  std::optional<NeighborHint> lldp;
  std::optional<NeighborHint> cdp;
  std::vector<LldpNeighbor> switch_lldp;  // heard on leaf1b Ethernet2
  std::optional<InterfaceId> found;
  Evidence evidence;
};

TEST_CASE("each source alone locates an uplink") {
  const std::string pnic_mac = Bench().mac("vmnic0");
  const std::string dotted = "0050.5600.0100";  // the same MAC in EOS notation
  REQUIRE(pnic_mac == "00:50:56:00:01:00");
  const std::vector<SourceCase> cases = {
      {"host LLDP chassis id in EOS notation",
       NeighborHint{"001c.7300.0001", "Ethernet1", ""},
       std::nullopt,
       {},
       port("leaf1a", "Ethernet1"),
       Evidence::kHostLldp},
      {"host LLDP chassis id with colons, upper case",
       NeighborHint{"00:1C:73:00:00:02", "Ethernet2", ""},
       std::nullopt,
       {},
       port("leaf1b", "Ethernet2"),
       Evidence::kHostLldp},
      {"host LLDP system name FQDN in another case",
       NeighborHint{"not-a-mac", "Ethernet1", "LEAF1B.lab.local"},
       std::nullopt,
       {},
       port("leaf1b", "Ethernet1"),
       Evidence::kHostLldp},
      {"host CDP device id FQDN",
       std::nullopt,
       NeighborHint{"leaf1a.lab.local", "Ethernet2", ""},
       {},
       port("leaf1a", "Ethernet2"),
       Evidence::kHostCdp},
      {"switch LLDP by short host name in another case and vmnic",
       std::nullopt,
       std::nullopt,
       {LldpNeighbor{"", "vmnic0", "ESX-A1"}},
       port("leaf1b", "Ethernet2"),
       Evidence::kSwitchLldp},
      {"switch LLDP by FQDN host name",
       std::nullopt,
       std::nullopt,
       {LldpNeighbor{"", "vmnic0", "esx-a1.lab.local"}},
       port("leaf1b", "Ethernet2"),
       Evidence::kSwitchLldp},
      {"switch LLDP by chassis id = pnic MAC in EOS notation",
       std::nullopt,
       std::nullopt,
       {LldpNeighbor{dotted, "port 7", "someone"}},
       port("leaf1b", "Ethernet2"),
       Evidence::kSwitchLldp},
      {"switch LLDP naming another host finds nothing",
       std::nullopt,
       std::nullopt,
       {LldpNeighbor{"", "vmnic0", "esx-a11.lab.local"}},
       std::nullopt,
       Evidence::kSwitchLldp},
      {"switch LLDP naming another vmnic finds nothing",
       std::nullopt,
       std::nullopt,
       {LldpNeighbor{"", "vmnic1", "esx-a1"}},
       std::nullopt,
       Evidence::kSwitchLldp},
  };
  for (const SourceCase& c : cases) {
    SECTION(c.name) {
      Bench b;
      b.lab.set_pnic_hints(b.host, "vmnic0", c.lldp, c.cdp);
      for (const LldpNeighbor& n : c.switch_lldp) b.lab.add_switch_lldp("leaf1b", "Ethernet2", n);
      const Correlation found = correlate(b.lab.snapshot());
      const auto uplink = found.uplinks.find(PnicId{b.host, "vmnic0"});
      if (c.found) {
        REQUIRE(uplink != found.uplinks.end());
        CHECK(uplink->second.port == *c.found);
        CHECK(uplink->second.attachment == *c.found);
        CHECK(uplink->second.evidence == c.evidence);
      } else {
        CHECK(uplink == found.uplinks.end());
      }
    }
  }
}

TEST_CASE("the best source wins and a disagreement is reported") {
  Bench b;
  const std::string vmnic0 = "vmnic0 of esx-a1.lab.local: ";
  SECTION("host LLDP over host CDP") {
    b.lab.set_pnic_hints(b.host, "vmnic0", NeighborHint{"00:1c:73:00:00:01", "Ethernet1", "leaf1a"},
                         NeighborHint{"leaf1b", "Ethernet1", ""});
    const Correlation c = correlate(b.lab.snapshot());
    CHECK(c.uplinks.at(PnicId{b.host, "vmnic0"}).port == port("leaf1a", "Ethernet1"));
    REQUIRE(c.problems.size() == 2);
    CHECK(c.problems[0] == CorrelationProblem{PnicId{b.host, "vmnic0"},
                                              vmnic0 + "host LLDP says leaf1a Ethernet1, host CDP "
                                                       "says leaf1b Ethernet1"});
    CHECK(c.problems[1].problem == "vmnic1 of esx-a1.lab.local: no LLDP/CDP neighbour");
  }
  SECTION("host CDP over switch LLDP") {
    b.lab.set_pnic_hints(b.host, "vmnic0", std::nullopt, NeighborHint{"leaf1b", "Ethernet1", ""});
    b.lab.add_switch_lldp("leaf1a", "Ethernet2", {b.mac("vmnic0"), "vmnic0", "esx-a1"});
    const Correlation c = correlate(b.lab.snapshot());
    CHECK(c.uplinks.at(PnicId{b.host, "vmnic0"}).port == port("leaf1b", "Ethernet1"));
    CHECK(c.uplinks.at(PnicId{b.host, "vmnic0"}).evidence == Evidence::kHostCdp);
    CHECK(c.problems.at(0).problem ==
          vmnic0 + "host CDP says leaf1b Ethernet1, switch LLDP says leaf1a Ethernet2");
  }
  SECTION("agreeing sources are no problem") {
    b.lab.cable(b.host, "vmnic0", "leaf1a", "Ethernet1")
        .cable(b.host, "vmnic1", "leaf1b", "Ethernet1");
    const Correlation c = correlate(b.lab.snapshot());
    CHECK(c.uplinks.size() == 2);
    CHECK(c.problems.empty());
  }
  SECTION("two switch ports hearing one pnic are ambiguous, not guessed") {
    b.lab.add_switch_lldp("leaf1a", "Ethernet2", {"", "vmnic0", "esx-a1"});
    b.lab.add_switch_lldp("leaf1b", "Ethernet2", {"", "vmnic0", "esx-a1"});
    const Correlation c = correlate(b.lab.snapshot());
    CHECK_FALSE(c.uplinks.contains(PnicId{b.host, "vmnic0"}));
    CHECK(c.problems.at(0).problem ==
          vmnic0 + "switch LLDP says leaf1a Ethernet2 and leaf1b Ethernet2 (ambiguous)");
  }
}

TEST_CASE("an uplink found nowhere, or on a port that does not exist, is a problem") {
  Bench b;
  b.lab.set_pnic_hints(b.host, "vmnic1", NeighborHint{"00:1c:73:00:00:01", "Ethernet99", ""},
                       std::nullopt);
  b.lab.set_pnic_hints(b.host, "vmnic5", NeighborHint{"00:1c:73:00:00:01", "Ethernet2", ""},
                       std::nullopt);
  const Correlation c = correlate(b.lab.snapshot());
  CHECK(c.uplinks.size() == 1);  // vmnic5: located although no vSwitch uses it
  CHECK(c.problems ==
        std::vector<CorrelationProblem>{
            {PnicId{b.host, "vmnic0"}, "vmnic0 of esx-a1.lab.local: no LLDP/CDP neighbour"},
            {PnicId{b.host, "vmnic1"},
             "vmnic1 of esx-a1.lab.local: host LLDP says leaf1a Ethernet99 (not a fabric port)"}});
}

TEST_CASE("an unused pnic heard nowhere is no problem") {
  Bench b;
  b.lab.cable(b.host, "vmnic0", "leaf1a", "Ethernet1")
      .cable(b.host, "vmnic1", "leaf1b", "Ethernet1");
  CHECK(correlate(b.lab.snapshot()).problems.empty());
}

TEST_CASE("a switch the fabric does not know is not a fabric port") {
  Bench b;
  b.lab.set_pnic_hints(b.host, "vmnic0", NeighborHint{"00:aa:bb:cc:dd:ee", "Gi0/1", "oob-sw"},
                       std::nullopt);
  const Correlation c = correlate(b.lab.snapshot());
  CHECK(c.problems.at(0).problem ==
        "vmnic0 of esx-a1.lab.local: host LLDP says oob-sw Gi0/1 (not a fabric port)");
}

}  // namespace
}  // namespace vmfabric::planner::testing
