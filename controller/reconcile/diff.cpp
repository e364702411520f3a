#include "reconcile/diff.h"

#include <algorithm>

namespace vmfabric::reconcile {

std::int64_t HoldDown::want(const Key& key, std::int64_t now_ms) {
  Since& since = since_.try_emplace(key, Since{now_ms, diff_}).first->second;
  since.diff = diff_;
  return since.ms;
}

void HoldDown::keep(const SwitchId& sw) {
  // Keys start with the switch: only its own range.
  for (auto it = since_.lower_bound(Key{sw, InterfaceName(), VlanId{0}});
       it != since_.end() && std::get<0>(it->first) == sw; ++it) {
    it->second.diff = diff_;
  }
}

void HoldDown::begin() { ++diff_; }

void HoldDown::end() {
  std::erase_if(since_, [&](const auto& entry) { return entry.second.diff != diff_; });
}

namespace {

std::string vlan_text(const VlanSet& v) {
  return (v.size() == 1 ? "VLAN " : "VLANs ") + v.to_range_list();
}

const char* role_text(planner::PortRole role) {
  return role == planner::PortRole::kEsxFacing ? "ESX-facing" : "inter-switch";
}

// Why removals must wait this cycle, or "".
std::string removal_freeze(const Snapshot& g) {
  for (const VCenter& vc : g.all<VCenter>()) {
    if (!vc.synced) return "vCenter " + vc.id.str() + " is not in sync";
  }
  for (const Switch& s : g.all<Switch>()) {
    if (s.reachability != Reachability::kReachable) {
      return "switch " + s.id.str() + " has not been read";
    }
  }
  return "";
}

class Differ {
 public:
  Differ(const DiffInput& in, HoldDown& holds) : in_(in), holds_(holds) {
    out_.removals_frozen = removal_freeze(in.observed);
  }

  Diff run() {
    holds_.begin();
    for (const auto& [id, plan] : in_.plan.switches) {
      if (std::find(in_.busy.begin(), in_.busy.end(), id) != in_.busy.end()) {
        keep_holds(id);
        continue;
      }
      const Switch* sw = in_.observed.find<Switch>(id);
      if (sw == nullptr || sw->reachability != Reachability::kReachable) {
        keep_holds(id);
        continue;
      }
      SwitchDiff d = diff_switch(*sw, *plan);
      if (!d.changes.empty()) out_.switches.emplace(id, std::move(d));
    }
    holds_.end();
    return std::move(out_);
  }

 private:
  // A switch not diffed this cycle keeps its hold-downs running.
  void keep_holds(const SwitchId& id) { holds_.keep(id); }

  // Whether a removal of `key` may go now; counts it against the cap when it does.
  bool removal_due(const HoldDown::Key& key) {
    const std::int64_t since = holds_.want(key, in_.now_ms);
    const std::int64_t due = since + in_.policy.prune_delay_ms;
    if (!out_.removals_frozen.empty() || due > in_.now_ms ||
        removals_ >= in_.policy.max_removals_per_cycle) {
      ++out_.removals_waiting;
      if (out_.removals_frozen.empty() && due > in_.now_ms) {
        out_.next_due_ms = std::min(out_.next_due_ms.value_or(due), due);
      }
      return false;
    }
    ++removals_;
    return true;
  }

  SwitchDiff diff_switch(const Switch& sw, const planner::SwitchPlan& plan) {
    SwitchDiff d;
    const VlanSet& managed = in_.policy.managed;

    // VLAN database: create what the plan needs.
    VlanSet created;
    for (const auto& [vlan, name] : plan.vlans) {
      if (managed.contains(vlan) && !sw.vlans.contains(vlan)) {
        d.changes.create_vlans.emplace(vlan, name);
        created.insert(vlan);
      }
    }
    if (!created.empty()) d.reasons.push_back("create " + vlan_text(created));

    // Interfaces: add what is missing, remove what is unneeded (after the hold-down).
    for (const auto& [name, role] : plan.roles) {
      const Interface* i = in_.observed.find<Interface>(InterfaceId{sw.id, name});
      const auto planned_it = plan.allowed.find(name);
      const VlanSet planned =
          planned_it == plan.allowed.end() ? VlanSet() : planned_it->second & managed;
      if (i == nullptr || i->mode != SwitchportMode::kTrunk) {
        if (!planned.empty()) {
          out_.skipped.push_back(
              sw.id.str() + " " + name.str() +
              (i == nullptr ? ": not seen on the switch" : ": not a trunk port, left as it is"));
        }
        continue;
      }
      southbound::InterfaceVlanChange change;
      change.add = planned - i->allowed;
      for (const VlanId v : ((i->allowed & managed) - planned).ids()) {
        if (removal_due({sw.id, name, v})) change.remove.insert(v);
      }
      if (!change.add.empty())
        d.reasons.push_back("add " + vlan_text(change.add) + " on " + name.str() + " (" +
                            role_text(role) + ")");
      if (!change.remove.empty()) {
        d.reasons.push_back("remove " + vlan_text(change.remove) + " from " + name.str() +
                            " (unneeded for " + std::to_string(in_.policy.prune_delay_ms / 1000) +
                            " s or more)");
      }
      if (!change.add.empty() || !change.remove.empty()) {
        d.changes.interfaces.emplace(name, std::move(change));
      }
    }
    // The VLANs some trunk of the switch allows once this ChangeSet is applied.
    VlanSet still_allowed;
    const EntityMap<Interface>& interfaces = in_.observed.all<Interface>();
    for (auto it = interfaces.lower_bound(InterfaceId{sw.id, InterfaceName()});
         it != interfaces.end() && it->id.sw == sw.id; ++it) {
      const Interface& i = *it;
      if (i.mode != SwitchportMode::kTrunk) continue;
      const auto change = d.changes.interfaces.find(i.id.name);
      still_allowed |= change == d.changes.interfaces.end()
                           ? i.allowed
                           : (i.allowed - change->second.remove) | change->second.add;
    }

    // Delete VLANs vmfabric created that nothing plans and no interface allows any more.
    const auto mine = in_.created.find(sw.id.str());
    if (mine != in_.created.end()) {
      VlanSet deleted;
      for (const VlanId v : (mine->second & managed).ids()) {
        if (!sw.vlans.contains(v) || plan.vlans.contains(v) || still_allowed.contains(v)) continue;
        if (removal_due({sw.id, InterfaceName(""), v})) deleted.insert(v);
      }
      if (!deleted.empty()) {
        d.changes.delete_vlans = deleted;
        d.reasons.push_back("delete " + vlan_text(deleted) + " (created by vmfabric, unused)");
      }
    }
    return d;
  }

  const DiffInput& in_;
  HoldDown& holds_;
  Diff out_;
  std::size_t removals_ = 0;
};

}  // namespace

Diff diff(const DiffInput& input, HoldDown& holds) { return Differ(input, holds).run(); }

}  // namespace vmfabric::reconcile
