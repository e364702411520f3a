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

// Why removals must wait this cycle, or "". Without a vCenter's inventory the demand is not
// known; without a switch's interfaces and links (never read since start, or never read at
// all) neither are the uplinks on it nor the fabric paths through it. A switch read before and
// unreachable now keeps its last reading in the graph: the plan stands, and only that switch
// waits.
std::string removal_freeze(const Snapshot& g) {
  for (const VCenter& vc : g.all<VCenter>()) {
    if (!vc.synced) return "vCenter " + vc.id.str() + " is not in sync";
  }
  const EntityMap<Interface>& interfaces = g.all<Interface>();
  for (const Switch& s : g.all<Switch>()) {
    if (s.reachability == Reachability::kReachable) continue;
    const auto first = interfaces.lower_bound(InterfaceId{s.id, InterfaceName()});
    if (s.reachability == Reachability::kUnknown || first == interfaces.end() ||
        first->id.sw != s.id) {
      return "switch " + s.id.str() + " has not been read";
    }
  }
  return "";
}

// The baseline after a diff: a VLAN stays while it is planned or still there; a planned one
// joins once it is there.
VlanSet next_baseline(const VlanSet& base, const VlanSet& planned, const VlanSet& observed) {
  return ((base | planned) & observed) | (base & planned);
}

// v's managed VLANs: v itself when all are managed (the common case, without a copy), else
// `scratch` set to them.
const VlanSet& managed_part(const VlanSet& v, const VlanSet& managed, VlanSet& scratch) {
  if (v.is_subset_of(managed)) return v;
  scratch = v & managed;
  return scratch;
}

class Differ {
 public:
  Differ(const DiffInput& in, HoldDown& holds, Baseline& baseline)
      : in_(in), holds_(holds), baseline_(baseline) {
    out_.removals_frozen = removal_freeze(in.observed);
  }

  Diff run() {
    holds_.begin();
    for (const auto& [id, plan] : in_.plan.switches) {
      if (std::find(in_.busy.begin(), in_.busy.end(), id) != in_.busy.end()) {
        keep_holds(id);
        continue;
      }
      if (skip_settled(id)) continue;
      const Switch* sw = in_.observed.find<Switch>(id);
      if (sw == nullptr || sw->reachability != Reachability::kReachable) {
        keep_holds(id);
        continue;
      }
      ++out_.diffed;
      switch_waits_ = {};
      SwitchDiff d = diff_switch(*sw, *plan);
      if (!d.changes.empty()) {
        out_.switches.emplace(id, std::move(d));
      } else if (!switch_waits_.untimed) {
        out_.settled.emplace_back(id, Settled{switch_waits_.removals, switch_waits_.due_ms});
      }
    }
    holds_.end();
    return std::move(out_);
  }

 private:
  // A switch not diffed this cycle keeps its hold-downs running.
  void keep_holds(const SwitchId& id) { holds_.keep(id); }

  // Whether `id` is settled and none of its waiting removals is due yet: it is then skipped,
  // its removals still waiting.
  bool skip_settled(const SwitchId& id) {
    if (in_.settled == nullptr || in_.drift != Remediation::kNone) return false;
    const auto it = in_.settled->find(id);
    if (it == in_.settled->end()) return false;
    const Settled& s = it->second;
    if (s.until_ms && *s.until_ms <= in_.now_ms) return false;
    if (s.removals_waiting > 0) {
      keep_holds(id);
      out_.removals_waiting += s.removals_waiting;
      out_.next_due_ms = std::min(out_.next_due_ms.value_or(*s.until_ms), *s.until_ms);
    }
    return true;
  }

  // Whether a removal of `key` may go now (after its hold-down unless `at_once`); counts it
  // against the cap when it does.
  bool removal_due(const HoldDown::Key& key, bool at_once = false) {
    const std::int64_t due =
        at_once ? in_.now_ms : holds_.want(key, in_.now_ms) + in_.policy.prune_delay_ms;
    if (!out_.removals_frozen.empty() || due > in_.now_ms ||
        removals_ >= in_.policy.max_removals_per_cycle) {
      ++out_.removals_waiting;
      ++switch_waits_.removals;
      if (out_.removals_frozen.empty() && due > in_.now_ms) {
        out_.next_due_ms = std::min(out_.next_due_ms.value_or(due), due);
        switch_waits_.due_ms = std::min(switch_waits_.due_ms.value_or(due), due);
      } else {
        switch_waits_.untimed = true;
      }
      return false;
    }
    ++removals_;
    return true;
  }

