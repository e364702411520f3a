// Graph::apply: the net changes it reports, the all-or-nothing batch, the ownership cascade on
// removal, immutable snapshots, and handing snapshots to a reader thread.
#include "graph/graph.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fixtures.h"

namespace Catch {
template <>
struct StringMaker<vmfabric::Change> {
  static std::string convert(const vmfabric::Change& c) {
    const char* type = c.type == vmfabric::ChangeType::kAdded      ? "added"
                       : c.type == vmfabric::ChangeType::kModified ? "modified"
                                                                   : "removed";
    return std::string(type) + " " + vmfabric::to_string(vmfabric::kind_of(c.key)) + " " +
           vmfabric::to_string(c.key);
  }
};
}  // namespace Catch

namespace vmfabric {
namespace {

// ---- building entities -------------------------------------------------------------------------

Change added(EntityKey key) { return {ChangeType::kAdded, std::move(key)}; }
Change modified(EntityKey key) { return {ChangeType::kModified, std::move(key)}; }
Change removed(EntityKey key) { return {ChangeType::kRemoved, std::move(key)}; }

HostId host_id(const std::string& vc, const std::string& moref) { return {VCenterId(vc), moref}; }
VmId vm_id(const std::string& vc, const std::string& moref) { return {VCenterId(vc), moref}; }
DvsId dvs_id(const std::string& vc, const std::string& moref) { return {VCenterId(vc), moref}; }
DvPortgroupId dvpg_id(const std::string& vc, const std::string& moref) {
  return {VCenterId(vc), moref};
}
InterfaceId if_id(const std::string& sw, const std::string& name) {
  return {SwitchId(sw), InterfaceName(name)};
}
LinkId link_id(const std::string& sw_a, const std::string& if_a, const std::string& sw_b,
               const std::string& if_b) {
  return LinkId::of(if_id(sw_a, if_a), if_id(sw_b, if_b));
}

VCenter make_vcenter(const std::string& name) {
  VCenter v;
  v.id = VCenterId(name);
  v.url = "https://" + name + ".lab.local/sdk";
  v.session = SessionState::kConnected;
  return v;
}

Host make_host(const HostId& id, const std::string& name) {
  Host h;
  h.id = id;
  h.name = name;
  h.cpu_cores = 32;
  return h;
}

Pnic make_pnic(const HostId& host, const std::string& device) {
  Pnic p;
  p.id = {host, device};
  p.mac = "00:50:56:00:00:" + device.substr(device.size() - 1);
  p.speed_mbps = 10000;
  return p;
}

Vm make_vm(const VmId& id, const std::string& name, std::optional<HostId> host) {
  Vm vm;
  vm.id = id;
  vm.name = name;
  vm.power = PowerState::kPoweredOn;
  vm.host = std::move(host);
  return vm;
}

VmNic make_vm_nic(const VmId& vm, int key) {
  VmNic n;
  n.id = {vm, key};
  n.label = "Network adapter " + std::to_string(key);
  n.mac = "00:50:56:aa:bb:" + std::to_string(key % 100);
  return n;
}

Switch make_switch(const std::string& name) {
  Switch s;
  s.id = SwitchId(name);
  s.address = name + ".lab.local";
  s.reachability = Reachability::kReachable;
  return s;
}

Interface make_interface(const std::string& sw, const std::string& name) {
  Interface i;
  i.id = if_id(sw, name);
  i.oper_up = true;
  i.mode = SwitchportMode::kTrunk;
  return i;
}

MlagPair make_mlag(const std::string& a, const std::string& b) {
  MlagPair m;
  m.id = MlagId::of(SwitchId(a), SwitchId(b));
  m.domain = a + "-" + b;
  m.peer_link = InterfaceName("Port-Channel1000");
  m.active = true;
  return m;
}

Link make_link(const std::string& sw_a, const std::string& if_a, const std::string& sw_b,
               const std::string& if_b) {
  Link l;
  l.id = link_id(sw_a, if_a, sw_b, if_b);
  return l;
}

// One vCenter's inventory, owners before what they own. Ids and names are the same for every
// vCenter (only the vCenter part of the ids differs), and morefs are chosen so that string order
// interleaves them: "host-1" < "host-10" < "host-2".
std::vector<Entity> vcenter_world(const std::string& vc) {
  std::vector<Entity> out;
  out.emplace_back(make_vcenter(vc));
  Cluster cluster;
  cluster.id = {VCenterId(vc), "domain-c1"};
  cluster.name = "cluster-1";
  out.emplace_back(cluster);
  for (const std::string moref : {"host-1", "host-10", "host-2"}) {
    const HostId h = host_id(vc, moref);
    Host host = make_host(h, "esx-" + moref + ".lab.local");
    host.cluster = cluster.id;
    out.emplace_back(host);
    out.emplace_back(make_pnic(h, "vmnic0"));
    out.emplace_back(make_pnic(h, "vmnic1"));
    VSwitch vs;
    vs.id = {h, "vSwitch0"};
    vs.uplinks = {"vmnic0", "vmnic1"};
    out.emplace_back(vs);
    for (const std::string pg_name : {"VM Network", "pg-app"}) {
      StandardPortgroup pg;
      pg.id = {h, pg_name};
      pg.vswitch = "vSwitch0";
      out.emplace_back(pg);
    }
    VmkNic vmk;
    vmk.id = {h, "vmk0"};
    vmk.portgroup = "VM Network";
    vmk.services = {VmkService::kManagement};
    out.emplace_back(vmk);
  }
  // dvs-1 owns dvportgroup-1 and dvportgroup-3; dvs-10 owns dvportgroup-2 (not a prefix range).
  for (const std::string moref : {"dvs-1", "dvs-10"}) {
    DistributedSwitch dvs;
    dvs.id = dvs_id(vc, moref);
    dvs.name = moref;
    dvs.uuid = "uuid-" + moref;
    out.emplace_back(dvs);
  }
  using Pair = std::pair<std::string, std::string>;
  const Pair portgroups[] = {
      {"dvportgroup-1", "dvs-1"}, {"dvportgroup-2", "dvs-10"}, {"dvportgroup-3", "dvs-1"}};
  for (const auto& [pg_moref, dvs_moref] : portgroups) {
    DvPortgroup pg;
    pg.id = dvpg_id(vc, pg_moref);
    pg.name = pg_moref;
    pg.dvs = dvs_id(vc, dvs_moref);
    pg.vlan = {VlanMode::kVlan, VlanSet::of({100})};
    out.emplace_back(pg);
  }
  const Pair vms[] = {{"vm-1", "host-1"}, {"vm-10", "host-10"}, {"vm-2", "host-2"}};
  for (const auto& [vm_moref, host_moref] : vms) {
    const VmId id = vm_id(vc, vm_moref);
    out.emplace_back(make_vm(id, "app-" + vm_moref, host_id(vc, host_moref)));
    if (vm_moref == "vm-1") out.emplace_back(make_vm_nic(id, 0));
    out.emplace_back(make_vm_nic(id, 4000));
    out.emplace_back(make_vm_nic(id, 4001));
  }
  return out;
}

// Four switches ("border1" < "leaf1" < "leaf10" < "leaf2"), each with Ethernet1-4 and a
// port-channel; MLAG pairs leaf1+leaf2 and border1+leaf10; links in which leaf1 is the first end,
// the second end, and both ends.
std::vector<Entity> fabric() {
  std::vector<Entity> out;
  for (const std::string sw : {"border1", "leaf1", "leaf10", "leaf2"}) {
    out.emplace_back(make_switch(sw));
    for (int port = 1; port <= 4; ++port) {
      out.emplace_back(make_interface(sw, "Ethernet" + std::to_string(port)));
    }
    PortChannel pc;
    pc.id = {SwitchId(sw), InterfaceName("Port-Channel1000")};
    pc.members = {InterfaceName("Ethernet3"), InterfaceName("Ethernet4")};
    out.emplace_back(pc);
  }
  out.emplace_back(make_mlag("leaf1", "leaf2"));
  out.emplace_back(make_mlag("leaf10", "border1"));
  out.emplace_back(make_link("border1", "Ethernet1", "leaf1", "Ethernet3"));
  out.emplace_back(make_link("leaf1", "Ethernet1", "leaf2", "Ethernet1"));
  out.emplace_back(make_link("leaf1", "Ethernet2", "leaf1", "Ethernet4"));
  out.emplace_back(make_link("leaf10", "Ethernet1", "leaf2", "Ethernet2"));
  out.emplace_back(make_link("border1", "Ethernet2", "leaf10", "Ethernet2"));
  return out;
}

Delta delta_of(const std::vector<Entity>& entities) {
  Delta d;
  for (const Entity& e : entities) d.upsert(e);
  return d;
}

std::vector<Entity> world_entities() {
  std::vector<Entity> all = vcenter_world("vc1");
  for (Entity& e : vcenter_world("vc2")) all.push_back(std::move(e));
  for (Entity& e : fabric()) all.push_back(std::move(e));
  return all;
}

Graph make_world() {
  Graph g;
  g.apply(delta_of(world_entities()));
  return g;
}

template <class... T>
std::set<EntityKey> keys_of(const Snapshot& s, TypeList<T...>) {
  std::set<EntityKey> out;
  (
      [&] {
        for (const T& e : s.all<T>()) out.insert(EntityKey{e.id});
      }(),
      ...);
  return out;
}
std::set<EntityKey> keys_of(const Snapshot& s) { return keys_of(s, AllEntities{}); }

std::set<EntityKey> keys_of(const std::vector<Entity>& entities) {
  std::set<EntityKey> out;
  for (const Entity& e : entities) out.insert(key_of(e));
  return out;
}

// Owners first (by EntityKind), then by id within a kind; no key twice.
void require_dependency_order(const std::vector<Change>& changes) {
  for (std::size_t i = 1; i < changes.size(); ++i) {
    const EntityKind prev = kind_of(changes[i - 1].key);
    const EntityKind cur = kind_of(changes[i].key);
    INFO("change " << i << ": " << Catch::Detail::stringify(changes[i - 1]) << " then "
                   << Catch::Detail::stringify(changes[i]));
    REQUIRE(prev <= cur);
    if (prev == cur) REQUIRE(changes[i - 1].key < changes[i].key);
  }
}

// Removes `target` from `g` and checks that exactly `expected` (in that order) is reported and
// removed, that everything else is still there with the same value, and that the version moved
// by one.
void require_removal(Graph& g, const EntityKey& target, const std::vector<Change>& expected) {
  const Snapshot before = g.snapshot();
  Delta d;
  d.remove(target);
  const GraphChanges result = g.apply(d);
  REQUIRE(result.changes == expected);
  require_dependency_order(result.changes);
  REQUIRE(result.version == before.version() + 1);
  REQUIRE(g.current().version() == before.version() + 1);

  std::set<EntityKey> remaining = keys_of(before);
  for (const Change& c : expected) {
    REQUIRE(c.type == ChangeType::kRemoved);
    REQUIRE(remaining.erase(c.key) == 1);
  }
  REQUIRE(keys_of(g.current()) == remaining);
  for (const EntityKey& key : remaining) {
    INFO(to_string(key));
    REQUIRE(g.current().get(key) == before.get(key));
  }
}

// ---- apply: what it reports ------------------------------------------------------------------

TEST_CASE("Graph::apply reports the added entities owners first, by kind then id", "[graph]") {
  Graph g;
  REQUIRE(g.current().version() == 0);

  Delta d;  // deliberately not in dependency order across kinds
  d.upsert(make_switch("leaf2"));
  d.upsert(make_interface("leaf2", "Ethernet1"));
  d.upsert(make_vcenter("vc1"));
  d.upsert(make_vm(vm_id("vc1", "vm-2"), "b", std::nullopt));
  d.upsert(make_vm_nic(vm_id("vc1", "vm-2"), 4000));
  d.upsert(make_switch("leaf1"));
  d.upsert(make_vm(vm_id("vc1", "vm-10"), "a", std::nullopt));
  d.upsert(make_host(host_id("vc1", "host-1"), "esx1"));
  d.upsert(make_vm(vm_id("vc1", "vm-1"), "c", host_id("vc1", "host-1")));
  d.upsert(make_vm_nic(vm_id("vc1", "vm-1"), 4001));
  d.upsert(make_vm_nic(vm_id("vc1", "vm-1"), 4000));
  d.upsert(make_pnic(host_id("vc1", "host-1"), "vmnic0"));

  const GraphChanges result = g.apply(d);
  const std::vector<Change> expected = {
      added(VCenterId("vc1")),
      added(host_id("vc1", "host-1")),
      added(PnicId{host_id("vc1", "host-1"), "vmnic0"}),
      added(vm_id("vc1", "vm-1")),
      added(vm_id("vc1", "vm-10")),
      added(vm_id("vc1", "vm-2")),
      added(VmNicId{vm_id("vc1", "vm-1"), 4000}),
      added(VmNicId{vm_id("vc1", "vm-1"), 4001}),
      added(VmNicId{vm_id("vc1", "vm-2"), 4000}),
      added(SwitchId("leaf1")),
      added(SwitchId("leaf2")),
      added(if_id("leaf2", "Ethernet1")),
  };
  REQUIRE(result.changes == expected);
  require_dependency_order(result.changes);
  REQUIRE(result.version == 1);
  REQUIRE(g.current().version() == 1);
  REQUIRE(testing::entity_count(g.current()) == expected.size());
}

TEST_CASE("Graph::apply reports exactly the net changes and bumps the version once per batch",
          "[graph]") {
  Graph g = make_world();
  REQUIRE(g.current().version() == 1);
  const std::size_t total = testing::entity_count(g.current());
  REQUIRE(total == world_entities().size());

  SECTION("upserting identical values is no change and keeps the version") {
    const Snapshot before = g.snapshot();
    const GraphChanges result = g.apply(delta_of(world_entities()));
    REQUIRE(result.empty());
    REQUIRE(result.changes.empty());
    REQUIRE(result.version == 1);
    REQUIRE(g.current().version() == 1);
    REQUIRE(testing::diff(before, g.current()).empty());
  }

  SECTION("an empty delta is no change") {
    const GraphChanges result = g.apply(Delta{});
    REQUIRE(result.empty());
    REQUIRE(result.version == 1);
    REQUIRE(g.current().version() == 1);
  }

  SECTION("removing absent keys is no change and not an error") {
    Delta d;
    d.remove(vm_id("vc1", "vm-99"));
    d.remove(vm_id("vc3", "vm-1"));
    d.remove(VCenterId("vc3"));
    d.remove(SwitchId("spine9"));
    d.remove(PnicId{host_id("vc9", "host-1"), "vmnic0"});  // even its owner is unknown
    d.remove(MlagId::of(SwitchId("leaf1"), SwitchId("leaf10")));
    d.remove(link_id("leaf1", "Ethernet4", "leaf2", "Ethernet4"));
    const GraphChanges result = g.apply(d);
    REQUIRE(result.empty());
    REQUIRE(result.version == 1);
    REQUIRE(g.current().version() == 1);
    REQUIRE(testing::entity_count(g.current()) == total);
  }

  SECTION("a mixed batch reports only what changed, each key once") {
    Delta d;
    Vm vm1 = *g.current().find<Vm>(vm_id("vc1", "vm-1"));
    vm1.power = PowerState::kPoweredOff;
    d.upsert(vm1);                                                 // modified
    d.upsert(*g.current().find<Vm>(vm_id("vc1", "vm-2")));         // identical: no change
    d.upsert(make_vm(vm_id("vc2", "vm-3"), "new", std::nullopt));  // added
    d.remove(if_id("leaf2", "Ethernet4"));                         // removed
    d.remove(if_id("leaf2", "Ethernet9"));                         // absent: no change
    Interface e1 = *g.current().find<Interface>(if_id("leaf2", "Ethernet1"));
    e1.oper_up = false;
    d.upsert(e1);  // modified...
    e1.description = "down";
    d.upsert(e1);                                            // ...twice: still one change
    d.upsert(*g.current().find<Switch>(SwitchId("leaf2")));  // identical

    const GraphChanges result = g.apply(d);
    const std::vector<Change> expected = {
        modified(vm_id("vc1", "vm-1")),
        added(vm_id("vc2", "vm-3")),
        modified(if_id("leaf2", "Ethernet1")),
        removed(if_id("leaf2", "Ethernet4")),
    };
    REQUIRE(result.changes == expected);
    REQUIRE(result.version == 2);
    REQUIRE(g.current().version() == 2);
    REQUIRE(g.current().find<Vm>(vm_id("vc1", "vm-1"))->power == PowerState::kPoweredOff);
    REQUIRE(g.current().find<Interface>(if_id("leaf2", "Ethernet1"))->description == "down");
    REQUIRE(g.current().find<Interface>(if_id("leaf2", "Ethernet4")) == nullptr);
    REQUIRE(testing::entity_count(g.current()) == total);  // one added, one removed
  }

  SECTION("the version counts changing batches only") {
    std::uint64_t expected_version = 1;
    for (int round = 0; round < 10; ++round) {
      Delta changing;
      Vm vm = *g.current().find<Vm>(vm_id("vc2", "vm-10"));
      vm.name = "round-" + std::to_string(round);
      changing.upsert(vm);
      changing.upsert(vm);  // the same change twice in one batch: still one version
      ++expected_version;
      REQUIRE(g.apply(changing).version == expected_version);
      REQUIRE(g.current().version() == expected_version);

      Delta no_op;
      no_op.upsert(vm);
      no_op.remove(vm_id("vc2", "vm-77"));
      const GraphChanges result = g.apply(no_op);
      REQUIRE(result.empty());
      REQUIRE(result.version == expected_version);
      REQUIRE(g.current().version() == expected_version);
    }
  }
}

TEST_CASE("Graph::apply nets out several operations on one key within a delta", "[graph]") {
  Graph g;
  {
    Delta d;
    d.upsert(make_vcenter("vc1"));
    d.upsert(make_host(host_id("vc1", "host-1"), "esx1"));
    d.upsert(make_vm(vm_id("vc1", "vm-1"), "one", host_id("vc1", "host-1")));
    d.upsert(make_vm(vm_id("vc1", "vm-2"), "two", host_id("vc1", "host-1")));
    d.upsert(make_vm_nic(vm_id("vc1", "vm-2"), 4000));
    g.apply(d);
  }
  const Snapshot before = g.snapshot();
  REQUIRE(before.version() == 1);
  const Vm vm1 = *before.find<Vm>(vm_id("vc1", "vm-1"));

  SECTION("add then remove is no change") {
    Delta d;
    d.upsert(make_vm(vm_id("vc1", "vm-5"), "five", std::nullopt));
    d.upsert(make_vm_nic(vm_id("vc1", "vm-5"), 4000));
    d.remove(vm_id("vc1", "vm-5"));  // takes its new nic with it
    const GraphChanges result = g.apply(d);
    REQUIRE(result.empty());
    REQUIRE(result.version == 1);
    REQUIRE(g.current().version() == 1);
    REQUIRE_FALSE(g.current().contains(vm_id("vc1", "vm-5")));
    REQUIRE_FALSE(g.current().contains(VmNicId{vm_id("vc1", "vm-5"), 4000}));
    REQUIRE(testing::diff(before, g.current()).empty());
  }

  SECTION("remove then re-add the same value is no change") {
    Delta d;
    d.remove(vm_id("vc1", "vm-1"));
    d.upsert(vm1);
    const GraphChanges result = g.apply(d);
    REQUIRE(result.empty());
    REQUIRE(g.current().version() == 1);
    REQUIRE(testing::diff(before, g.current()).empty());
  }

  SECTION("remove then re-add an owner reports only the owned entities it lost") {
    Delta d;
    d.remove(vm_id("vc1", "vm-2"));
    d.upsert(*before.find<Vm>(vm_id("vc1", "vm-2")));
    const GraphChanges result = g.apply(d);
    REQUIRE(result.changes == std::vector<Change>{removed(VmNicId{vm_id("vc1", "vm-2"), 4000})});
    REQUIRE(g.current().contains(vm_id("vc1", "vm-2")));
    REQUIRE(g.current().version() == 2);
  }

  SECTION("remove then re-add a different value is one modification") {
    Vm changed = vm1;
    changed.name = "renamed";
    Delta d;
    d.remove(vm_id("vc1", "vm-1"));
    d.upsert(changed);
    REQUIRE(g.apply(d).changes == std::vector<Change>{modified(vm_id("vc1", "vm-1"))});
    REQUIRE(g.current().find<Vm>(vm_id("vc1", "vm-1"))->name == "renamed");
  }

  SECTION("modify twice is one modification with the last value") {
    Vm first = vm1;
    first.name = "first";
    Vm second = vm1;
    second.name = "second";
    second.power = PowerState::kSuspended;
    Delta d;
    d.upsert(first);
    d.upsert(second);
    const GraphChanges result = g.apply(d);
    REQUIRE(result.changes == std::vector<Change>{modified(vm_id("vc1", "vm-1"))});
    REQUIRE(result.version == 2);
    REQUIRE(*g.current().find<Vm>(vm_id("vc1", "vm-1")) == second);
  }

  SECTION("modify then change back is no change") {
    Vm changed = vm1;
    changed.name = "temporary";
    Delta d;
    d.upsert(changed);
    d.upsert(vm1);
    REQUIRE(g.apply(d).empty());
    REQUIRE(g.current().version() == 1);
  }

  SECTION("add then modify is one addition with the last value") {
    Vm v = make_vm(vm_id("vc1", "vm-7"), "draft", std::nullopt);
    Delta d;
    d.upsert(v);
    v.name = "final";
    d.upsert(v);
    REQUIRE(g.apply(d).changes == std::vector<Change>{added(vm_id("vc1", "vm-7"))});
    REQUIRE(g.current().find<Vm>(vm_id("vc1", "vm-7"))->name == "final");
  }

  SECTION("removing an entity twice, or an owned entity and its owner, reports it once") {
    Delta d;
    d.remove(VmNicId{vm_id("vc1", "vm-2"), 4000});
    d.remove(vm_id("vc1", "vm-2"));
    d.remove(vm_id("vc1", "vm-2"));
    const std::vector<Change> expected = {removed(vm_id("vc1", "vm-2")),
                                          removed(VmNicId{vm_id("vc1", "vm-2"), 4000})};
    REQUIRE(g.apply(d).changes == expected);
  }
}

// ---- apply: all or nothing -------------------------------------------------------------------

TEST_CASE("Graph::apply is atomic: a bad upsert leaves the graph exactly unchanged", "[graph]") {
  Graph g = make_world();
  const Snapshot before = g.snapshot();
  const std::uint64_t version = before.version();
  const std::size_t total = testing::entity_count(before);

  SECTION("a pnic of an unknown host, after two valid operations") {
    Vm vm = *before.find<Vm>(vm_id("vc1", "vm-1"));
    vm.name = "changed";
    Delta d;
    d.upsert(vm);                                                     // valid: a modification
    d.upsert(make_pnic(host_id("vc1", "host-1"), "vmnic7"));          // valid: an addition
    d.upsert(make_pnic(host_id("vc1", "host-9"), "vmnic0"));          // unknown host
    d.upsert(make_vm(vm_id("vc1", "vm-99"), "never", std::nullopt));  // never reached
    REQUIRE_THROWS_MATCHES(
        g.apply(d), GraphError,
        Catch::Matchers::Message(
            "cannot add pnic vc1/host-9/vmnic0: its host vc1/host-9 is not in the graph"));
    REQUIRE(testing::diff(before, g.current()).empty());
    REQUIRE(g.current().version() == version);
    REQUIRE(testing::entity_count(g.current()) == total);
    REQUIRE(g.current().find<Vm>(vm_id("vc1", "vm-1"))->name == "app-vm-1");
    REQUIRE_FALSE(g.current().contains(PnicId{host_id("vc1", "host-1"), "vmnic7"}));

    // The graph is still usable, and the valid part applies on its own.
    Delta valid;
    valid.upsert(vm);
    valid.upsert(make_pnic(host_id("vc1", "host-1"), "vmnic7"));
    const std::vector<Change> expected = {added(PnicId{host_id("vc1", "host-1"), "vmnic7"}),
                                          modified(vm_id("vc1", "vm-1"))};
    const GraphChanges result = g.apply(valid);
    REQUIRE(result.changes == expected);
    REQUIRE(result.version == version + 1);
  }

  SECTION("the error is a vmfabric::Error") {
    Delta d;
    d.upsert(make_pnic(host_id("vc1", "host-9"), "vmnic0"));
    REQUIRE_THROWS_AS(g.apply(d), Error);
    REQUIRE(g.current().version() == version);
  }

  SECTION("removals earlier in the batch are rolled back too") {
    Delta d;
    d.remove(VCenterId("vc2"));
    d.remove(SwitchId("leaf1"));
    d.upsert(make_interface("leaf9", "Ethernet1"));
    REQUIRE_THROWS_MATCHES(
        g.apply(d), GraphError,
        Catch::Matchers::Message(
            "cannot add interface leaf9/Ethernet1: its switch leaf9 is not in the graph"));
    REQUIRE(testing::diff(before, g.current()).empty());
    REQUIRE(g.current().version() == version);
    REQUIRE(testing::entity_count(g.current()) == total);
  }

  SECTION("an owner removed earlier in the same batch is not there") {
    Delta d;
    d.remove(vm_id("vc1", "vm-1"));
    d.upsert(make_vm_nic(vm_id("vc1", "vm-1"), 4000));
    REQUIRE_THROWS_MATCHES(
        g.apply(d), GraphError,
        Catch::Matchers::Message(
            "cannot add vm_nic vc1/vm-1/4000: its vm vc1/vm-1 is not in the graph"));
    REQUIRE(testing::diff(before, g.current()).empty());
    REQUIRE(g.current().version() == version);
  }

  SECTION("an MLAG pair or a link needs both switches") {
    Delta mlag;
    mlag.upsert(make_mlag("leaf1", "leaf3"));
    REQUIRE_THROWS_MATCHES(
        g.apply(mlag), GraphError,
        Catch::Matchers::Message(
            "cannot add mlag_pair leaf1+leaf3: its switch leaf3 is not in the graph"));
    Delta link;
    link.upsert(make_link("leaf1", "Ethernet1", "aaa", "Ethernet1"));
    REQUIRE_THROWS_MATCHES(
        g.apply(link), GraphError,
        Catch::Matchers::Message("cannot add link aaa/Ethernet1<->leaf1/Ethernet1: its switch "
                                 "aaa is not in the graph"));
    REQUIRE(testing::diff(before, g.current()).empty());
    REQUIRE(g.current().version() == version);
  }

  SECTION("an owner added earlier in the same batch is there") {
    Delta d;
    d.upsert(make_host(host_id("vc1", "host-9"), "esx9"));
    d.upsert(make_pnic(host_id("vc1", "host-9"), "vmnic0"));
    const std::vector<Change> expected = {added(host_id("vc1", "host-9")),
                                          added(PnicId{host_id("vc1", "host-9"), "vmnic0"})};
    REQUIRE(g.apply(d).changes == expected);
    REQUIRE(g.current().version() == version + 1);
  }
}

// ---- apply: removal cascades -----------------------------------------------------------------

TEST_CASE("Removing a host removes what it owns but not the VMs on it", "[graph][cascade]") {
  Graph g = make_world();

  SECTION("host-1") {
    const HostId h = host_id("vc1", "host-1");
    require_removal(
        g, h,
        {removed(h), removed(PnicId{h, "vmnic0"}), removed(PnicId{h, "vmnic1"}),
         removed(VSwitchId{h, "vSwitch0"}), removed(StandardPortgroupId{h, "VM Network"}),
         removed(StandardPortgroupId{h, "pg-app"}), removed(VmkNicId{h, "vmk0"})});
    // The VM that runs there is not owned by the host: it stays, still naming it.
    const Vm* vm = g.current().find<Vm>(vm_id("vc1", "vm-1"));
    REQUIRE(vm != nullptr);
    REQUIRE(vm->host == h);
    REQUIRE(g.current().contains(PnicId{host_id("vc1", "host-10"), "vmnic0"}));
    REQUIRE(g.current().contains(PnicId{host_id("vc2", "host-1"), "vmnic0"}));
  }

  SECTION("host-10, between host-1 and host-2") {
    const HostId h = host_id("vc1", "host-10");
    require_removal(
        g, h,
        {removed(h), removed(PnicId{h, "vmnic0"}), removed(PnicId{h, "vmnic1"}),
         removed(VSwitchId{h, "vSwitch0"}), removed(StandardPortgroupId{h, "VM Network"}),
         removed(StandardPortgroupId{h, "pg-app"}), removed(VmkNicId{h, "vmk0"})});
    REQUIRE(g.current().contains(vm_id("vc1", "vm-10")));
  }

  SECTION("host-2, the last one") {
    const HostId h = host_id("vc2", "host-2");
    require_removal(
        g, h,
        {removed(h), removed(PnicId{h, "vmnic0"}), removed(PnicId{h, "vmnic1"}),
         removed(VSwitchId{h, "vSwitch0"}), removed(StandardPortgroupId{h, "VM Network"}),
         removed(StandardPortgroupId{h, "pg-app"}), removed(VmkNicId{h, "vmk0"})});
  }
}

TEST_CASE("Removing a VM removes its vNICs only", "[graph][cascade]") {
  Graph g = make_world();

  SECTION("vm-1 (its neighbour vm-10 sorts right after it)") {
    const VmId vm = vm_id("vc1", "vm-1");
    require_removal(g, vm,
                    {removed(vm), removed(VmNicId{vm, 0}), removed(VmNicId{vm, 4000}),
                     removed(VmNicId{vm, 4001})});
    REQUIRE(g.current().contains(VmNicId{vm_id("vc1", "vm-10"), 4000}));
    REQUIRE(g.current().contains(VmNicId{vm_id("vc2", "vm-1"), 4000}));
  }

  SECTION("vm-10, between vm-1 and vm-2") {
    const VmId vm = vm_id("vc1", "vm-10");
    require_removal(g, vm, {removed(vm), removed(VmNicId{vm, 4000}), removed(VmNicId{vm, 4001})});
  }

  SECTION("vm-2") {
    const VmId vm = vm_id("vc2", "vm-2");
    require_removal(g, vm, {removed(vm), removed(VmNicId{vm, 4000}), removed(VmNicId{vm, 4001})});
  }

  SECTION("a VM's vNIC with the smallest possible key") {
    const VmId vm = vm_id("vc1", "vm-10");
    Delta d;
    d.upsert(make_vm_nic(vm, INT_MIN));
    g.apply(d);
    require_removal(g, vm,
                    {removed(vm), removed(VmNicId{vm, INT_MIN}), removed(VmNicId{vm, 4000}),
                     removed(VmNicId{vm, 4001})});
  }
}

TEST_CASE("Removing a switch removes its interfaces, port-channels, links and MLAG pairs",
          "[graph][cascade]") {
  Graph g = make_world();

  SECTION("leaf1: links where it is the first end, the second end, and both") {
    const SwitchId sw("leaf1");
    require_removal(
        g, sw,
        {removed(sw), removed(if_id("leaf1", "Ethernet1")), removed(if_id("leaf1", "Ethernet2")),
         removed(if_id("leaf1", "Ethernet3")), removed(if_id("leaf1", "Ethernet4")),
         removed(PortChannelId{sw, InterfaceName("Port-Channel1000")}),
         removed(MlagId::of(SwitchId("leaf1"), SwitchId("leaf2"))),
         removed(link_id("border1", "Ethernet1", "leaf1", "Ethernet3")),
         removed(link_id("leaf1", "Ethernet1", "leaf2", "Ethernet1")),
         removed(link_id("leaf1", "Ethernet2", "leaf1", "Ethernet4"))});
    // leaf10 sorts right after leaf1: all of its things survive.
    REQUIRE(g.current().contains(if_id("leaf10", "Ethernet1")));
    REQUIRE(g.current().contains(link_id("leaf10", "Ethernet1", "leaf2", "Ethernet2")));
    REQUIRE(g.current().contains(MlagId::of(SwitchId("border1"), SwitchId("leaf10"))));
    REQUIRE(g.current().contains(SwitchId("leaf2")));
  }

  SECTION("leaf10") {
    const SwitchId sw("leaf10");
    require_removal(
        g, sw,
        {removed(sw), removed(if_id("leaf10", "Ethernet1")), removed(if_id("leaf10", "Ethernet2")),
         removed(if_id("leaf10", "Ethernet3")), removed(if_id("leaf10", "Ethernet4")),
         removed(PortChannelId{sw, InterfaceName("Port-Channel1000")}),
         removed(MlagId::of(SwitchId("border1"), SwitchId("leaf10"))),
         removed(link_id("border1", "Ethernet2", "leaf10", "Ethernet2")),
         removed(link_id("leaf10", "Ethernet1", "leaf2", "Ethernet2"))});
  }

  SECTION("both peers in one batch report the shared MLAG pair and link once") {
    Delta d;
    d.remove(SwitchId("leaf1"));
    d.remove(SwitchId("leaf2"));
    const GraphChanges result = g.apply(d);
    require_dependency_order(result.changes);
    std::size_t mlag_changes = 0;
    std::size_t shared_link_changes = 0;
    for (const Change& c : result.changes) {
      REQUIRE(c.type == ChangeType::kRemoved);
      if (c.key == EntityKey{MlagId::of(SwitchId("leaf1"), SwitchId("leaf2"))}) ++mlag_changes;
      if (c.key == EntityKey{link_id("leaf1", "Ethernet1", "leaf2", "Ethernet1")}) {
        ++shared_link_changes;
      }
    }
    REQUIRE(mlag_changes == 1);
    REQUIRE(shared_link_changes == 1);
    // 2 switches, 8 interfaces, 2 port-channels, 1 MLAG pair, 4 links.
    REQUIRE(result.changes.size() == 17);
  }
}

TEST_CASE("Removing a distributed switch removes its portgroups", "[graph][cascade]") {
  Graph g = make_world();
  const DvsId dvs = dvs_id("vc1", "dvs-1");
  require_removal(g, dvs,
                  {removed(dvs), removed(dvpg_id("vc1", "dvportgroup-1")),
                   removed(dvpg_id("vc1", "dvportgroup-3"))});
  REQUIRE(g.current().contains(dvpg_id("vc1", "dvportgroup-2")));  // dvs-10's
  REQUIRE(g.current().contains(dvpg_id("vc2", "dvportgroup-1")));  // the other vCenter's
}

TEST_CASE("Removing a vCenter removes everything it owns, and only that", "[graph][cascade]") {
  Graph g = make_world();
  const Snapshot& s = g.current();

  // Two vCenters with the same morefs and names are distinct entities.
  REQUIRE(s.count<VCenter>() == 2);
  REQUIRE(s.count<Host>() == 6);
  REQUIRE(s.count<Vm>() == 6);
  const Vm* vm1_in_vc1 = s.find<Vm>(vm_id("vc1", "vm-1"));
  const Vm* vm1_in_vc2 = s.find<Vm>(vm_id("vc2", "vm-1"));
  REQUIRE(vm1_in_vc1 != nullptr);
  REQUIRE(vm1_in_vc2 != nullptr);
  REQUIRE(vm1_in_vc1 != vm1_in_vc2);
  REQUIRE(vm1_in_vc1->name == vm1_in_vc2->name);

  SECTION("changing one does not change the other") {
    Vm changed = *vm1_in_vc1;
    changed.power = PowerState::kSuspended;
    Delta d;
    d.upsert(changed);
    REQUIRE(g.apply(d).changes == std::vector<Change>{modified(vm_id("vc1", "vm-1"))});
    REQUIRE(g.current().find<Vm>(vm_id("vc2", "vm-1"))->power == PowerState::kPoweredOn);
  }

  SECTION("vc1 goes with all it owns, transitively; vc2 and the fabric stay") {
    std::vector<Change> expected;
    for (const EntityKey& key : keys_of(vcenter_world("vc1"))) expected.push_back(removed(key));
    REQUIRE(expected.size() == vcenter_world("vc1").size());
    require_removal(g, VCenterId("vc1"), expected);
    REQUIRE(keys_of(g.current()) == keys_of([] {
              std::vector<Entity> rest = vcenter_world("vc2");
              for (Entity& e : fabric()) rest.push_back(std::move(e));
              return rest;
            }()));
  }

  SECTION("vc2 likewise, leaving vc1") {
    std::vector<Change> expected;
    for (const EntityKey& key : keys_of(vcenter_world("vc2"))) expected.push_back(removed(key));
    require_removal(g, VCenterId("vc2"), expected);
    REQUIRE(g.current().count<Vm>() == 3);
    REQUIRE(g.current().count<VmNic>() == 7);
  }
}

// ---- snapshots -------------------------------------------------------------------------------

TEST_CASE("A snapshot is unaffected by later applies", "[graph][snapshot]") {
  Graph g;
  const Snapshot empty = g.snapshot();
  REQUIRE(empty.version() == 0);
  REQUIRE(testing::entity_count(empty) == 0);
  REQUIRE(empty.all<Vm>().empty());

  g.apply(delta_of(world_entities()));
  const Snapshot s1 = g.snapshot();
  const std::size_t total = testing::entity_count(s1);
  const std::set<EntityKey> keys = keys_of(s1);
  REQUIRE(s1.version() == 1);
  REQUIRE(testing::entity_count(empty) == 0);
  REQUIRE(empty.version() == 0);

  // Accessors.
  const VmId vm1 = vm_id("vc1", "vm-1");
  const Vm* vm = s1.find<Vm>(vm1);
  REQUIRE(vm != nullptr);
  REQUIRE(vm->name == "app-vm-1");
  REQUIRE(s1.find<Vm>(vm_id("vc1", "vm-3")) == nullptr);
  REQUIRE(s1.contains(vm1));
  REQUIRE_FALSE(s1.contains(vm_id("vc3", "vm-1")));
  REQUIRE(s1.get(vm1) == std::optional<Entity>(Entity{*vm}));
  REQUIRE_FALSE(s1.get(SwitchId("nope")).has_value());
  REQUIRE(s1.count<Vm>() == 6);
  REQUIRE(s1.count<VmNic>() == 14);
  REQUIRE(s1.count<Switch>() == 4);
  REQUIRE(s1.count<Link>() == 5);
  std::vector<std::string> vm_names;
  for (const Vm& v : s1.all<Vm>()) vm_names.push_back(v.id.vcenter.str() + "/" + v.id.moref);
  REQUIRE(vm_names == std::vector<std::string>{"vc1/vm-1", "vc1/vm-10", "vc1/vm-2", "vc2/vm-1",
                                               "vc2/vm-10", "vc2/vm-2"});

  // Change a lot.
  Vm changed = *vm;
  changed.name = "renamed";
  Delta d;
  d.upsert(changed);
  d.remove(VCenterId("vc2"));
  d.remove(SwitchId("leaf1"));
  d.upsert(make_vm(vm_id("vc1", "vm-3"), "three", std::nullopt));
  g.apply(d);
  for (int round = 1; round <= 5; ++round) g.apply(testing::vm_churn(g.current(), 3, round));
  REQUIRE(g.current().version() == 7);

  // The earlier snapshot still has exactly what it had.
  REQUIRE(s1.version() == 1);
  REQUIRE(testing::entity_count(s1) == total);
  REQUIRE(keys_of(s1) == keys);
  REQUIRE(s1.find<Vm>(vm1) == vm);  // the very same object, still alive
  REQUIRE(vm->name == "app-vm-1");
  REQUIRE(s1.contains(VCenterId("vc2")));
  REQUIRE_FALSE(s1.contains(vm_id("vc1", "vm-3")));
  REQUIRE(s1.count<Vm>() == 6);
  REQUIRE(testing::diff(s1, g.current()).size() > 0);
  Graph rebuilt;
  rebuilt.apply(delta_of(world_entities()));
  REQUIRE(testing::diff(s1, rebuilt.current()).empty());

  // The graph's current view did change.
  REQUIRE(g.current().find<Vm>(vm1)->name != "app-vm-1");
  REQUIRE(g.current().contains(vm_id("vc1", "vm-3")));
  REQUIRE_FALSE(g.current().contains(VCenterId("vc2")));

  SECTION("a snapshot outlives its graph") {
    std::optional<Snapshot> kept;
    {
      Graph temporary;
      temporary.apply(delta_of(fabric()));
      kept = temporary.snapshot();
    }
    REQUIRE(kept->count<Switch>() == 4);
    REQUIRE(kept->find<Switch>(SwitchId("leaf1"))->address == "leaf1.lab.local");
  }
}

// ---- publishing to readers -------------------------------------------------------------------

std::string counts_record(std::size_t vms, std::size_t nics) {
  return "vms=" + std::to_string(vms) + " nics=" + std::to_string(nics);
}

// What a reader can check about one snapshot on its own: no dangling owners, counts that agree
// with the tables, and the counts and version the writer recorded in the vCenter in the same
// batch. Returns an empty string when all is well.
std::string check_consistent(const Snapshot& s) {
  if (s.version() == 0) {
    return testing::entity_count(s) == 0 ? "" : "version 0 but not empty";
  }
  std::size_t nics = 0;
  for (const VmNic& n : s.all<VmNic>()) {
    if (s.find<Vm>(n.id.vm) == nullptr) return "vm_nic without its vm: " + to_string(n.id);
    ++nics;
  }
  std::size_t vms = 0;
  for (const Vm& v : s.all<Vm>()) {
    if (v.host && s.find<Host>(*v.host) == nullptr) return "vm on a missing host";
    ++vms;
  }
  for (const Pnic& p : s.all<Pnic>()) {
    if (s.find<Host>(p.id.host) == nullptr) return "pnic without its host";
  }
  if (vms != s.count<Vm>() || nics != s.count<VmNic>()) return "count() disagrees with all()";
  const VCenter* vc = s.find<VCenter>(VCenterId("vc1"));
  if (vc == nullptr) return "no vc1";
  if (vc->last_error != counts_record(vms, nics)) {
    return "recorded " + vc->last_error + ", found " + counts_record(vms, nics);
  }
  if (vc->last_update_ms != static_cast<std::int64_t>(s.version())) {
    return "recorded version " + std::to_string(vc->last_update_ms) + ", snapshot version " +
           std::to_string(s.version());
  }
  return "";
}

// Joins the thread however the scope is left (a failed REQUIRE throws).
class Joiner {
 public:
  Joiner(std::atomic<bool>& stop, std::thread& thread) : stop_(stop), thread_(thread) {}
  ~Joiner() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  Joiner(const Joiner&) = delete;
  Joiner& operator=(const Joiner&) = delete;

