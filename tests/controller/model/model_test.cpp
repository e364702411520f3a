// Model: one entity of each of the 16 kinds, checked for its kind, key and rendering; the order
// normalisation of LinkId/MlagId; and owners_of against the compile-time kOwnedBy trait in both
// directions (every owner returned is allowed by the trait, every owner type the trait names is
// returned).
#include "model/model.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <compare>
#include <cstddef>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace vmfabric {
namespace {

const VCenterId kVc{"vc1"};
const ClusterId kCluster{kVc, "domain-c7"};
const HostId kHost{kVc, "host-21"};
const PnicId kPnic{kHost, "vmnic0"};
const VSwitchId kVSwitch{kHost, "vSwitch0"};
const StandardPortgroupId kStdPg{kHost, "VM Network"};
const VmkNicId kVmk{kHost, "vmk0"};
const DvsId kDvs{kVc, "dvs-5"};
const DvPortgroupId kDvPg{kVc, "dvportgroup-13"};
const VmId kVm{kVc, "vm-57"};
const VmNicId kVmNic{kVm, 4000};
const SwitchId kLeaf1{"leaf1"};
const SwitchId kLeaf2{"leaf2"};
const InterfaceId kEth1{kLeaf1, InterfaceName("Ethernet1")};
const PortChannelId kPo10{kLeaf1, InterfaceName("Port-Channel10")};
const MlagId kMlag = MlagId::of(kLeaf2, kLeaf1);
const LinkId kLink = LinkId::of(InterfaceId{kLeaf2, InterfaceName("Ethernet49")},
                                InterfaceId{kLeaf1, InterfaceName("Ethernet49")});

// One sample of each entity type, in AllEntities order, with the rendering and kind of its key.
struct Sample {
  Entity entity;
  std::string text;
  EntityKind kind;
  std::string kind_name;
  std::vector<EntityKey> owners;
};

std::vector<Sample> samples() {
  std::vector<Sample> out;

  VCenter vcenter;
  vcenter.id = kVc;
  vcenter.url = "https://vc1.example.com/sdk";
  out.push_back({vcenter, "vc1", EntityKind::kVCenter, "vcenter", {}});

  Cluster cluster;
  cluster.id = kCluster;
  cluster.name = "Prod";
  out.push_back({cluster, "vc1/domain-c7", EntityKind::kCluster, "cluster", {kVc}});

  Host host;
  host.id = kHost;
  host.name = "esx21.example.com";
  host.cluster = kCluster;  // a member of a cluster, but owned by its vCenter
  out.push_back({host, "vc1/host-21", EntityKind::kHost, "host", {kVc}});

  Pnic pnic;
  pnic.id = kPnic;
  pnic.speed_mbps = 25000;
  out.push_back({pnic, "vc1/host-21/vmnic0", EntityKind::kPnic, "pnic", {kHost}});

  VSwitch vswitch;
  vswitch.id = kVSwitch;
  vswitch.uplinks = {"vmnic0"};
  out.push_back({vswitch, "vc1/host-21/vSwitch0", EntityKind::kVSwitch, "vswitch", {kHost}});

  StandardPortgroup pg;
  pg.id = kStdPg;
  pg.vswitch = "vSwitch0";
  pg.vlan = {VlanMode::kVlan, VlanSet::of({100})};
  out.push_back({pg,
                 "vc1/host-21/VM Network",
                 EntityKind::kStandardPortgroup,
                 "standard_portgroup",
                 {kHost}});

  VmkNic vmk;
  vmk.id = kVmk;
  vmk.services = {VmkService::kManagement};
  out.push_back({vmk, "vc1/host-21/vmk0", EntityKind::kVmkNic, "vmknic", {kHost}});

  DistributedSwitch dvs;
  dvs.id = kDvs;
  dvs.name = "DSwitch";
  out.push_back({dvs, "vc1/dvs-5", EntityKind::kDistributedSwitch, "distributed_switch", {kVc}});

  DvPortgroup dvpg;
  dvpg.id = kDvPg;
  dvpg.dvs = kDvs;
  out.push_back({dvpg, "vc1/dvportgroup-13", EntityKind::kDvPortgroup, "dv_portgroup", {kDvs}});

  Vm vm;
  vm.id = kVm;
  vm.host = kHost;  // runs on a host, but owned by its vCenter
  out.push_back({vm, "vc1/vm-57", EntityKind::kVm, "vm", {kVc}});

  VmNic nic;
  nic.id = kVmNic;
  nic.backing.dv_portgroup = kDvPg;
  out.push_back({nic, "vc1/vm-57/4000", EntityKind::kVmNic, "vm_nic", {kVm}});

  Switch sw;
  sw.id = kLeaf1;
  sw.address = "10.0.0.11";
  out.push_back({sw, "leaf1", EntityKind::kSwitch, "switch", {}});

  Interface intf;
  intf.id = kEth1;
  intf.channel_group = InterfaceName("Port-Channel10");
  out.push_back({intf, "leaf1/Ethernet1", EntityKind::kInterface, "interface", {kLeaf1}});

  PortChannel po;
  po.id = kPo10;
  po.members = {InterfaceName("Ethernet1")};
  out.push_back({po, "leaf1/Port-Channel10", EntityKind::kPortChannel, "port_channel", {kLeaf1}});

  MlagPair mlag;
  mlag.id = kMlag;
  mlag.peer_link = InterfaceName("Port-Channel1000");
  out.push_back({mlag, "leaf1+leaf2", EntityKind::kMlagPair, "mlag_pair", {kLeaf1, kLeaf2}});

  Link link;
  link.id = kLink;
  out.push_back(
      {link, "leaf1/Ethernet49<->leaf2/Ethernet49", EntityKind::kLink, "link", {kLeaf1, kLeaf2}});
  return out;
}

template <class... T>
constexpr std::size_t count_types(TypeList<T...>) {
  return sizeof...(T);
}

// Every alternative O of EntityKey that the trait says can own a T is among `owners`.
template <class T, std::size_t... I>
void require_trait_owners_present(const std::vector<EntityKey>& owners, std::index_sequence<I...>) {
  (
      [&] {
        using O = std::variant_alternative_t<I, EntityKey>;
        if constexpr (kOwnedBy<T, O>) {
          INFO("owner alternative #" << I);
          REQUIRE(std::any_of(owners.begin(), owners.end(),
                              [](const EntityKey& k) { return std::holds_alternative<O>(k); }));
        }
      }(),
      ...);
}

template <class T, std::size_t... I>
constexpr std::size_t count_trait_owner_types(std::index_sequence<I...>) {
  return (std::size_t{0} + ... + (kOwnedBy<T, std::variant_alternative_t<I, EntityKey>> ? 1 : 0));
}

using KeyIndices = std::make_index_sequence<std::variant_size_v<EntityKey>>;

template <class T>
void require_owners_match_trait(const T& entity) {
  const std::vector<EntityKey> owners = owners_of(entity);
  REQUIRE(owners == owners_of(Entity{entity}));
  for (const EntityKey& owner : owners) {
    INFO("owner " << to_string(owner) << " of " << to_string(key_of(Entity{entity})));
    const bool allowed =
        std::visit([](const auto& id) { return kOwnedBy<T, std::decay_t<decltype(id)>>; }, owner);
    REQUIRE(allowed);
  }
  require_trait_owners_present<T>(owners, KeyIndices{});
}

}  // namespace