  // What the plan needs added: all that is missing when drift is repaired, else only what the
  // baseline does not have (the rest was removed by hand: drift).
  VlanSet to_add(const VlanSet& planned, const VlanSet& observed, const VlanSet& base) const {
    return in_.drift == Remediation::kNone ? (planned - base) - observed : planned - observed;
  }

  SwitchDiff diff_switch(const Switch& sw, const planner::SwitchPlan& plan) {
    SwitchDiff d;
    const VlanSet& managed = in_.policy.managed;
    // Updated in place (a copy per switch per cycle would cost more than the diff itself).
    std::map<std::string, VlanSet>& base = baseline_[sw.id.str()];
    bool base_changed = false;
    // What vmfabric established on `name` ("" for the VLAN database), or nullptr when it is seen
    // for the first time: it then adopts its managed VLANs.
    const auto known = [&](const std::string& name) -> const VlanSet* {
      const auto it = base.find(name);
      return it == base.end() ? nullptr : &it->second;
    };
    const auto establish = [&](const std::string& name, VlanSet next) {
      const auto [it, added] = base.try_emplace(name);
      if (added || it->second != next) {
        it->second = std::move(next);
        base_changed = true;
      }
    };

    // VLAN database: create what the plan needs.
    VlanSet db_planned, db_observed;
    for (const auto& [vlan, name] : plan.vlans) {
      if (managed.contains(vlan)) db_planned.insert(vlan);
    }
    for (const auto& [vlan, name] : sw.vlans) {
      if (managed.contains(vlan)) db_observed.insert(vlan);
    }
    const VlanSet* db_known = known("");
    const VlanSet db_base = db_known != nullptr ? *db_known : db_observed;
    VlanSet created = to_add(db_planned, db_observed, db_base);
    for (const VlanId v : created.ids()) d.changes.create_vlans.emplace(v, plan.vlans.at(v));
    if (!created.empty()) d.reasons.push_back("create " + vlan_text(created));
    establish("", next_baseline(db_base, db_planned, db_observed));

    // Interfaces: add what is missing, remove what is unneeded (after the hold-down). The
    // switch's observed interfaces and the plan's allowed VLANs are walked beside the roles, in
    // the same (name) order: a spine has an interface per leaf.
    const EntityMap<Interface>& interfaces = in_.observed.all<Interface>();
    auto seen = interfaces.lower_bound(InterfaceId{sw.id, InterfaceName()});
    auto allowed = plan.allowed.begin();
    for (const auto& [name, role] : plan.roles) {
      while (seen != interfaces.end() && seen->id.sw == sw.id && seen->id.name < name) ++seen;
      const Interface* i =
          seen != interfaces.end() && seen->id == InterfaceId{sw.id, name} ? &*seen : nullptr;
      while (allowed != plan.allowed.end() && allowed->first < name) ++allowed;
      VlanSet planned_part, observed_part;
      const VlanSet& planned = allowed != plan.allowed.end() && allowed->first == name
                                   ? managed_part(allowed->second, managed, planned_part)
                                   : planned_part;
      if (i == nullptr || i->mode != SwitchportMode::kTrunk) {
        if (!planned.empty()) {
          out_.skipped.push_back(
              sw.id.str() + " " + name.str() +
              (i == nullptr ? ": not seen on the switch" : ": not a trunk port, left as it is"));
        }
        continue;  // its baseline, if any, is kept
      }
      const VlanSet& observed = managed_part(i->allowed, managed, observed_part);
      const VlanSet* was = known(name.str());
      // The common case, an interface as planned and established: nothing to add, to remove or
      // to establish (next_baseline of three equal sets is that set).
      if (planned == observed && was != nullptr && *was == observed) continue;
      const VlanSet& established = was != nullptr ? *was : observed;
      // Next common case, an interface holding VLANs the plan no longer needs (in their
      // hold-down): nothing to add, and the baseline stays (next_baseline(o, p, o) is o for
      // p within o).
      const bool holding = was != nullptr && *was == observed && planned.is_subset_of(observed);
      southbound::InterfaceVlanChange change;
      if (!holding) change.add = to_add(planned, observed, established);
      // Removals: what the plan stopped needing, after the hold-down; under kFull also what was
      // added by hand (drift), at once.
      VlanSet unneeded, extra;
      for (const VlanId v : ((established - planned) & observed).ids()) {
        if (removal_due({sw.id, name, v})) unneeded.insert(v);
      }
      if (in_.drift == Remediation::kFull) {
        for (const VlanId v : (observed - planned - established).ids()) {
          if (removal_due({sw.id, name, v}, true)) extra.insert(v);
        }
      }
      change.remove = unneeded | extra;
      if (!holding) establish(name.str(), next_baseline(established, planned, observed));
      if (!change.add.empty())
        d.reasons.push_back("add " + vlan_text(change.add) + " on " + name.str() + " (" +
                            role_text(role) + ")");
      if (!unneeded.empty()) {
        d.reasons.push_back("remove " + vlan_text(unneeded) + " from " + name.str() +
                            " (unneeded for " + std::to_string(in_.policy.prune_delay_ms / 1000) +
                            " s or more)");
      }
      if (!extra.empty()) {
        d.reasons.push_back("remove " + vlan_text(extra) + " from " + name.str() +
                            " (added outside vmfabric, not planned)");
      }
      if (!change.add.empty() || !change.remove.empty()) {
        d.changes.interfaces.emplace(name, std::move(change));
      }
    }
    // Interfaces that lost their role (the host behind moved away) are forgotten.
    if (std::erase_if(base, [&](const auto& entry) {
          return !entry.first.empty() && !plan.roles.contains(InterfaceName(entry.first));
        }) > 0) {
      base_changed = true;
    }
    if (base_changed) out_.baseline_changed.push_back(sw.id);
    // Delete VLANs vmfabric created that nothing plans and no interface allows any more.
    const auto mine = in_.created.find(sw.id.str());
    VlanSet unplanned;  // created by vmfabric, still in the database, not planned
    if (mine != in_.created.end()) {
      for (const VlanId v : (mine->second & managed).ids()) {
        if (sw.vlans.contains(v) && !plan.vlans.contains(v)) unplanned.insert(v);
      }
    }
    if (!unplanned.empty()) {
      // The VLANs some trunk of the switch allows once this ChangeSet is applied.
      VlanSet still_allowed;
      for (auto it = interfaces.lower_bound(InterfaceId{sw.id, InterfaceName()});
           it != interfaces.end() && it->id.sw == sw.id; ++it) {
        const Interface& i = *it;
        if (i.mode != SwitchportMode::kTrunk) continue;
        const auto change = d.changes.interfaces.find(i.id.name);
        still_allowed |= change == d.changes.interfaces.end()
                             ? i.allowed
                             : (i.allowed - change->second.remove) | change->second.add;
      }
      VlanSet deleted;
      for (const VlanId v : (unplanned - still_allowed).ids()) {
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
  Baseline& baseline_;
  Diff out_;
  std::size_t removals_ = 0;  // removals in the ChangeSets so far
  // The removals the switch being diffed waits for: how many, the first due, and whether one
  // waits for something else than its hold-down (a freeze or the cap).
  struct {
    std::size_t removals = 0;
    std::optional<std::int64_t> due_ms;
    bool untimed = false;
  } switch_waits_;
};

}  // namespace

void record_applied(Baseline& baseline, const SwitchId& sw, const southbound::ChangeSet& applied) {
  std::map<std::string, VlanSet>& base = baseline[sw.str()];
  for (const auto& [name, change] : applied.interfaces) {
    VlanSet& established = base[name.str()];
    established |= change.add;
    established -= change.remove;
  }
  VlanSet& database = base[""];
  for (const auto& [vlan, name] : applied.create_vlans) database.insert(vlan);
  database -= applied.delete_vlans;
}

Diff diff(const DiffInput& input, HoldDown& holds, Baseline& baseline) {
  return Differ(input, holds, baseline).run();
}

}  // namespace vmfabric::reconcile
