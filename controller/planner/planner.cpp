// plan(): demand placed on ESX-facing attachments, joined across the fabric by shortest paths
// and MLAG peer-links, with the VLANs each switch must have; explain(): the causes behind one
// (interface, VLAN) of a plan.
#include "planner/planner.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <unordered_map>

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

InterfaceId peer_link_end(const Fabric& fabric, const detail::PeerLink& link, int peer) {
  return {fabric.switches()[static_cast<std::size_t>(peer)], link.pair->peer_link};
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
      for (VmkService s : cause.vmknic->services) services.emplace_back(to_string(s));
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

// Adds the fabric reasons for `vlan` on `where` until `lines` holds `limit`.
void add_fabric_causes(const Fabric& fabric, const std::vector<int>& carriers,
                       const InterfaceId& where, VlanId vlan, std::size_t limit,
                       std::vector<std::string>& lines) {
  const std::string vlan_text = "VLAN " + std::to_string(vlan.value);
  for (std::size_t e = 0; e < fabric.edges().size(); ++e) {
    const detail::FabricEdge& edge = fabric.edges()[e];
    if (edge.end_a != where && edge.end_b != where) continue;
    for (std::size_t i = 0; i < carriers.size(); ++i) {
      for (std::size_t j = i + 1; j < carriers.size(); ++j) {
        if (lines.size() >= limit) return;
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
    if (on.empty() || lines.size() >= limit) continue;
    const std::string name = link.pair->domain.empty()
                                 ? link.pair->id.first.str() + "/" + link.pair->id.second.str()
                                 : link.pair->domain;
    lines.push_back("MLAG peer-link of " + name + ": " + vlan_text + " is on " +
                    switch_names(fabric, on, " and "));
  }
}

// Whether the plan allows `vlan` on `where`: explain() answers only for what the plan holds.
bool allows(const Plan& plan, const InterfaceId& where, VlanId vlan) {
  const SwitchPlan* sw = plan.find(where.sw);
  if (sw == nullptr) return false;
  const auto allowed = sw->allowed.find(where.name);
  return allowed != sw->allowed.end() && allowed->second.contains(vlan);
}

}  // namespace

// ---- Planner -----------------------------------------------------------------------------------
//
// The plan is kept as counts and unions that each change touches along one path:
//   VM demand -> count per (hosts, portgroup) use -> the VLANs of each host's vSwitches ->
//   each ESX-facing attachment -> the VLANs each switch carries -> the switches carrying each VLAN
//   -> its shortest-path edges -> each inter-switch attachment -> the switch plans.
// A full plan runs the same path with everything new. Each step recomputes only what the step
// before it marked dirty, and marks the next step only where its result changed.

namespace {

// Hosts needing a portgroup, as counted: `hosts` points into the inventory index or the snapshot
// it was built from (stable while both live); equal pointers are the same host group.
struct UseKey {
  const HostId* hosts = nullptr;
  std::size_t count = 0;
  const DvPortgroup* distributed = nullptr;
  std::string standard;
  bool operator==(const UseKey&) const = default;
};

struct UseKeyHash {
  std::size_t operator()(const UseKey& k) const {
    const std::size_t pointers = std::hash<const void*>{}(k.hosts) * 31 + k.count * 7 +
                                 std::hash<const void*>{}(k.distributed);
    return detail::hash_mix(pointers, k.standard);
  }
};

using detail::MoRefView;
using detail::MoRefViewHash;
using HostSet = std::unordered_map<MoRefView, const HostId*, MoRefViewHash>;

void insert_sorted(std::vector<int>& v, int x) {
  const auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it == v.end() || *it != x) v.insert(it, x);
}

void erase_sorted(std::vector<int>& v, int x) {
  const auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it != v.end() && *it == x) v.erase(it);
}

}  // namespace

struct Planner::State {
  explicit State(PlanPolicy p) : policy(std::move(p)) {}

