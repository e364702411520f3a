#include "southbound/change_set.h"

#include <catch2/catch.hpp>

namespace vmfabric::southbound {
namespace {

using Commands = std::vector<std::string>;

VlanId vlan(int v) { return VlanId::checked(v); }

TEST_CASE("A ChangeSet renders to the exact commands of one configuration session") {
  struct Case {
    const char* name;
    ChangeSet changes;
    Commands expected;
  };
  ChangeSet everything;
  everything.create_vlans = {{vlan(130), "db"}, {vlan(110), "web servers"}};
  everything.delete_vlans = VlanSet::of({200, 201, 202, 210});
  everything.interfaces[InterfaceName("Port-Channel10")].add = VlanSet::parse("100-120,130");
  everything.interfaces[InterfaceName("Ethernet5")] = {VlanSet::of({110}),
                                                       VlanSet::parse("200-202,210")};
  ChangeSet adds_only;
  adds_only.interfaces[InterfaceName("Ethernet1")].add = VlanSet::of({100});
  adds_only.interfaces[InterfaceName("Ethernet2")];  // nothing to do: no `interface` line
  ChangeSet unnamed;
  unnamed.create_vlans = {{vlan(4000), ""}};

  const std::vector<Case> cases = {
      {"empty", ChangeSet{}, {}},
      {"everything",
       everything,
       {"configure session vmfabric-7", "vlan 110", "name web_servers", "vlan 130", "name db",
        "interface Ethernet5", "switchport trunk allowed vlan add 110",
        "switchport trunk allowed vlan remove 200-202,210", "interface Port-Channel10",
        "switchport trunk allowed vlan add 100-120,130", "no vlan 200-202,210", "commit"}},
      {"adds only",
       adds_only,
       {"configure session vmfabric-7", "interface Ethernet1",
        "switchport trunk allowed vlan add 100", "commit"}},
      {"a VLAN without a name keeps EOS's",
       unnamed,
       {"configure session vmfabric-7", "vlan 4000", "commit"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(render(c.changes, "vmfabric-7") == c.expected);
  }
}

TEST_CASE("A ChangeSet with only empty interface entries is empty") {
  ChangeSet c;
  c.interfaces[InterfaceName("Ethernet1")];
  CHECK(c.empty());
  CHECK(render(c, "s").empty());
}

TEST_CASE("VLAN names are made valid for EOS") {
  CHECK(eos_vlan_name("WEB") == "WEB");
  CHECK(eos_vlan_name("prod web tier") == "prod_web_tier");
  CHECK(eos_vlan_name("a\tb?c") == "a_b_c");
  CHECK(eos_vlan_name("caf\xc3\xa9") == "caf__");
  CHECK(eos_vlan_name(std::string(40, 'x')) == std::string(32, 'x'));
}

TEST_CASE("Contradictory ChangeSets and bad names are refused") {
  ChangeSet both_ways;
  both_ways.interfaces[InterfaceName("Ethernet1")] = {VlanSet::of({10, 11}), VlanSet::of({11})};
  CHECK_THROWS_MATCHES(
      render(both_ways, "s"), ChangeSetError,
      Catch::Matchers::Message("change set: Ethernet1: VLANs 11 are both added and removed"));

  ChangeSet create_delete;
  create_delete.create_vlans = {{vlan(10), "a"}};
  create_delete.delete_vlans = VlanSet::of({10});
  CHECK_THROWS_MATCHES(
      render(create_delete, "s"), ChangeSetError,
      Catch::Matchers::Message("change set: VLANs 10 are both created and deleted"));

  ChangeSet bad_interface;
  bad_interface.interfaces[InterfaceName("Ethernet1; reload")].add = VlanSet::of({10});
  CHECK_THROWS_AS(render(bad_interface, "s"), ChangeSetError);

  ChangeSet one;
  one.delete_vlans = VlanSet::of({10});
  CHECK_THROWS_MATCHES(render(one, "my session"), ChangeSetError,
                       Catch::Matchers::Message("configuration session name \"my session\": "
                                                "expected printable characters without spaces"));
}

TEST_CASE("Abort re-enters the session and discards it") {
  CHECK(render_abort("vmfabric-7") == Commands{"configure session vmfabric-7", "abort"});
  CHECK_THROWS_AS(render_abort(""), ChangeSetError);
}

}  // namespace
}  // namespace vmfabric::southbound