TEST_CASE("Every entity kind has a key, a kind and a rendering", "[model]") {
  const std::vector<Sample> all = samples();
  REQUIRE(all.size() == count_types(AllEntities{}));
  REQUIRE(all.size() == 16);
  REQUIRE(std::variant_size_v<Entity> == 16);
  REQUIRE(std::variant_size_v<EntityKey> == 16);

  std::set<EntityKind> kinds;
  std::set<std::string> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Sample& s = all[i];
    INFO("sample #" << i << " " << s.text);
    REQUIRE(s.entity.index() == i);  // samples follow AllEntities order
    const EntityKey key = key_of(s.entity);
    REQUIRE(key.index() == i);
    REQUIRE(kind_of(key) == s.kind);
    REQUIRE(static_cast<std::size_t>(kind_of(key)) == i);
    REQUIRE(std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kKind; }, s.entity) ==
            s.kind);
    REQUIRE(std::string(to_string(s.kind)) == s.kind_name);
    REQUIRE(to_string(key) == s.text);
    kinds.insert(kind_of(key));
    names.insert(to_string(s.kind));
  }
  REQUIRE(kinds.size() == 16);
  REQUIRE(names.size() == 16);
}

TEST_CASE("key_of returns the entity's own id", "[model]") {
  Pnic pnic;
  pnic.id = kPnic;
  const EntityKey key = key_of(Entity{pnic});
  REQUIRE(std::holds_alternative<PnicId>(key));
  REQUIRE(std::get<PnicId>(key) == kPnic);
  REQUIRE(std::get<PnicId>(key).host.moref == "host-21");
  REQUIRE(std::get<PnicId>(key).host.vcenter.str() == "vc1");

  VmNic nic;
  nic.id = VmNicId{kVm, 4001};
  REQUIRE(std::get<VmNicId>(key_of(Entity{nic})).key == 4001);
  REQUIRE(to_string(key_of(Entity{nic})) == "vc1/vm-57/4001");

  // Same moref in two vCenters: two keys, two renderings.
  const HostId other{VCenterId("vc2"), "host-21"};
  REQUIRE(EntityKey{other} != EntityKey{kHost});
  REQUIRE(to_string(EntityKey{other}) == "vc2/host-21");
  // Same text, different kinds: different keys.
  REQUIRE(EntityKey{HostId{kVc, "x"}} != EntityKey{VmId{kVc, "x"}});
  REQUIRE(kind_of(EntityKey{VmId{kVc, "x"}}) == EntityKind::kVm);
}

