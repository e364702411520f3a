// What plan() and explain() share: the demand of hosts for portgroups (with its causes) and the
// switch-to-switch fabric with its shortest paths. Private to the planner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "planner/planner.h"

namespace vmfabric::planner::detail {

// ---- per-plan indexes ---------------------------------------------------------------------------

// An id's text as views into the snapshot (stable while it lives): hashed lookups without copies.
struct MoRefView {
  std::string_view vcenter;
  std::string_view moref;
  bool operator==(const MoRefView&) const = default;
};

template <class Tag>
MoRefView view_of(const MoRef<Tag>& id) {
  return {id.vcenter.str(), id.moref};
}

inline std::size_t hash_mix(std::size_t seed, std::string_view text) {
  return seed ^
         (std::hash<std::string_view>{}(text) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

struct MoRefViewHash {
  std::size_t operator()(const MoRefView& v) const {
    return hash_mix(hash_mix(0, v.vcenter), v.moref);
  }
};

// A (host, distributed switch) pair as views.
struct HostDvsView {
  MoRefView host;
  MoRefView dvs;
  bool operator==(const HostDvsView&) const = default;
};

struct HostDvsViewHash {
  std::size_t operator()(const HostDvsView& v) const {
    return hash_mix(MoRefViewHash{}(v.host), v.dvs.moref) ^
           std::hash<std::string_view>{}(v.dvs.vcenter);
  }
};

// ---- demand ------------------------------------------------------------------------------------

// A portgroup as a vNIC or vmknic names it: a standard portgroup by name (looked up on each host
// that needs it) or a distributed portgroup.
struct PortgroupRef {
  std::string_view standard;
  const DvPortgroup* distributed = nullptr;
  auto operator<=>(const PortgroupRef&) const = default;
};

// Why some hosts need a portgroup.
struct DemandCause {
  enum class Kind { kVm, kVmkNic, kPortgroup };
  Kind kind = Kind::kVm;
  const Vm* vm = nullptr;          // kVm
  bool migration = false;          // kVm: the demand is for the vMotion destination
  const VmkNic* vmknic = nullptr;  // kVmkNic
};

// `hosts` need `portgroup` because of `cause`. `hosts` points into the index or the snapshot,
// stable while they live: equal pointers mean the same host group.
struct DemandUse {
  std::span<const HostId> hosts;
  PortgroupRef portgroup;
  DemandCause cause;
};

// Where a portgroup lands on one host: the vSwitch serving it and the managed VLANs it carries.
struct Placement {
  const VSwitch* vswitch = nullptr;
  VlanSet vlans;
  std::string_view portgroup_name;
};

class InventoryIndex {
 public:
  // `graph` and `policy` must outlive the index.
  InventoryIndex(const Snapshot& graph, const PlanPolicy& policy);

  // Reads VMs and vNICs from `graph` from now on: a snapshot that differs from the one the index
  // was built from in VMs and vNICs only (the index points into the rest, which the two share).
  void rebind(const Snapshot& graph) { vms_ = &graph; }

  // Calls `use` for every demand of the policy's mode, in graph order.
  void for_each_demand(const std::function<void(const DemandUse&)>& use) const;
  // Calls `use` for the demand of the vmkernel adapters of `host` alone.
  void for_each_vmknic_demand(const HostId& host,
                              const std::function<void(const DemandUse&)>& use) const;
  // Calls `use` for the demand of one VM of `graph` (the snapshot that holds `vm`, with its
  // vNICs); none in portgroup mode, where VMs make no demand.
  void for_each_demand_of(const Snapshot& graph, const Vm& vm,
                          const std::function<void(const DemandUse&)>& use) const;

  // Where `portgroup` lands on `host`; nullopt when the host lacks it (no standard portgroup of
  // that name, not a member of the distributed switch, or an uplink portgroup).
  std::optional<Placement> place(const HostId& host, const PortgroupRef& portgroup) const;

  const VlanSet& managed() const { return policy_.managed; }

  // The host's proxy switch of the distributed switch `dvs`; nullptr when it is not a member.
  const VSwitch* proxy_switch(const HostId& host, const DvsId& dvs) const;

  // The host's name for messages (its moref when the host is unknown).
  std::string host_name(const HostId& host) const;

  // The name every switch gives `vlan`: from the alphabetically first portgroup carrying it as its
  // own VLAN, else the first trunk portgroup carrying it.
  std::string vlan_name(VlanId vlan) const;

 private:
  struct HostEntry {
    const Host* host = nullptr;
    std::span<const HostId> group;  // the hosts a VM on it may run on, per the policy's mode
  };
  const Host* find_host(const HostId& host) const;
  std::span<const HostId> host_group(const HostId& host) const;
  void for_each_vm_demand(const std::function<void(const DemandUse&)>& use) const;
  void vmknic_demand(const VmkNic& vmk, const std::function<void(const DemandUse&)>& use) const;
  // The demand of `vm`, whose vNICs start at `nic`; leaves `nic` after them.
  void vm_demand(const Vm& vm, EntityMap<VmNic>::Iterator& nic,
                 const EntityMap<VmNic>::Iterator& end,
                 const std::function<void(const DemandUse&)>& use) const;
  void for_each_portgroup_demand(const std::function<void(const DemandUse&)>& use) const;

  const Snapshot& graph_;
  const Snapshot* vms_;  // where VMs and vNICs are read: graph_ until rebound
  const PlanPolicy& policy_;
  std::unordered_map<HostDvsView, const VSwitch*, HostDvsViewHash> proxy_switches_;
  std::unordered_map<MoRefView, HostEntry, MoRefViewHash> hosts_;
  std::unordered_map<MoRefView, const DvPortgroup*, MoRefViewHash> dv_portgroups_;
  // What each distributed portgroup carries, computed once (placing it is the planner's hot path).
  std::unordered_map<const DvPortgroup*, VlanSet> dv_carried_;
  std::map<DvsId, std::vector<HostId>> dvs_members_;
  std::map<ClusterId, std::vector<HostId>> cluster_hosts_;
  std::map<VlanId, std::string_view> single_vlan_names_;
  std::map<std::string_view, VlanSet> trunk_names_;
};

// The managed VLANs a portgroup's VLAN setting carries.
VlanSet carried_vlans(const PortgroupVlan& vlan, const VlanSet& managed);

// Calls `attachment` for the attachment of each located uplink of `vswitch` on `host`: where the
// demand for its portgroups lands.
void for_each_attachment(const Correlation& correlation, const HostId& host, const VSwitch& vswitch,
                         const std::function<void(const InterfaceId&)>& attachment);

// ---- correlation -------------------------------------------------------------------------------

// The VLANs go on the port-channel of a bundled interface, else on the interface.
InterfaceId attachment_of(const Snapshot& graph, const InterfaceId& port);

// The pnics that are an uplink of some vSwitch (only they serve demand).
std::map<PnicId, const VSwitch*> vswitch_uplinks(const Snapshot& graph);

// ---- fabric ------------------------------------------------------------------------------------

// One switch-to-switch adjacency: the attachments at both ends (port-channels for bundled links).
struct FabricEdge {
  InterfaceId end_a;
  InterfaceId end_b;
  int a = 0;  // switch index of end_a
  int b = 0;
};

struct PeerLink {
  const MlagPair* pair = nullptr;
  int first = 0;
  int second = 0;
};

class Fabric {
 public:
  explicit Fabric(const Snapshot& graph);

  const std::vector<SwitchId>& switches() const { return switches_; }  // ascending
  std::optional<int> index_of(const SwitchId& id) const;
  const std::vector<FabricEdge>& edges() const { return edges_; }  // ascending by ends
  const std::vector<PeerLink>& peer_links() const { return peer_links_; }

  // Hop counts from `source` to every switch (kUnreachable where there is no path), computed
  // once per source.
  static constexpr std::uint16_t kUnreachable = 0xffff;
  const std::vector<std::uint16_t>& distances(int source) const;

  // The edges (indices into edges()) on any shortest path between two of `carriers` (ascending
  // switch indices).
  std::vector<int> shortest_path_edges(const std::vector<int>& carriers) const;

  // A shortest path from `from` to `to` (switch indices) that crosses edge `edge`, either way
  // round; empty when no shortest path crosses it.
  std::vector<int> path_through(int from, int to, int edge) const;

 private:
  std::vector<int> path_between(int from, int to) const;

  std::vector<SwitchId> switches_;
  std::vector<FabricEdge> edges_;
  std::vector<std::vector<std::pair<int, int>>> adjacency_;  // per switch: (neighbour, edge)
  std::vector<PeerLink> peer_links_;
  mutable std::vector<std::vector<std::uint16_t>> distances_;  // per source, empty until needed
};

}  // namespace vmfabric::planner::detail