  PlanPolicy policy;
  Snapshot base;     // what the index, fabric and correlation were built from and point into
  Snapshot current;  // the snapshot planned last: base with other VMs and vNICs
  std::unique_ptr<InventoryIndex> index;
  std::unique_ptr<Fabric> fabric;
  std::shared_ptr<const Correlation> correlation;

  // Demand: how many causes (VMs, vmknics, portgroups) need each use, and the uses covering each
  // host (pointers to the keys of `uses`, stable until erased).
  std::unordered_map<UseKey, std::uint32_t, UseKeyHash> uses;
  struct HostUses {
    const HostId* host = nullptr;
    std::vector<const UseKey*> uses;
  };
  std::unordered_map<MoRefView, HostUses, MoRefViewHash> host_uses;
  bool inconsistent = false;  // a use removed that was never counted: replan from scratch

  // ESX-facing side.
  std::unordered_map<const VSwitch*, VlanSet> by_vswitch;          // non-empty only
  std::map<InterfaceId, std::vector<const VSwitch*>> esx_sources;  // attachment -> its vSwitches
  std::map<InterfaceId, VlanSet> esx;                              // attachment -> VLANs
  std::vector<VlanSet> carried;                                    // by switch index

  // Fabric side.
  // By VLAN id (sparse: only VLANs something carries): the switches carrying it, ascending, and
  // the edges of its shortest paths.
  std::unordered_map<std::uint16_t, std::vector<int>> carriers;
  std::unordered_map<std::uint16_t, std::shared_ptr<const std::vector<int>>> vlan_edges;
  std::vector<VlanSet> by_edge;                            // by fabric edge
  std::vector<VlanSet> by_peer_link;                       // by peer link
  std::map<InterfaceId, std::vector<int>> end_edges;       // inter-switch attachment -> edges
  std::map<InterfaceId, std::vector<int>> end_peer_links;  // and peer links it is an end of
  std::map<InterfaceId, VlanSet> inter;                    // inter-switch attachment -> VLANs

  std::unordered_map<std::uint16_t, std::string> names;  // by VLAN id: its EOS name, once needed
  Plan plan;
  bool incremental = false;

  // ---- demand ----

  // Counts `use` in or out; marks the hosts whose uses changed in `dirty` (none when null: a
  // full plan visits every host anyway).
  void count(const DemandUse& use, bool add, HostSet* dirty) {
    if (use.portgroup.distributed != nullptr && use.portgroup.distributed->uplink) return;
    UseKey key{
        use.hosts.data(), use.hosts.size(), use.portgroup.distributed,
        use.portgroup.distributed != nullptr ? std::string() : std::string(use.portgroup.standard)};
    if (add) {
      auto [it, added] = uses.try_emplace(std::move(key), 0);
      if (it->second++ != 0) return;
      for (const HostId& host : use.hosts) {
        HostUses& on_host = host_uses[detail::view_of(host)];
        on_host.host = &host;
        on_host.uses.push_back(&it->first);
        if (dirty != nullptr) dirty->emplace(detail::view_of(host), &host);
      }
      return;
    }
    const auto it = uses.find(key);
    if (it == uses.end()) {
      inconsistent = true;
      return;
    }
    if (--it->second != 0) return;
    for (const HostId& host : use.hosts) {
      std::vector<const UseKey*>& on_host = host_uses[detail::view_of(host)].uses;
      on_host.erase(std::find(on_host.begin(), on_host.end(), &it->first));
      if (dirty != nullptr) dirty->emplace(detail::view_of(host), &host);
    }
    uses.erase(it);
  }

  // ---- propagation, one step after another ----

  struct Dirty {
    std::set<InterfaceId> attachments;  // ESX-facing
    std::set<int> carriers;             // switches whose carried VLANs may have changed
    VlanSet vlans;                      // VLANs whose carrying switches changed
    std::set<int> peer_links;
    std::set<InterfaceId> ends;  // inter-switch
    std::map<SwitchId, std::set<InterfaceName>> plans;
  };