TEST_CASE("to_string renders every id shape", "[model]") {
  REQUIRE(to_string(EntityKey{VCenterId("vc1")}) == "vc1");
  REQUIRE(to_string(EntityKey{kCluster}) == "vc1/domain-c7");
  REQUIRE(to_string(EntityKey{kHost}) == "vc1/host-21");
  REQUIRE(to_string(EntityKey{kPnic}) == "vc1/host-21/vmnic0");
  REQUIRE(to_string(EntityKey{kVSwitch}) == "vc1/host-21/vSwitch0");
  REQUIRE(to_string(EntityKey{kStdPg}) == "vc1/host-21/VM Network");
  REQUIRE(to_string(EntityKey{kVmk}) == "vc1/host-21/vmk0");
  REQUIRE(to_string(EntityKey{kDvs}) == "vc1/dvs-5");
  REQUIRE(to_string(EntityKey{kDvPg}) == "vc1/dvportgroup-13");
  REQUIRE(to_string(EntityKey{kVm}) == "vc1/vm-57");
  REQUIRE(to_string(EntityKey{kVmNic}) == "vc1/vm-57/4000");
  REQUIRE(to_string(EntityKey{SwitchId("leaf1")}) == "leaf1");
  REQUIRE(to_string(EntityKey{kEth1}) == "leaf1/Ethernet1");
  REQUIRE(to_string(EntityKey{kPo10}) == "leaf1/Port-Channel10");
  REQUIRE(to_string(EntityKey{kMlag}) == "leaf1+leaf2");
  REQUIRE(to_string(EntityKey{kLink}) == "leaf1/Ethernet49<->leaf2/Ethernet49");
}

TEST_CASE("to_string names every entity kind", "[model]") {
  REQUIRE(std::string(to_string(EntityKind::kVCenter)) == "vcenter");
  REQUIRE(std::string(to_string(EntityKind::kCluster)) == "cluster");
  REQUIRE(std::string(to_string(EntityKind::kHost)) == "host");
  REQUIRE(std::string(to_string(EntityKind::kPnic)) == "pnic");
  REQUIRE(std::string(to_string(EntityKind::kVSwitch)) == "vswitch");
  REQUIRE(std::string(to_string(EntityKind::kStandardPortgroup)) == "standard_portgroup");
  REQUIRE(std::string(to_string(EntityKind::kVmkNic)) == "vmknic");
  REQUIRE(std::string(to_string(EntityKind::kDistributedSwitch)) == "distributed_switch");
  REQUIRE(std::string(to_string(EntityKind::kDvPortgroup)) == "dv_portgroup");
  REQUIRE(std::string(to_string(EntityKind::kVm)) == "vm");
  REQUIRE(std::string(to_string(EntityKind::kVmNic)) == "vm_nic");
  REQUIRE(std::string(to_string(EntityKind::kSwitch)) == "switch");
  REQUIRE(std::string(to_string(EntityKind::kInterface)) == "interface");
  REQUIRE(std::string(to_string(EntityKind::kPortChannel)) == "port_channel");
  REQUIRE(std::string(to_string(EntityKind::kMlagPair)) == "mlag_pair");
  REQUIRE(std::string(to_string(EntityKind::kLink)) == "link");
}

