// plan(): demand placed on ESX-facing attachments, joined across the fabric by shortest paths
// and MLAG peer-links, with the VLANs each switch must have; explain(): the causes behind one
// (interface, VLAN) of a plan.
#include "planner/planner.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "model/text.h"
#include "planner/internal.h"
#include "southbound/change_set.h"

namespace vmfabric::planner {
namespace {

using detail::DemandCause;
using detail::DemandUse;
using detail::Fabric;
using detail::InventoryIndex;
using detail::Placement;

// The managed VLANs every ESX-facing attachment must allow (empty for the attachments of located
// vSwitch uplinks that nothing needs).
std::map<InterfaceId, VlanSet> esx_facing(const Snapshot& graph, const InventoryIndex& index,
                                          const Correlation& correlation) {
  std::map<InterfaceId, VlanSet> out;
  // Every pnic that is an uplink of some vSwitch (see detail::vswitch_uplinks).
  for (const VSwitch& vs : graph.all<VSwitch>()) {
    PnicId pnic{vs.id.host, {}};
    for (const std::string& device : vs.uplinks) {
      pnic.name = device;
      if (auto it = correlation.uplinks.find(pnic); it != correlation.uplinks.end()) {
        out.try_emplace(it->second.attachment);
      }
    }
  }
  // Many VMs need the same portgroups on the same hosts: place each (hosts, portgroup) once. A
  // distributed portgroup lands on the host's proxy switch of its DVS with the VLANs it carries,
  // whatever the host: its uses are gathered per (hosts, DVS) and placed once per host.
  using StandardUse = std::tuple<const HostId*, std::size_t, std::string_view>;
  using DistributedUse = std::tuple<const HostId*, std::size_t, const DvPortgroup*>;
  std::vector<StandardUse> standard_uses;
  std::vector<DistributedUse> distributed_uses;
  index.for_each_demand([&](const DemandUse& use) {
    if (use.portgroup.distributed != nullptr) {
      if (!use.portgroup.distributed->uplink) {
        distributed_uses.emplace_back(use.hosts.data(), use.hosts.size(),
                                      use.portgroup.distributed);
      }
    } else {
      standard_uses.emplace_back(use.hosts.data(), use.hosts.size(), use.portgroup.standard);
    }
  });
  std::sort(standard_uses.begin(), standard_uses.end());
  standard_uses.erase(std::unique(standard_uses.begin(), standard_uses.end()), standard_uses.end());
  std::sort(distributed_uses.begin(), distributed_uses.end());
  distributed_uses.erase(std::unique(distributed_uses.begin(), distributed_uses.end()),
                         distributed_uses.end());

  std::map<const VSwitch*, VlanSet> by_vswitch;
  for (const auto& [hosts, count, portgroup] : standard_uses) {
    for (const HostId& host : std::span(hosts, count)) {
      if (std::optional<Placement> placement = index.place(host, {portgroup, nullptr})) {
        by_vswitch[placement->vswitch] |= placement->vlans;
      }
    }
  }
  std::vector<std::pair<const DvsId*, VlanSet>> per_dvs;  // of one host group
  for (auto run = distributed_uses.begin(); run != distributed_uses.end();) {
    const HostId* hosts = std::get<0>(*run);
    const std::size_t count = std::get<1>(*run);
    per_dvs.clear();
    for (;
         run != distributed_uses.end() && std::get<0>(*run) == hosts && std::get<1>(*run) == count;
         ++run) {
      const DvPortgroup& pg = *std::get<2>(*run);
      auto same = std::find_if(per_dvs.begin(), per_dvs.end(),
                               [&](const auto& d) { return *d.first == pg.dvs; });
      if (same == per_dvs.end()) same = per_dvs.insert(per_dvs.end(), {&pg.dvs, VlanSet()});
      same->second |= detail::carried_vlans(pg.vlan, index.managed());
    }
    for (const HostId& host : std::span(hosts, count)) {
      for (const auto& [dvs, vlans] : per_dvs) {
        if (const VSwitch* proxy = index.proxy_switch(host, *dvs)) by_vswitch[proxy] |= vlans;
      }
    }
  }
  for (const auto& [vswitch, vlans] : by_vswitch) {
    detail::for_each_attachment(correlation, vswitch->id.host, *vswitch,
                                [&](const InterfaceId& attachment) { out[attachment] |= vlans; });
  }
  return out;
}

// The VLANs each switch carries: those of its ESX-facing attachments.
std::vector<VlanSet> carried_by_switch(const Fabric& fabric,
                                       const std::map<InterfaceId, VlanSet>& esx) {
  std::vector<VlanSet> carried(fabric.switches().size());
  for (const auto& [attachment, vlans] : esx) {
    if (std::optional<int> s = fabric.index_of(attachment.sw)) {
      carried[static_cast<std::size_t>(*s)] |= vlans;
    }
  }
  return carried;
}

// The switches carrying `vlan`, ascending.
std::vector<int> carriers_of(const std::vector<VlanSet>& carried, VlanId vlan) {
  std::vector<int> out;
  for (std::size_t s = 0; s < carried.size(); ++s) {
    if (carried[s].contains(vlan)) out.push_back(static_cast<int>(s));
  }
  return out;
}

InterfaceId peer_link_end(const Fabric& fabric, const detail::PeerLink& link, int peer) {
  return {fabric.switches()[static_cast<std::size_t>(peer)], link.pair->peer_link};
}

// The managed VLANs every inter-switch attachment must allow (empty where nothing needs them).
std::map<InterfaceId, VlanSet> inter_switch(const Fabric& fabric,
                                            const std::vector<VlanSet>& carried) {
  std::map<InterfaceId, VlanSet> out;
  for (const detail::FabricEdge& edge : fabric.edges()) {
    out[edge.end_a];
    out[edge.end_b];
  }
  // VLANs with the same carrying switches share their shortest paths: compute them once.
  VlanSet anywhere;
  for (const VlanSet& vlans : carried) anywhere |= vlans;
  std::map<std::vector<int>, VlanSet> vlans_by_carriers;
  for (VlanId vlan : anywhere.ids()) vlans_by_carriers[carriers_of(carried, vlan)].insert(vlan);
  std::vector<VlanSet> by_edge(fabric.edges().size());
  for (const auto& [carriers, vlans] : vlans_by_carriers) {
    if (carriers.size() < 2) continue;
    for (int e : fabric.shortest_path_edges(carriers))
      by_edge[static_cast<std::size_t>(e)] |= vlans;
  }
  for (std::size_t e = 0; e < by_edge.size(); ++e) {
    if (by_edge[e].empty()) continue;
    const detail::FabricEdge& edge = fabric.edges()[e];
    out[edge.end_a] |= by_edge[e];
    out[edge.end_b] |= by_edge[e];
  }
  for (const detail::PeerLink& link : fabric.peer_links()) {
    const VlanSet vlans = carried[static_cast<std::size_t>(link.first)] |
                          carried[static_cast<std::size_t>(link.second)];
    out[peer_link_end(fabric, link, link.first)] |= vlans;
    out[peer_link_end(fabric, link, link.second)] |= vlans;
  }
  return out;
}

void add_role(Plan& plan, const std::map<InterfaceId, VlanSet>& allowed, PortRole role) {
  for (const auto& [attachment, vlans] : allowed) {
    const auto sw = plan.switches.find(attachment.sw);
    if (sw == plan.switches.end()) continue;
    sw->second.roles[attachment.name] = role;
    sw->second.allowed[attachment.name] |= vlans;
  }
}

const char* service_text(VmkService service) {
  switch (service) {
    case VmkService::kManagement:
      return "management";
    case VmkService::kVmotion:
      return "vmotion";
    case VmkService::kStorage:
      return "storage";
    case VmkService::kProvisioning:
      return "provisioning";
    case VmkService::kFaultTolerance:
      return "fault tolerance";
    case VmkService::kVsan:
      break;
  }
  return "vsan";
}

// One line of explain() for a demand that lands `placement` on `host`.
std::string demand_text(const InventoryIndex& index, const DemandUse& use, const HostId& host,
                        const Placement& placement, VlanId vlan) {
  const std::string via = " via " + std::string(placement.portgroup_name);
  const std::string vlan_text = "VLAN " + std::to_string(vlan.value);
  const DemandCause& cause = use.cause;
  switch (cause.kind) {
    case DemandCause::Kind::kVmkNic: {
      std::vector<std::string> services;
      for (VmkService s : cause.vmknic->services) services.emplace_back(service_text(s));
      return cause.vmknic->id.name + (services.empty() ? "" : " (" + join(services, ", ") + ")") +
             " of " + index.host_name(host) + via;
    }
    case DemandCause::Kind::kPortgroup:
      return "portgroup " + std::string(placement.portgroup_name) + " on " + index.host_name(host) +
             " (" + vlan_text + ", portgroup mode)";
    case DemandCause::Kind::kVm:
      break;
  }
  const Vm& vm = *cause.vm;
  const HostId& where = cause.migration ? *vm.migrating_to : *vm.host;
  std::string text = "VM " + vm.name + (cause.migration ? " migrating to " : " on ") +
                     index.host_name(where) + via + " (" + vlan_text + ")";
  if (where != host) text += ", may move to " + index.host_name(host) + " (cluster mode)";
  return text;
}

std::string switch_names(const Fabric& fabric, const std::vector<int>& switches,
                         std::string_view separator) {
  std::vector<std::string> names;
  for (int s : switches) names.push_back(fabric.switches()[static_cast<std::size_t>(s)].str());
  return join(names, separator);
}

void add_fabric_causes(const Fabric& fabric, const std::vector<int>& carriers,
                       const InterfaceId& where, VlanId vlan, std::vector<std::string>& lines) {
  const std::string vlan_text = "VLAN " + std::to_string(vlan.value);
  for (std::size_t e = 0; e < fabric.edges().size(); ++e) {
    const detail::FabricEdge& edge = fabric.edges()[e];
    if (edge.end_a != where && edge.end_b != where) continue;
    for (std::size_t i = 0; i < carriers.size(); ++i) {
      for (std::size_t j = i + 1; j < carriers.size(); ++j) {
        const std::vector<int> path =
            fabric.path_through(carriers[i], carriers[j], static_cast<int>(e));
        if (path.empty()) continue;
        lines.push_back("fabric path " + switch_names(fabric, path, " - ") + ": " + vlan_text +
                        " is on " + switch_names(fabric, {carriers[i], carriers[j]}, " and "));
      }
    }
  }
  for (const detail::PeerLink& link : fabric.peer_links()) {
    if (peer_link_end(fabric, link, link.first) != where &&
        peer_link_end(fabric, link, link.second) != where) {
      continue;
    }
    std::vector<int> on;
    for (int peer : {link.first, link.second}) {
      if (std::binary_search(carriers.begin(), carriers.end(), peer)) on.push_back(peer);
    }
    if (on.empty()) continue;
    const std::string name = link.pair->domain.empty()
                                 ? link.pair->id.first.str() + "/" + link.pair->id.second.str()
                                 : link.pair->domain;
    lines.push_back("MLAG peer-link of " + name + ": " + vlan_text + " is on " +
                    switch_names(fabric, on, " and "));
  }
}

}  // namespace

Plan plan(const Snapshot& graph, const PlanPolicy& policy) {
  Plan out;
  out.correlation = correlate(graph);
  const InventoryIndex index(graph, policy);
  const Fabric fabric(graph);
  const std::map<InterfaceId, VlanSet> esx = esx_facing(graph, index, out.correlation);
  const std::vector<VlanSet> carried = carried_by_switch(fabric, esx);

  for (const Switch& sw : graph.all<Switch>()) out.switches.try_emplace(out.switches.end(), sw.id);
  add_role(out, esx, PortRole::kEsxFacing);
  // An interface that is both is an inter-switch port first: vmfabric treats it as one.
  add_role(out, inter_switch(fabric, carried), PortRole::kInterSwitch);

  // One name per VLAN across the fabric, computed when first needed.
  std::vector<std::optional<std::string>> names(4096);  // by VLAN id (VlanSet's range)
  for (auto& [id, sw] : out.switches) {
    VlanSet needed;
    for (const auto& [name, vlans] : sw.allowed) needed |= vlans;
    for (VlanId vlan : needed.ids()) {
      std::optional<std::string>& name = names[static_cast<std::size_t>(vlan.value)];
      if (!name) name = southbound::eos_vlan_name(index.vlan_name(vlan));
      sw.vlans.emplace_hint(sw.vlans.end(), vlan, *name);
    }
  }
  return out;
}

std::vector<std::string> explain(const Snapshot& graph, const PlanPolicy& policy, const Plan& plan,
                                 const InterfaceId& where, VlanId vlan) {
  const auto sw = plan.switches.find(where.sw);
  if (sw == plan.switches.end()) return {};
  const auto allowed = sw->second.allowed.find(where.name);
  if (allowed == sw->second.allowed.end() || !allowed->second.contains(vlan)) return {};

  const InventoryIndex index(graph, policy);
  std::set<HostId> hosts_here;
  for (const auto& [pnic, uplink] : plan.correlation.uplinks) {
    if (uplink.attachment == where) hosts_here.insert(pnic.host);
  }
  std::vector<std::string> lines;
  index.for_each_demand([&](const DemandUse& use) {
    for (const HostId& host : use.hosts) {
      if (!hosts_here.contains(host)) continue;
      const std::optional<Placement> placement = index.place(host, use.portgroup);
      if (!placement || !placement->vlans.contains(vlan)) continue;
      bool lands_here = false;
      detail::for_each_attachment(plan.correlation, host, *placement->vswitch,
                                  [&](const InterfaceId& a) { lands_here |= a == where; });
      if (lands_here) lines.push_back(demand_text(index, use, host, *placement, vlan));
    }
  });

  const Fabric fabric(graph);
  const std::vector<VlanSet> carried =
      carried_by_switch(fabric, esx_facing(graph, index, plan.correlation));
  add_fabric_causes(fabric, carriers_of(carried, vlan), where, vlan, lines);

  // A VM with two vNICs on one portgroup is one cause.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (std::string& line : lines) {
    if (seen.insert(line).second) unique.push_back(std::move(line));
  }
  return unique;
}

}  // namespace vmfabric::planner