  // The VLANs of `host`'s vSwitches from the uses covering it.
  void replace_host(const HostId& host, Dirty& dirty) {
    std::vector<std::pair<const VSwitch*, VlanSet>> now;
    if (const auto found = host_uses.find(detail::view_of(host)); found != host_uses.end()) {
      for (const UseKey* use : found->second.uses) {
        const std::optional<detail::Placement> placement =
            index->place(host, {use->standard, use->distributed});
        if (!placement || placement->vlans.empty()) continue;
        auto at = std::find_if(now.begin(), now.end(),
                               [&](const auto& v) { return v.first == placement->vswitch; });
        if (at == now.end()) at = now.insert(now.end(), {placement->vswitch, VlanSet()});
        at->second |= placement->vlans;
      }
    }
    const EntityMap<VSwitch>& vswitches = base.all<VSwitch>();
    for (auto vs = vswitches.lower_bound(VSwitchId{host, {}});
         vs != vswitches.end() && vs->id.host == host; ++vs) {
      const auto mine =
          std::find_if(now.begin(), now.end(), [&](const auto& v) { return v.first == &*vs; });
      const auto before = by_vswitch.find(&*vs);
      const bool had = before != by_vswitch.end();
      if (mine == now.end() ? !had : had && before->second == mine->second) continue;
      if (mine == now.end()) {
        by_vswitch.erase(before);
      } else {
        by_vswitch[&*vs] = mine->second;
      }
      detail::for_each_attachment(*correlation, host, *vs, [&](const InterfaceId& attachment) {
        dirty.attachments.insert(attachment);
      });
    }
  }

  void replace_attachment(const InterfaceId& attachment, Dirty& dirty) {
    VlanSet now;
    for (const VSwitch* vs : esx_sources.at(attachment)) {
      if (const auto it = by_vswitch.find(vs); it != by_vswitch.end()) now |= it->second;
    }
    VlanSet& before = esx.at(attachment);
    if (now == before) return;
    before = now;
    dirty.plans[attachment.sw].insert(attachment.name);
    if (const std::optional<int> s = fabric->index_of(attachment.sw)) dirty.carriers.insert(*s);
  }

  void replace_carried(int s, Dirty& dirty) {
    const SwitchId& sw = fabric->switches()[static_cast<std::size_t>(s)];
    VlanSet now;
    for (auto it = esx.lower_bound(InterfaceId{sw, {}}); it != esx.end() && it->first.sw == sw;
         ++it) {
      now |= it->second;
    }
    VlanSet& before = carried[static_cast<std::size_t>(s)];
    if (now == before) return;
    for (VlanId v : (now - before).ids()) insert_sorted(carriers[v.value], s);
    for (VlanId v : (before - now).ids()) {
      std::vector<int>& on = carriers[v.value];
      erase_sorted(on, s);
      if (on.empty()) carriers.erase(v.value);
    }
    dirty.vlans |= (now - before) | (before - now);
    before = now;
    for (std::size_t p = 0; p < fabric->peer_links().size(); ++p) {
      const detail::PeerLink& link = fabric->peer_links()[p];
      if (link.first == s || link.second == s) dirty.peer_links.insert(static_cast<int>(p));
    }
  }