TEST_CASE("LinkId::of and MlagId::of put their ends in ascending order", "[model]") {
  const InterfaceId a{SwitchId("leaf1"), InterfaceName("Ethernet49")};
  const InterfaceId b{SwitchId("leaf2"), InterfaceName("Ethernet1")};
  const LinkId ab = LinkId::of(a, b);
  const LinkId ba = LinkId::of(b, a);
  REQUIRE(ab == ba);
  REQUIRE(ab.a == a);
  REQUIRE(ab.b == b);
  REQUIRE(ba.a == a);
  REQUIRE(ba.b == b);
  REQUIRE(to_string(EntityKey{ba}) == "leaf1/Ethernet49<->leaf2/Ethernet1");

  // On one switch the interface name decides (string order: "Ethernet10" < "Ethernet2").
  const InterfaceId e2{SwitchId("spine1"), InterfaceName("Ethernet2")};
  const InterfaceId e10{SwitchId("spine1"), InterfaceName("Ethernet10")};
  const LinkId loop = LinkId::of(e2, e10);
  REQUIRE(loop.a == e10);
  REQUIRE(loop.b == e2);
  REQUIRE(loop == LinkId::of(e10, e2));
  REQUIRE(to_string(EntityKey{loop}) == "spine1/Ethernet10<->spine1/Ethernet2");

  const MlagId m1 = MlagId::of(SwitchId("leaf2"), SwitchId("leaf1"));
  const MlagId m2 = MlagId::of(SwitchId("leaf1"), SwitchId("leaf2"));
  REQUIRE(m1 == m2);
  REQUIRE(m1.first.str() == "leaf1");
  REQUIRE(m1.second.str() == "leaf2");
  REQUIRE(to_string(EntityKey{m1}) == "leaf1+leaf2");
  REQUIRE(MlagId::of(SwitchId("b"), SwitchId("a")) != MlagId::of(SwitchId("b"), SwitchId("c")));
}

TEST_CASE("An interned name keeps one copy per value and orders by its text", "[model]") {
  const std::string text = "vc-interned-test";
  const VCenterId a(text);
  const VCenterId b(std::string(text.begin(), text.end()));  // equal text, another buffer
  REQUIRE(a == b);
  REQUIRE(&a.str() == &b.str());
  REQUIRE(a.str() == text);
  REQUIRE((a <=> b) == std::strong_ordering::equal);

  const VCenterId empty;
  REQUIRE(empty.str().empty());
  REQUIRE(empty == VCenterId(""));
  REQUIRE(empty < a);

  // The order is the text's, whichever value was interned first.
  const VCenterId z("vc-interned-z");
  const VCenterId m("vc-interned-m");
  REQUIRE(m < z);
  REQUIRE(z > m);
  REQUIRE(m != z);
  REQUIRE(VmId{m, "vm-2"} < VmId{z, "vm-1"});
  REQUIRE(VmId{m, "vm-1"} < VmId{m, "vm-2"});

  // Threads interning the same new values get the same copies.
  std::vector<std::thread> threads;
  std::vector<std::vector<const std::string*>> seen(4);
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < 200; ++i) {
        seen[t].push_back(&VCenterId("vc-threaded-" + std::to_string(i)).str());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t t = 1; t < seen.size(); ++t) REQUIRE(seen[t] == seen[0]);
}

