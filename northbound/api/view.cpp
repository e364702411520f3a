#include "northbound/api/view.h"

#include <algorithm>

namespace vmfabric::northbound::api {

View::View(std::shared_ptr<const Snapshot> graph, std::shared_ptr<const planner::Plan> plan,
           planner::PlanPolicy policy)
    : graph_(std::move(graph)), plan_(std::move(plan)), policy_(std::move(policy)) {
  const Snapshot& g = *graph_;
  for (const Host& h : g.all<Host>()) hosts_by_name_.items.push_back(&h);
  for (const Vm& vm : g.all<Vm>()) {
    vms_by_name_.items.push_back(&vm);
    if (vm.host) vms_on_.items.push_back(&vm);
  }
  for (const VmNic& n : g.all<VmNic>()) nics_.items.push_back(&n);
  for (const Pnic& p : g.all<Pnic>()) pnics_.items.push_back(&p);
  for (const VmkNic& v : g.all<VmkNic>()) vmknics_.items.push_back(&v);
  for (const VSwitch& v : g.all<VSwitch>()) vswitches_.items.push_back(&v);
  for (const Interface& i : g.all<Interface>()) interfaces_.items.push_back(&i);
  hosts_by_name_.sort();
  vms_by_name_.sort();
  vms_on_.sort();
  nics_.sort();
  pnics_.sort();
  vmknics_.sort();
  vswitches_.sort();
  interfaces_.sort();
  for (const MlagPair& m : g.all<MlagPair>()) {
    mlag_[m.id.first] = &m;
    mlag_[m.id.second] = &m;
  }
  for (const Link& l : g.all<Link>()) {
    link_peers_[l.id.a].push_back(l.id.b);
    link_peers_[l.id.b].push_back(l.id.a);
  }
  for (const auto& [pnic, uplink] : plan_->correlation->uplinks) {
    uplinks_at_[uplink.port].push_back(&uplink);
    if (uplink.attachment != uplink.port) uplinks_at_[uplink.attachment].push_back(&uplink);
  }
}

template <class T, auto KeyOf>
void View::Grouped<T, KeyOf>::sort() {
  std::stable_sort(items.begin(), items.end(),
                   [](const T* a, const T* b) { return KeyOf(*a) < KeyOf(*b); });
  items.shrink_to_fit();
}

template <class T, auto KeyOf>
std::span<const T* const> View::Grouped<T, KeyOf>::at(const auto& key) const {
  const auto [first, last] = std::ranges::equal_range(
      items, key, std::ranges::less{}, [](const T* e) -> const auto& { return KeyOf(*e); });
  return {first, last};
}

std::span<const Host* const> View::hosts_named(const std::string& name) const {
  return hosts_by_name_.at(name);
}
std::span<const Vm* const> View::vms_named(const std::string& name) const {
  return vms_by_name_.at(name);
}
std::span<const VmNic* const> View::nics(const VmId& vm) const { return nics_.at(vm); }
std::span<const Pnic* const> View::pnics(const HostId& host) const { return pnics_.at(host); }
std::span<const VmkNic* const> View::vmknics(const HostId& host) const { return vmknics_.at(host); }
std::span<const VSwitch* const> View::vswitches(const HostId& host) const {
  return vswitches_.at(host);
}
std::span<const Vm* const> View::vms_on(const HostId& host) const { return vms_on_.at(host); }
std::span<const Interface* const> View::interfaces(const SwitchId& sw) const {
  return interfaces_.at(sw);
}

const MlagPair* View::mlag(const SwitchId& sw) const {
  const auto it = mlag_.find(sw);
  return it == mlag_.end() ? nullptr : it->second;
}

std::vector<InterfaceId> View::link_peers(const InterfaceId& end) const {
  return at(link_peers_, end);
}

const std::vector<const planner::Uplink*>& View::uplinks_at(const InterfaceId& where) const {
  return at(uplinks_at_, where);
}

std::string View::host_name(const HostId& host) const {
  const Host* h = graph_->find<Host>(host);
  return h != nullptr ? h->name : host.moref;
}

std::string View::cluster_name(const std::optional<ClusterId>& cluster) const {
  if (!cluster) return "";
  const Cluster* c = graph_->find<Cluster>(*cluster);
  return c != nullptr ? c->name : cluster->moref;
}

std::optional<Network> View::network(const Vm& vm, const VmNic& nic) const {
  if (nic.backing.dv_portgroup) {
    const DvPortgroup* pg = graph_->find<DvPortgroup>(*nic.backing.dv_portgroup);
    if (pg == nullptr) return std::nullopt;
    return Network{pg->name, true, pg->vlan};
  }
  if (nic.backing.standard_portgroup.empty() || !vm.host) return std::nullopt;
  const StandardPortgroup* pg =
      graph_->find<StandardPortgroup>({*vm.host, nic.backing.standard_portgroup});
  if (pg == nullptr) return Network{nic.backing.standard_portgroup, false, PortgroupVlan{}};
  return Network{pg->id.name, false, pg->vlan};
}

std::optional<Network> View::network(const VmkNic& nic) const {
  if (nic.dv_portgroup) {
    const DvPortgroup* pg = graph_->find<DvPortgroup>(*nic.dv_portgroup);
    if (pg == nullptr) return std::nullopt;
    return Network{pg->name, true, pg->vlan};
  }
  const StandardPortgroup* pg = graph_->find<StandardPortgroup>({nic.id.host, nic.portgroup});
  if (pg == nullptr) return std::nullopt;
  return Network{pg->id.name, false, pg->vlan};
}

std::optional<planner::PortRole> View::role(const InterfaceId& where) const {
  const planner::SwitchPlan* sw = plan_->find(where.sw);
  if (sw == nullptr) return std::nullopt;
  const auto it = sw->roles.find(where.name);
  if (it == sw->roles.end()) return std::nullopt;
  return it->second;
}

VlanSet View::desired(const InterfaceId& where) const {
  const planner::SwitchPlan* sw = plan_->find(where.sw);
  if (sw == nullptr) return {};
  const auto it = sw->allowed.find(where.name);
  return it == sw->allowed.end() ? VlanSet() : it->second;
}

const std::string& View::memo(const std::string& key,
                              const std::function<std::string()>& render) const {
  Memo* m = nullptr;
  {
    const std::lock_guard lock(memos_mutex_);
    auto& slot = memos_[key];
    if (!slot) slot = std::make_unique<Memo>();
    m = slot.get();
  }
  std::call_once(m->made, [&] { m->body = render(); });
  return m->body;
}

}  // namespace vmfabric::northbound::api