  // New shortest-path edges for the VLANs whose carriers changed; VLANs with the same old edges
  // and new carriers move together.
  void replace_paths(const VlanSet& vlans, Dirty& dirty) {
    std::map<std::pair<const std::vector<int>*, std::vector<int>>, VlanSet> groups;
    static const std::vector<int> kNone;
    for (VlanId v : vlans.ids()) {
      const auto edges = vlan_edges.find(v.value);
      const auto on = carriers.find(v.value);
      groups[{edges == vlan_edges.end() ? nullptr : edges->second.get(),
              on == carriers.end() ? kNone : on->second}]
          .insert(v);
    }
    std::map<std::vector<int>, std::shared_ptr<const std::vector<int>>> paths;
    for (const auto& [key, group] : groups) {
      const std::vector<int>& switches = key.second;
      std::shared_ptr<const std::vector<int>>& edges = paths[switches];
      if (!edges && switches.size() >= 2) {
        edges = std::make_shared<const std::vector<int>>(fabric->shortest_path_edges(switches));
      }
      const std::vector<int>& before = key.first != nullptr ? *key.first : kNone;
      const std::vector<int>& now = edges ? *edges : kNone;
      std::vector<int> gone;
      std::vector<int> added;
      std::set_difference(before.begin(), before.end(), now.begin(), now.end(),
                          std::back_inserter(gone));
      std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                          std::back_inserter(added));
      for (int e : gone) by_edge[static_cast<std::size_t>(e)] -= group;
      for (int e : added) by_edge[static_cast<std::size_t>(e)] |= group;
      for (const std::vector<int>* changed : {&gone, &added}) {
        for (int e : *changed) {
          dirty.ends.insert(fabric->edges()[static_cast<std::size_t>(e)].end_a);
          dirty.ends.insert(fabric->edges()[static_cast<std::size_t>(e)].end_b);
        }
      }
      for (VlanId v : group.ids()) {
        if (edges) {
          vlan_edges[v.value] = edges;
        } else {
          vlan_edges.erase(v.value);
        }
      }
    }
  }

  void replace_peer_link(int p, Dirty& dirty) {
    const detail::PeerLink& link = fabric->peer_links()[static_cast<std::size_t>(p)];
    const VlanSet now = carried[static_cast<std::size_t>(link.first)] |
                        carried[static_cast<std::size_t>(link.second)];
    VlanSet& before = by_peer_link[static_cast<std::size_t>(p)];
    if (now == before) return;
    before = now;
    dirty.ends.insert(peer_link_end(*fabric, link, link.first));
    dirty.ends.insert(peer_link_end(*fabric, link, link.second));
  }

  void replace_end(const InterfaceId& end, Dirty& dirty) {
    VlanSet now;
    if (const auto it = end_edges.find(end); it != end_edges.end()) {
      for (int e : it->second) now |= by_edge[static_cast<std::size_t>(e)];
    }
    if (const auto it = end_peer_links.find(end); it != end_peer_links.end()) {
      for (int p : it->second) now |= by_peer_link[static_cast<std::size_t>(p)];
    }
    VlanSet& before = inter.at(end);
    if (now == before) return;
    before = now;
    dirty.plans[end.sw].insert(end.name);
  }

  const std::string& vlan_name(VlanId vlan) {
    auto [it, added] = names.try_emplace(vlan.value);
    if (added) it->second = southbound::eos_vlan_name(index->vlan_name(vlan));
    return it->second;
  }

  // The switch plans of the interfaces whose VLANs changed; returns the switches that changed.
  // A switch plan nobody else holds (no published copy of the plan) is updated in place; one
  // that is shared is copied first, so that copies of the plan never change.
  std::vector<SwitchId> replace_plans(const Dirty& dirty) {
    std::vector<SwitchId> changed;
    for (const auto& [sw, interfaces] : dirty.plans) {
      const auto found = plan.switches.find(sw);
      if (found == plan.switches.end()) continue;
      std::shared_ptr<const SwitchPlan>& slot = found->second;
      VlanSet touched;  // the VLANs allowed or no longer allowed on some interface
      for (const InterfaceName& name : interfaces) {
        const InterfaceId id{sw, name};
        VlanSet allowed;
        if (const auto it = esx.find(id); it != esx.end()) allowed |= it->second;
        if (const auto it = inter.find(id); it != inter.end()) allowed |= it->second;
        const auto before = slot->allowed.find(name);
        const VlanSet previous = before == slot->allowed.end() ? VlanSet() : before->second;
        if (previous == allowed && before != slot->allowed.end()) continue;
        if (touched.empty() && slot.use_count() != 1) slot = std::make_shared<SwitchPlan>(*slot);
        touched |= (allowed - previous) | (previous - allowed);
        // Made by make_shared<SwitchPlan> and held by this plan alone: not a const object.
        const_cast<SwitchPlan&>(*slot).allowed[name] = allowed;
      }
      if (touched.empty()) continue;
      auto& sp = const_cast<SwitchPlan&>(*slot);
      // The switch needs the VLANs some interface allows. A few VLANs touched (an event): look
      // for each on the interfaces; many (a full plan): take the union of all.
      auto needed = [&, all = std::optional<VlanSet>()](VlanId v) mutable {
        if (touched.size() <= 8) {
          return std::any_of(sp.allowed.begin(), sp.allowed.end(),
                             [&](const auto& a) { return a.second.contains(v); });
        }
        if (!all) {
          all.emplace();
          for (const auto& [name, vlans] : sp.allowed) *all |= vlans;
        }
        return all->contains(v);
      };
      for (VlanId vlan : touched.ids()) {
        if (!needed(vlan)) {
          sp.vlans.erase(vlan);
        } else if (!sp.vlans.contains(vlan)) {
          sp.vlans.emplace(vlan, vlan_name(vlan));
        }
      }
      changed.push_back(sw);
    }
    return changed;
  }

  // Runs every step up to the switch plans after demand changed on `hosts`.
  Dirty spread(const HostSet& hosts) {
    Dirty dirty;
    for (const auto& [view, host] : hosts) replace_host(*host, dirty);
    for (const InterfaceId& attachment : dirty.attachments) replace_attachment(attachment, dirty);
    for (int s : dirty.carriers) replace_carried(s, dirty);
    if (!dirty.vlans.empty()) replace_paths(dirty.vlans, dirty);
    for (int p : dirty.peer_links) replace_peer_link(p, dirty);
    for (const InterfaceId& end : dirty.ends) replace_end(end, dirty);
    return dirty;
  }

  // ---- whole plans ----

  std::vector<SwitchId> rebuild(const Snapshot& graph) {
    const Plan previous = std::move(plan);
    base = graph;
    current = graph;
    correlation = std::make_shared<const Correlation>(correlate(base));
    index = std::make_unique<InventoryIndex>(base, policy);
    fabric = std::make_unique<Fabric>(base);
    uses.clear();
    host_uses.clear();
    inconsistent = false;
    by_vswitch.clear();
    esx_sources.clear();
    esx.clear();
    carried.assign(fabric->switches().size(), VlanSet());
    carriers.clear();
    vlan_edges.clear();
    by_edge.assign(fabric->edges().size(), VlanSet());
    by_peer_link.assign(fabric->peer_links().size(), VlanSet());
    end_edges.clear();
    end_peer_links.clear();
    inter.clear();
    names.clear();

    // Every located uplink of a vSwitch is ESX-facing; both ends of every switch-to-switch link
    // and MLAG peer-link are inter-switch (an interface that is both is inter-switch first).
    for (const VSwitch& vs : base.all<VSwitch>()) {
      detail::for_each_attachment(*correlation, vs.id.host, vs, [&](const InterfaceId& a) {
        std::vector<const VSwitch*>& sources = esx_sources[a];
        if (std::find(sources.begin(), sources.end(), &vs) == sources.end()) sources.push_back(&vs);
        esx.try_emplace(a);
      });
    }
    for (std::size_t e = 0; e < fabric->edges().size(); ++e) {
      const detail::FabricEdge& edge = fabric->edges()[e];
      end_edges[edge.end_a].push_back(static_cast<int>(e));
      end_edges[edge.end_b].push_back(static_cast<int>(e));
      inter.try_emplace(edge.end_a);
      inter.try_emplace(edge.end_b);
    }
    for (std::size_t p = 0; p < fabric->peer_links().size(); ++p) {
      const detail::PeerLink& link = fabric->peer_links()[p];
      for (int peer : {link.first, link.second}) {
        const InterfaceId end = peer_link_end(*fabric, link, peer);
        end_peer_links[end].push_back(static_cast<int>(p));
        inter.try_emplace(end);
      }
    }
    uses.reserve(base.count<VmNic>() + base.count<VmkNic>() + base.count<StandardPortgroup>());
    host_uses.reserve(base.count<Host>());
    index->for_each_demand([&](const DemandUse& use) { count(use, true, nullptr); });
    HostSet hosts;
    hosts.reserve(host_uses.size());
    for (const auto& [view, on_host] : host_uses) hosts.emplace(view, on_host.host);
    spread(hosts);

    // Every switch plan at once, in key order.
    std::map<SwitchId, std::shared_ptr<SwitchPlan>> plans;
    for (const Switch& sw : base.all<Switch>()) {
      plans.emplace_hint(plans.end(), sw.id, std::make_shared<SwitchPlan>());
    }
    const auto add_roles = [&](const std::map<InterfaceId, VlanSet>& attachments, PortRole role) {
      auto sp = plans.begin();
      for (const auto& [a, vlans] : attachments) {
        if (sp == plans.end() || sp->first != a.sw) sp = plans.find(a.sw);
        if (sp == plans.end()) continue;
        sp->second->roles[a.name] = role;
        sp->second->allowed[a.name] |= vlans;
      }
    };
    add_roles(esx, PortRole::kEsxFacing);
    add_roles(inter, PortRole::kInterSwitch);
    plan = Plan();
    plan.correlation = correlation;
    for (auto& [id, sp] : plans) {
      VlanSet needed;
      for (const auto& [name, vlans] : sp->allowed) needed |= vlans;
      for (VlanId vlan : needed.ids())
        sp->vlans.emplace_hint(sp->vlans.end(), vlan, vlan_name(vlan));
      plan.switches.emplace_hint(plan.switches.end(), id, std::move(sp));
    }
    incremental = false;

    std::vector<SwitchId> changed;
    for (const auto& [id, sp] : plan.switches) {
      const SwitchPlan* before = previous.find(id);
      if (before == nullptr || !(*before == *sp)) changed.push_back(id);
    }
    return changed;
  }

  // Whether `change` (from `current` to `graph`) can matter to anything but VM demand. The
  // planner reads no vCenter, only a switch's name and MAC, and only an interface's existence,
  // LLDP neighbours and port-channel: what changes all the time (polls, reachability, the VLANs
  // a trunk allows today, the vCenter's last update) plans nothing.
  bool matters(const Change& change, const Snapshot& graph) const {
    switch (kind_of(change.key)) {
      case EntityKind::kVm:
      case EntityKind::kVmNic:
      case EntityKind::kVCenter:
        return false;
      case EntityKind::kSwitch: {
        const Switch* before = current.find<Switch>(std::get<SwitchId>(change.key));
        const Switch* after = graph.find<Switch>(std::get<SwitchId>(change.key));
        return before == nullptr || after == nullptr || before->hostname != after->hostname ||
               before->system_mac != after->system_mac;
      }
      case EntityKind::kInterface: {
        const Interface* before = current.find<Interface>(std::get<InterfaceId>(change.key));
        const Interface* after = graph.find<Interface>(std::get<InterfaceId>(change.key));
        return before == nullptr || after == nullptr || before->lldp != after->lldp ||
               before->channel_group != after->channel_group;
      }
      default:
        return true;
    }
  }

  // Whether `changes` lead from `current` to `graph` changing nothing the plan depends on but
  // VMs and vNICs.
  bool only_vms(const Snapshot& graph, std::span<const GraphChanges> changes) const {
    std::uint64_t version = current.version();
    for (const GraphChanges& batch : changes) {
      if (batch.empty()) continue;  // changed nothing, bumped no version
      if (batch.version <= version) return false;
      version = batch.version;
      for (const Change& change : batch.changes) {
        if (matters(change, graph)) return false;
      }
    }
    return version == graph.version();
  }

  // The index, fabric and demand point into hosts, vSwitches, distributed portgroups and MLAG
  // pairs of `base`: when `graph` has the very same tables, it can be the base from now on (and
  // the older snapshot be freed).
  void rebase(const Snapshot& graph) {
    if (graph.same_table<Host>(base) && graph.same_table<VSwitch>(base) &&
        graph.same_table<DvPortgroup>(base) && graph.same_table<MlagPair>(base)) {
      base = graph;
    }
  }

  std::vector<SwitchId> update(const Snapshot& graph, std::span<const GraphChanges> changes) {
    if (!index) return rebuild(graph);
    if (!only_vms(graph, changes)) return rebuild(graph);
    const std::set<VmId> vms = touched_vms(changes);
    HostSet hosts;
    for (const VmId& id : vms) {
      if (const Vm* before = current.find<Vm>(id)) {
        index->for_each_demand_of(current, *before,
                                  [&](const DemandUse& use) { count(use, false, &hosts); });
      }
      if (const Vm* now = graph.find<Vm>(id)) {
        index->for_each_demand_of(graph, *now,
                                  [&](const DemandUse& use) { count(use, true, &hosts); });
      }
    }
    if (inconsistent) return rebuild(graph);
    current = graph;
    rebase(current);
    index->rebind(current);
    incremental = true;
    return replace_plans(spread(hosts));
  }
};