TEST_CASE("owners_of returns each entity's owners", "[model]") {
  for (const Sample& s : samples()) {
    INFO(s.text);
    REQUIRE(owners_of(s.entity) == s.owners);
  }

  // Top-level kinds have no owners.
  REQUIRE(owners_of(VCenter{}).empty());
  REQUIRE(owners_of(Switch{}).empty());
  REQUIRE(owners_of(Entity{VCenter{}}).empty());
  REQUIRE(owners_of(Entity{Switch{}}).empty());

  // A link between two interfaces of one switch is owned once by that switch.
  Link loop;
  loop.id = LinkId::of(InterfaceId{kLeaf1, InterfaceName("Ethernet1")},
                       InterfaceId{kLeaf1, InterfaceName("Ethernet2")});
  REQUIRE(owners_of(loop) == std::vector<EntityKey>{kLeaf1});

  // A distributed portgroup is owned by its switch, not directly by the vCenter.
  DvPortgroup dvpg;
  dvpg.id = kDvPg;
  dvpg.dvs = DvsId{kVc, "dvs-9"};
  REQUIRE(owners_of(dvpg) == std::vector<EntityKey>{DvsId{kVc, "dvs-9"}});
}

TEST_CASE("owners_of agrees with the kOwnedBy trait for every entity type", "[model]") {
  int checked = 0;
  for (const Sample& s : samples()) {
    INFO(s.text);
    std::visit(
        [&](const auto& e) {
          require_owners_match_trait(e);
          ++checked;
        },
        s.entity);
  }
  REQUIRE(checked == 16);

  // Only the top-level kinds have no owner type at all.
  REQUIRE(count_trait_owner_types<VCenter>(KeyIndices{}) == 0);
  REQUIRE(count_trait_owner_types<Switch>(KeyIndices{}) == 0);
  REQUIRE(count_trait_owner_types<Cluster>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<Host>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<Pnic>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<VSwitch>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<StandardPortgroup>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<VmkNic>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<DistributedSwitch>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<DvPortgroup>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<Vm>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<VmNic>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<Interface>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<PortChannel>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<MlagPair>(KeyIndices{}) == 1);
  REQUIRE(count_trait_owner_types<Link>(KeyIndices{}) == 1);

  // Spot checks of the trait itself, including pairs that must stay false.
  STATIC_REQUIRE(kOwnedBy<Pnic, HostId>);
  STATIC_REQUIRE(kOwnedBy<Link, SwitchId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<Pnic, VCenterId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<Host, ClusterId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<Vm, HostId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<DvPortgroup, VCenterId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<Interface, PortChannelId>);
  STATIC_REQUIRE_FALSE(kOwnedBy<VCenter, VCenterId>);
}

TEST_CASE("Every owner of a sample is itself a sample's key", "[model]") {
  const std::vector<Sample> all = samples();
  std::vector<EntityKey> keys;
  for (const Sample& s : all) keys.push_back(key_of(s.entity));
  keys.push_back(kLeaf2);  // the second switch: MLAG peer and far end of the link
  for (const Sample& s : all) {
    for (const EntityKey& owner : owners_of(s.entity)) {
      INFO(s.text << " owned by " << to_string(owner));
      REQUIRE(std::find(keys.begin(), keys.end(), owner) != keys.end());
      // Owners come before what they own in AllEntities order.
      REQUIRE(owner.index() < key_of(s.entity).index());
    }
  }
}

TEST_CASE("EntityFor maps each id type to its entity", "[model]") {
  STATIC_REQUIRE(std::is_same_v<EntityFor<VCenterId>, VCenter>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<ClusterId>, Cluster>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<HostId>, Host>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<PnicId>, Pnic>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<VSwitchId>, VSwitch>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<StandardPortgroupId>, StandardPortgroup>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<VmkNicId>, VmkNic>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<DvsId>, DistributedSwitch>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<DvPortgroupId>, DvPortgroup>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<VmId>, Vm>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<VmNicId>, VmNic>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<SwitchId>, Switch>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<InterfaceId>, Interface>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<PortChannelId>, PortChannel>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<MlagId>, MlagPair>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<LinkId>, Link>);
  STATIC_REQUIRE(std::is_same_v<EntityFor<int>, void>);
}

}  // namespace vmfabric