 private:
  std::atomic<bool>& stop_;
  std::thread& thread_;
};

TEST_CASE("SnapshotPublisher hands consistent snapshots to a reader thread", "[graph][publisher]") {
  SnapshotPublisher publisher;
  REQUIRE(publisher.latest() != nullptr);
  REQUIRE(publisher.latest()->version() == 0);
  REQUIRE(check_consistent(*publisher.latest()).empty());

  Graph g;
  testing::SyntheticSpec spec;  // 80 VMs on 8 hosts
  g.apply(testing::synthetic_inventory(spec));
  {
    VCenter vc = *g.current().find<VCenter>(VCenterId("vc1"));
    vc.last_error = counts_record(g.current().count<Vm>(), g.current().count<VmNic>());
    vc.last_update_ms = static_cast<std::int64_t>(g.current().version() + 1);
    Delta d;
    d.upsert(vc);
    g.apply(d);
  }
  REQUIRE(check_consistent(g.current()).empty());

  std::atomic<bool> stop{false};
  std::string reader_error;
  std::uint64_t reader_checked = 0;
  std::uint64_t reader_last_version = 0;
  std::thread reader([&] {
    std::uint64_t last = 0;
    std::uint64_t checked = 0;
    std::string error;
    // Check at least once after the writer is done, so the last snapshot is seen too.
    for (bool more = true; more && error.empty();) {
      more = !stop.load();
      const std::shared_ptr<const Snapshot> s = publisher.latest();
      if (s->version() < last) {
        error = "version went back from " + std::to_string(last) + " to " +
                std::to_string(s->version());
      } else {
        error = check_consistent(*s);
        if (!error.empty()) error = "version " + std::to_string(s->version()) + ": " + error;
      }
      last = s->version();
      ++checked;
    }
    reader_error = error;
    reader_checked = checked;
    reader_last_version = last;
  });
  {
    Joiner joiner(stop, reader);
    publisher.publish(g.snapshot());
    const VCenterId vc_id("vc1");
    const HostId first_host = g.current().all<Host>().begin()->id;
    for (int round = 1; round <= 200; ++round) {
      const Snapshot& cur = g.current();
      Delta d = testing::vm_churn(cur, 20, round);
      std::size_t vms = cur.count<Vm>();
      std::size_t nics = cur.count<VmNic>();
      // One more VM with a vNIC every round; every second round the previous one goes again.
      const VmId extra = vm_id("vc1", "vm-x" + std::to_string(round));
      d.upsert(make_vm(extra, "extra", first_host));
      d.upsert(make_vm_nic(extra, 4000));
      ++vms;
      ++nics;
      if (round % 2 == 0) {
        d.remove(vm_id("vc1", "vm-x" + std::to_string(round - 1)));
        --vms;
        --nics;
      }
      VCenter record = *cur.find<VCenter>(vc_id);
      record.last_error = counts_record(vms, nics);
      record.last_update_ms = static_cast<std::int64_t>(cur.version() + 1);
      d.upsert(record);

      const std::uint64_t version = cur.version();
      const GraphChanges result = g.apply(d);
      REQUIRE(result.version == version + 1);
      publisher.publish(g.snapshot());
    }
  }  // stops and joins the reader

  INFO("reader checked " << reader_checked << " snapshots");
  REQUIRE(reader_error.empty());
  REQUIRE(reader_checked > 0);
  REQUIRE(reader_last_version == g.current().version());
  REQUIRE(g.current().version() == 202);
  REQUIRE(publisher.latest()->version() == g.current().version());
  REQUIRE(testing::diff(*publisher.latest(), g.current()).empty());
  REQUIRE(check_consistent(g.current()).empty());
}

// ---- at scale --------------------------------------------------------------------------------

TEST_CASE("Graph::apply at the scale of 10,000 VMs", "[graph][scale]") {
  testing::SyntheticSpec spec;
  spec.vcenters = 2;
  spec.clusters_per_vcenter = 5;
  spec.hosts_per_cluster = 10;
  spec.vms_per_host = 100;
  const Delta inventory = testing::synthetic_inventory(spec);
  std::set<EntityKey> keys;
  for (const auto& op : inventory.ops()) keys.insert(key_of(std::get<Entity>(op)));

  Graph g;
  const GraphChanges result = g.apply(inventory);
  REQUIRE(result.version == 1);
  REQUIRE(g.current().count<Vm>() == 10'000);
  REQUIRE(testing::entity_count(g.current()) == keys.size());
  REQUIRE(result.changes.size() == keys.size());
  {
    auto key = keys.begin();
    bool all_added_in_order = true;
    for (const Change& c : result.changes) {
      if (c.type != ChangeType::kAdded || !(c.key == *key)) all_added_in_order = false;
      ++key;
    }
    REQUIRE(all_added_in_order);
  }

  SECTION("applying the same inventory again is no change") {
    REQUIRE(g.apply(inventory).empty());
    REQUIRE(g.current().version() == 1);
  }

  SECTION("a churn batch of 100 VMs is exactly 100 modifications") {
    const Delta churn = testing::vm_churn(g.current(), 100, 1);
    REQUIRE(churn.size() == 100);
    std::set<EntityKey> churned;
    for (const auto& op : churn.ops()) churned.insert(key_of(std::get<Entity>(op)));
    REQUIRE(churned.size() == 100);

    const GraphChanges changes = g.apply(churn);
    REQUIRE(changes.version == 2);
    REQUIRE(changes.changes.size() == 100);
    std::vector<Change> expected;
    for (const EntityKey& key : churned) expected.push_back(modified(key));
    REQUIRE(changes.changes == expected);
    REQUIRE(testing::entity_count(g.current()) == keys.size());
  }

  SECTION("removing one vCenter removes exactly its half") {
    std::vector<Change> expected;
    for (const EntityKey& key : keys) {
      const std::string name = to_string(key);
      if (name == "vc1" || name.rfind("vc1/", 0) == 0) expected.push_back(removed(key));
    }
    REQUIRE(expected.size() > 10'000);
    require_removal(g, VCenterId("vc1"), expected);
    REQUIRE(g.current().count<Vm>() == 5'000);
  }
}

}  // namespace
}  // namespace vmfabric