Planner::Planner(PlanPolicy policy) : state_(std::make_unique<State>(std::move(policy))) {}
Planner::~Planner() = default;
Planner::Planner(Planner&&) noexcept = default;
Planner& Planner::operator=(Planner&&) noexcept = default;

std::vector<SwitchId> Planner::update(const Snapshot& graph,
                                      std::span<const GraphChanges> changes) {
  return state_->update(graph, changes);
}

const Plan& Planner::plan() const { return state_->plan; }
const Snapshot& Planner::planned() const { return state_->current; }
const PlanPolicy& Planner::policy() const { return state_->policy; }
bool Planner::last_update_incremental() const { return state_->incremental; }

std::vector<std::vector<std::string>> Planner::explain_demand(
    std::span<const Question> questions, std::size_t limit, const std::vector<VmId>* recent) const {
  const State& s = *state_;
  std::vector<std::vector<std::string>> lines(questions.size());

  // The hosts behind each interface asked about, then what each host can answer, by VLAN.
  std::vector<char> allowed(questions.size(), 0);
  std::map<InterfaceId, std::vector<const HostId*>> hosts_at;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    allowed[i] = allows(s.plan, questions[i].where, questions[i].vlan);
    if (allowed[i]) hosts_at.try_emplace(questions[i].where);
  }
  for (const auto& [pnic, uplink] : s.correlation->uplinks) {
    const auto at = hosts_at.find(uplink.attachment);
    if (at != hosts_at.end() && (at->second.empty() || *at->second.back() != pnic.host)) {
      at->second.push_back(&pnic.host);  // a host's pnics are adjacent in the map
    }
  }
  struct Asked {
    const HostId* host = nullptr;
    std::map<std::uint16_t, std::vector<std::size_t>> by_vlan;  // question indices
  };
  std::unordered_map<MoRefView, Asked, MoRefViewHash> asked;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    if (!allowed[i]) continue;
    const auto at = hosts_at.find(questions[i].where);
    for (const HostId* host : at->second) {
      Asked& a = asked[detail::view_of(*host)];
      a.host = host;
      a.by_vlan[questions[i].vlan.value].push_back(i);
    }
  }

  // Which questions the current search answers, and how many of them still want lines.
  std::vector<char> searching(questions.size(), 0);
  std::size_t wanting = 0;
  const auto search = [&](bool unanswered_only) {
    std::fill(searching.begin(), searching.end(), 0);
    for (const auto& [view, a] : asked) {
      for (const auto& [vlan, ids] : a.by_vlan) {
        for (std::size_t i : ids) searching[i] = !unanswered_only || lines[i].empty();
      }
    }
    wanting = static_cast<std::size_t>(std::count(searching.begin(), searching.end(), 1));
  };
  const auto answer = [&](const DemandUse& use) {
    for (const HostId& host : use.hosts) {
      if (wanting == 0) return;
      const auto a = asked.find(detail::view_of(host));
      if (a == asked.end()) continue;
      const std::optional<Placement> placement = s.index->place(host, use.portgroup);
      if (!placement) continue;
      std::vector<InterfaceId> lands;  // looked up once a VLAN asked about is carried
      for (const auto& [vlan, ids] : a->second.by_vlan) {
        if (!placement->vlans.contains(VlanId{vlan})) continue;
        if (lands.empty()) {
          detail::for_each_attachment(*s.correlation, host, *placement->vswitch,
                                      [&lands](const InterfaceId& at) { lands.push_back(at); });
        }
        std::string text;  // the same for every question of this VLAN
        for (std::size_t i : ids) {
          if (!searching[i] || lines[i].size() >= limit ||
              std::find(lands.begin(), lands.end(), questions[i].where) == lands.end()) {
            continue;
          }
          if (text.empty()) text = demand_text(*s.index, use, host, *placement, VlanId{vlan});
          // A VM with two vNICs on one portgroup is one cause.
          if (std::find(lines[i].begin(), lines[i].end(), text) != lines[i].end()) continue;
          lines[i].push_back(text);
          if (lines[i].size() == limit) --wanting;
        }
      }
    }
  };

  if (recent != nullptr) {
    search(false);
    for (const VmId& id : *recent) {
      if (const Vm* vm = s.current.find<Vm>(id))
        s.index->for_each_demand_of(s.current, *vm, answer);
    }
    // The hosts in order, each searched for the questions its predecessors left unanswered (a
    // host's vmkernel adapters land on its own interfaces only).
    std::vector<const Asked*> hosts;
    for (const auto& [view, a] : asked) hosts.push_back(&a);
    std::sort(hosts.begin(), hosts.end(),
              [](const Asked* x, const Asked* y) { return *x->host < *y->host; });
    search(true);
    for (const Asked* a : hosts) {
      bool wanted = false;
      for (const auto& [vlan, ids] : a->by_vlan) {
        for (std::size_t i : ids) {
          searching[i] = lines[i].empty();
          wanted |= lines[i].empty();
        }
      }
      if (wanted) s.index->for_each_vmknic_demand(*a->host, answer);
    }
  }
  search(true);
  if (wanting > 0) s.index->for_each_demand(answer);  // every VM
  return lines;
}

void Planner::explain_fabric(const Question& question, std::size_t limit,
                             std::vector<std::string>& lines) const {
  const State& s = *state_;
  if (!allows(s.plan, question.where, question.vlan)) return;
  const auto carriers = s.carriers.find(question.vlan.value);
  add_fabric_causes(*s.fabric, carriers == s.carriers.end() ? std::vector<int>() : carriers->second,
                    question.where, question.vlan, limit, lines);
}

std::vector<std::string> Planner::explain(const InterfaceId& where, VlanId vlan, std::size_t limit,
                                          const std::vector<VmId>* recent) const {
  const Question question{where, vlan};
  std::vector<std::string> lines = std::move(explain_demand({&question, 1}, limit, recent)[0]);
  explain_fabric(question, limit, lines);
  return lines;
}

const SwitchPlan* Plan::find(const SwitchId& sw) const {
  const auto it = switches.find(sw);
  return it == switches.end() ? nullptr : it->second.get();
}

bool Plan::operator==(const Plan& other) const {
  return std::equal(switches.begin(), switches.end(), other.switches.begin(), other.switches.end(),
                    [](const auto& a, const auto& b) {
                      return a.first == b.first && *a.second == *b.second;
                    }) &&
         correlation->uplinks == other.correlation->uplinks &&
         correlation->problems == other.correlation->problems;
}

Plan plan(const Snapshot& graph, const PlanPolicy& policy) {
  Planner planner(policy);
  planner.update(graph);
  return planner.plan();
}

std::vector<std::string> explain(const Snapshot& graph, const PlanPolicy& policy,
                                 const InterfaceId& where, VlanId vlan) {
  Planner planner(policy);
  planner.update(graph);
  return planner.explain(where, vlan);
}

}  // namespace vmfabric::planner
