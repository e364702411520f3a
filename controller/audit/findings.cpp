#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include "audit/audit.h"
#include "model/text.h"

namespace vmfabric::audit {
namespace {

// A VLAN's place: switch, interface ("" for the VLAN database), VLAN.
using Place = std::tuple<std::string, std::string, std::uint16_t>;

// What vmfabric last did to each VLAN at each place, from the commands of the applied journal
// entries as southbound::render writes them: `interface X` then `switchport trunk allowed vlan
// add|remove LIST`; `vlan N` creates, `no vlan LIST` deletes.
std::map<Place, LastChange> last_changes(const std::vector<JournalEntry>& journal) {
  constexpr std::string_view kInterface = "interface ";
  constexpr std::string_view kAdd = "switchport trunk allowed vlan add ";
  constexpr std::string_view kRemove = "switchport trunk allowed vlan remove ";
  constexpr std::string_view kCreate = "vlan ";
  constexpr std::string_view kDelete = "no vlan ";
  std::map<Place, LastChange> out;
  for (const JournalEntry& e : journal) {
    if (e.result != JournalResult::kApplied) continue;
    const LastChange base{false, e.finished_ms.value_or(e.created_ms), e.session};
    std::string interface;
    const auto record = [&](std::string_view list, const std::string& where, bool added) {
      VlanSet vlans;
      try {
        vlans = VlanSet::parse(list);
      } catch (const VlanSetError&) {
        return;  // not a VLAN list vmfabric wrote
      }
      LastChange change = base;
      change.added = added;
      for (const auto& [first, last] : vlans.ranges()) {
        for (int v = first.value; v <= last.value; ++v) {
          out[{e.switch_name, where, static_cast<std::uint16_t>(v)}] = change;
        }
      }
    };
    for (const std::string& command : e.commands) {
      const std::string_view c = command;
      if (c.starts_with(kInterface)) {
        interface = c.substr(kInterface.size());
      } else if (c.starts_with(kAdd)) {
        record(c.substr(kAdd.size()), interface, true);
      } else if (c.starts_with(kRemove)) {
        record(c.substr(kRemove.size()), interface, false);
      } else if (c.starts_with(kDelete)) {
        record(c.substr(kDelete.size()), "", false);
      } else if (c.starts_with(kCreate)) {
        interface.clear();
        record(c.substr(kCreate.size()), "", true);
      }
    }
  }
  return out;
}

class Auditor {
 public:
  explicit Auditor(const AuditInput& in) : in_(in), last_(last_changes(in.journal)) {}

  std::vector<Finding> run() {
    for (const Switch& sw : in_.live.all<Switch>()) audit_switch(sw);
    audit_uplinks();
    audit_clusters();
    return std::move(out_);
  }

 private:
  // Marks the VLANs of `f` vmfabric had set the other way at `interface` ("" for the database).
  void attribute(Finding& f, const std::string& interface, bool now_missing) const {
    for (const auto& [first, last] : f.vlans.ranges()) {
      for (int v = first.value; v <= last.value; ++v) {
        const auto it = last_.find({f.switch_name, interface, static_cast<std::uint16_t>(v)});
        if (it == last_.end() || it->second.added != now_missing) continue;
        f.undone.insert(VlanId{static_cast<std::uint16_t>(v)});
        if (!f.last_change || f.last_change->at_ms < it->second.at_ms) f.last_change = it->second;
      }
    }
  }

  // The switch's latest configuration session not by vmfabric, when it committed after
  // vmfabric's latest change undone at `f`'s place (after nothing, when there is none).
  static void attribute_session(Finding& f, const Switch& sw) {
    const auto latest = std::max_element(
        sw.config_sessions.begin(), sw.config_sessions.end(),
        [](const auto& a, const auto& b) { return a.completed_ms < b.completed_ms; });
    if (latest == sw.config_sessions.end()) return;
    if (f.last_change && latest->completed_ms <= f.last_change->at_ms) return;
    f.outside = OutsideChange{latest->name, latest->user, latest->completed_ms};
  }

  static std::string outside_note(const Finding& f) {
    std::string note;
    if (!f.undone.empty()) {
      note = "; vmfabric " + std::string(f.last_change->added ? "added" : "removed") + " VLAN " +
             f.undone.to_range_list() + " there (session " + f.last_change->session +
             "): changed outside vmfabric since";
      if (!f.outside) {
        note +=
            " (the switch keeps no configuration session since: edits outside sessions, as "
            "at the console, leave none)";
      }
    }
    if (f.outside) {
      note += "; the switch's last configuration session not by vmfabric: " + f.outside->session +
              (f.outside->user.empty() ? "" : " committed by " + f.outside->user) + " at " +
              format_utc(f.outside->at_ms);
    }
    return note;
  }

  void add_why(Finding& f, const InterfaceId& where) const {
    if (!in_.explain) return;
    for (const auto& [first, last] : f.vlans.ranges()) {
      for (int v = first.value; v <= last.value && f.why.size() < Finding::kMaxWhy; ++v) {
        for (std::string& line : in_.explain(where, VlanId{static_cast<std::uint16_t>(v)})) {
          if (f.why.size() == Finding::kMaxWhy) break;
          f.why.push_back(std::move(line));
        }
      }
    }
  }

  // What the reconciler established at `interface` of `sw` ("" for its VLAN database), if known.
  const VlanSet* established(const std::string& sw, const std::string& interface) const {
    if (!in_.established) return nullptr;
    const auto s = in_.established->find(sw);
    if (s == in_.established->end()) return nullptr;
    const auto i = s->second.find(interface);
    return i == s->second.end() ? nullptr : &i->second;
  }

  // A VLAN finding of `kind` at `interface` of `sw` ("" for its VLAN database), attributed.
  Finding vlan_finding(FindingKind kind, const Switch& sw, const std::string& interface,
                       VlanSet vlans, bool now_missing) const {
    Finding f;
    f.kind = kind;
    f.switch_name = sw.id.str();
    f.interface = interface;
    f.vlans = std::move(vlans);
    attribute(f, interface, now_missing);
    attribute_session(f, sw);
    return f;
  }

  void audit_switch(const Switch& sw) {
    const std::string& name = sw.id.str();
    if (in_.unreadable.contains(name) || sw.reachability != Reachability::kReachable) {
      Finding f;
      f.kind = FindingKind::kSwitchUnreachable;
      f.switch_name = name;
      f.detail = name + " could not be read" +
                 (sw.last_error.empty() ? "" : " (" + sw.last_error + ")") +
                 ": its VLANs are unknown and nothing is changed on it; check its eAPI "
                 "reachability and credentials";
      out_.push_back(std::move(f));
      return;
    }
    const planner::SwitchPlan* plan = in_.plan.find(sw.id);
    if (!plan) return;
    for (const auto& [interface, role] : plan->roles) {
      const InterfaceId where{sw.id, interface};
      const Interface* i = in_.live.find<Interface>(where);
      const auto desired_it = plan->allowed.find(interface);
      const VlanSet desired = desired_it == plan->allowed.end() ? VlanSet() : desired_it->second;
      const bool trunk = i && i->mode == SwitchportMode::kTrunk;
      const VlanSet observed = trunk ? i->allowed : VlanSet();
      const std::string at = name + " " + interface.str();
      // Drift differs from what the reconciler established; the rest it is changing now.
      const VlanSet* base = established(name, interface.str());

      Finding missing =
          vlan_finding(FindingKind::kVlanMissing, sw, interface.str(),
                       base ? (desired - observed) & *base : desired - observed, true);
      if (!missing.vlans.empty()) {
        add_why(missing, where);
        missing.detail = "VLAN " + missing.vlans.to_range_list() + " not allowed on " + at +
                         (trunk ? ""
                          : i   ? " (not a trunk: vmfabric configures trunks only; make it one)"
                                : " (the switch no longer reports it)") +
                         ", which " +
                         (role == planner::PortRole::kEsxFacing ? "ESX hosts" : "the fabric") +
                         " need there" + outside_note(missing) +
                         "; audit.remediate add-only or full restores it";
        out_.push_back(std::move(missing));
      }

      const VlanSet extra = (observed & in_.policy.managed) - desired;
      Finding unneeded = vlan_finding(FindingKind::kVlanUnneeded, sw, interface.str(),
                                      base ? extra - *base : extra, false);
      if (!unneeded.vlans.empty()) {
        unneeded.detail = "managed VLAN " + unneeded.vlans.to_range_list() + " allowed on " + at +
                          " where nothing needs it" + outside_note(unneeded) +
                          "; audit.remediate full removes it";
        out_.push_back(std::move(unneeded));
      }
    }

    VlanSet absent;
    for (const auto& [vlan, vlan_name] : plan->vlans) {
      if (!sw.vlans.contains(vlan)) absent.insert(vlan);
    }
    if (const VlanSet* base = established(name, "")) absent &= *base;
    Finding db = vlan_finding(FindingKind::kVlanNotInDatabase, sw, "", absent, true);
    if (!db.vlans.empty()) {
      for (const auto& [interface, allowed] : plan->allowed) {
        if (db.why.size() < Finding::kMaxWhy && !(allowed & db.vlans).empty()) {
          db.why.push_back("needed on " + interface.str());
        }
      }
      db.detail = "VLAN " + db.vlans.to_range_list() + " missing from " + name +
                  "'s VLAN database: trunks allowing it carry nothing for it" + outside_note(db) +
                  "; audit.remediate add-only or full creates it";
      out_.push_back(std::move(db));
    }
  }

  std::string host_name(const HostId& id) const {
    const Host* h = in_.live.find<Host>(id);
    return h ? h->name : id.moref;
  }

  // Uplinks no source locates (or whose sources disagree), and the uplinks of one virtual switch
  // that the switches bundle differently (one in a port-channel, another not, or in two
  // port-channels that are not one MLAG port-channel): the host's teaming and the fabric disagree.
  void audit_uplinks() {
    std::vector<Finding> unlocated;
    const auto add = [&](const PnicId& pnic, std::string detail) {
      Finding f;
      f.kind = FindingKind::kUplinkUnlocated;
      f.host = host_name(pnic.host);
      f.uplink = pnic.name;
      f.detail = std::move(detail);
      unlocated.push_back(std::move(f));
    };
    for (const planner::CorrelationProblem& p : in_.plan.correlation->problems) {
      add(p.pnic, p.problem +
                      ": vmfabric cannot tell which switch port serves it and plans nothing for "
                      "it; enable LLDP on the switch port and CDP/LLDP on the host's virtual "
                      "switch");
    }
    // A host keeps a neighbour it heard for the LLDP hold time: a port that is down now means a
    // cable unplugged or failed.
    for (const auto& [pnic, u] : in_.plan.correlation->uplinks) {
      const Interface* port = in_.live.find<Interface>(u.port);
      if (port == nullptr || port->oper_up) continue;
      add(pnic, pnic.name + " of " + host_name(pnic.host) + ": located on " + u.port.sw.str() +
                    " " + u.port.name.str() +
                    ", which is down: the cable is unplugged or failed, and the host reaches "
                    "the fabric only through its other uplinks; check the cabling");
    }
    std::sort(unlocated.begin(), unlocated.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.host, a.uplink) < std::tie(b.host, b.uplink);
    });
    for (Finding& f : unlocated) out_.push_back(std::move(f));
    // MLAG peers bundle a host's ports in their port-channels of one name (the southbound reads no
    // MLAG id of port-channels).
    std::map<SwitchId, std::string> pair_of;
    for (const MlagPair& m : in_.live.all<MlagPair>()) {
      pair_of[m.id.first] = pair_of[m.id.second] = "MLAG " + m.domain;
    }
    const auto& uplinks = in_.plan.correlation->uplinks;
    for (const VSwitch& vs : in_.live.all<VSwitch>()) {
      // A bundle: the port-channel, one across an MLAG pair; "" for an unbundled port.
      std::map<std::string, std::vector<std::string>> bundles;
      for (const std::string& device : vs.uplinks) {
        const auto it = uplinks.find(PnicId{vs.id.host, device});
        if (it == uplinks.end()) continue;
        const planner::Uplink& u = it->second;
        std::string bundle;
        if (u.attachment != u.port) {
          const auto pair = pair_of.find(u.attachment.sw);
          bundle = (pair == pair_of.end() ? u.attachment.sw.str() : pair->second) + " " +
                   u.attachment.name.str();
        }
        bundles[bundle].push_back(device + " on " + u.port.sw.str() + " " + u.port.name.str() +
                                  (bundle.empty() ? " (no port-channel)" : " (" + bundle + ")"));
      }
      if (bundles.size() < 2) continue;
      Finding f;
      f.kind = FindingKind::kUplinkBundleMismatch;
      f.host = host_name(vs.id.host);
      std::string ports;
      for (const auto& [bundle, devices] : bundles) {
        for (const std::string& d : devices) ports += (ports.empty() ? "" : ", ") + d;
      }
      f.detail = "the uplinks of " + vs.id.name + " on " + f.host +
                 " are bundled differently: " + ports +
                 "; put them all in one (MLAG) port-channel or none, as the host's teaming expects";
      out_.push_back(std::move(f));
    }
  }

  // The fabric's connected parts: switches joined by links (an MLAG peer-link is a link too).
  std::map<SwitchId, SwitchId> fabric_parts() const {
    std::map<SwitchId, SwitchId> parent;
    for (const Switch& sw : in_.live.all<Switch>()) parent.emplace(sw.id, sw.id);
    const auto root = [&](SwitchId s) {
      while (parent.at(s) != s) s = parent.at(s);
      return s;
    };
    for (const Link& l : in_.live.all<Link>()) {
      if (!parent.contains(l.id.a.sw) || !parent.contains(l.id.b.sw)) continue;
      parent[root(l.id.a.sw)] = root(l.id.b.sw);
    }
    std::map<SwitchId, SwitchId> part;
    for (const auto& [sw, p] : parent) part.emplace(sw, root(sw));
    return part;
  }

  // Where a VM's vNIC is on `host`: the virtual switch and the managed VLANs it tags with.
  struct Network {
    std::string vswitch;
    VlanSet vlans;
  };
  std::optional<Network> network_on(const HostId& host, const VmNic& nic) const {
    PortgroupVlan vlan;
    std::string vswitch;
    if (nic.backing.dv_portgroup) {
      const DvPortgroup* pg = in_.live.find<DvPortgroup>(*nic.backing.dv_portgroup);
      if (!pg) return std::nullopt;
      for (auto it = in_.live.all<VSwitch>().lower_bound(VSwitchId{host, ""});
           it != in_.live.all<VSwitch>().end() && it->id.host == host; ++it) {
        if (it->dvs == pg->dvs) vswitch = it->id.name;
      }
      vlan = pg->vlan;
    } else {
      const StandardPortgroup* pg = in_.live.find<StandardPortgroup>(
          StandardPortgroupId{host, nic.backing.standard_portgroup});
      if (!pg) return std::nullopt;
      vswitch = pg->vswitch;
      vlan = pg->vlan;
    }
    if (vswitch.empty() || vlan.mode == VlanMode::kUntagged) return std::nullopt;
    Network n{vswitch, vlan.vlans & in_.policy.managed};
    if (n.vlans.empty()) return std::nullopt;
    return n;
  }

  // The fabric parts the located uplinks of `vswitch` on `host` land in.
  std::set<SwitchId> parts_of(const HostId& host, const std::string& vswitch,
                              const std::map<SwitchId, SwitchId>& part) const {
    std::set<SwitchId> out;
    const VSwitch* vs = in_.live.find<VSwitch>(VSwitchId{host, vswitch});
    if (!vs) return out;
    for (const std::string& device : vs->uplinks) {
      const auto it = in_.plan.correlation->uplinks.find(PnicId{host, device});
      if (it != in_.plan.correlation->uplinks.end()) out.insert(part.at(it->second.port.sw));
    }
    return out;
  }

  // Hosts of one cluster the fabric cannot join for a VLAN a running VM of the cluster uses: the
  // destination's virtual switch for that network has no located uplink in a fabric part the
  // VM's host reaches. One finding per destination host and VLAN, naming the VMs.
  void audit_clusters() {
    const auto part = fabric_parts();
    std::map<ClusterId, std::vector<const Host*>> clusters;
    for (const Host& h : in_.live.all<Host>()) {
      if (h.cluster && h.connection == HostConnection::kConnected)
        clusters[*h.cluster].push_back(&h);
    }
    // (destination host, VLAN) -> the VMs cut off if moved there.
    std::map<std::pair<std::string, std::uint16_t>, std::set<std::string>> gaps;
    const auto& nics = in_.live.all<VmNic>();
    for (const Vm& vm : in_.live.all<Vm>()) {
      if (vm.power != PowerState::kPoweredOn || !vm.host) continue;
      const Host* source = in_.live.find<Host>(*vm.host);
      if (!source || !source->cluster || !clusters.contains(*source->cluster)) continue;
      for (auto it = nics.lower_bound(VmNicId{vm.id, std::numeric_limits<int>::min()});
           it != nics.end() && it->id.vm == vm.id; ++it) {
        if (!it->connected) continue;
        const auto here = network_on(source->id, *it);
        if (!here) continue;
        const std::set<SwitchId> from = parts_of(source->id, here->vswitch, part);
        if (from.empty()) continue;  // the source itself is not located: reported as uplinks
        for (const Host* dest : clusters.at(*source->cluster)) {
          if (dest == source) continue;
          const auto there = network_on(dest->id, *it);
          if (!there) continue;  // the network does not exist there: vCenter refuses the move
          const std::set<SwitchId> to = parts_of(dest->id, there->vswitch, part);
          const bool joined = std::any_of(to.begin(), to.end(),
                                          [&](const SwitchId& p) { return from.contains(p); });
          if (joined) continue;
          for (const auto& [first, last] : (here->vlans & there->vlans).ranges()) {
            for (int v = first.value; v <= last.value; ++v) {
              gaps[{dest->name, static_cast<std::uint16_t>(v)}].insert(vm.name + " on " +
                                                                       source->name);
            }
          }
        }
      }
    }
    // One finding per destination host and set of VMs: VLANs cut off for the same VMs together.
    std::map<std::pair<std::string, std::set<std::string>>, VlanSet> merged;
    for (const auto& [key, vms] : gaps) {
      merged[{key.first, vms}].insert(VlanId{key.second});
    }
    for (const auto& [key, vlans] : merged) {
      Finding f;
      f.kind = FindingKind::kClusterGap;
      f.host = key.first;
      f.vlans = vlans;
      for (const std::string& vm : key.second) {
        if (f.why.size() == Finding::kMaxWhy) break;
        f.why.push_back("VM " + vm);
      }
      f.detail = "VLAN " + vlans.to_range_list() + " cannot reach " + key.first +
                 " from where its VMs run (no located uplink of that network on a connected part "
                 "of the fabric): a vMotion there would cut " +
                 std::to_string(key.second.size()) + " VM(s) off; cable and locate its uplinks";
      out_.push_back(std::move(f));
    }
  }

  const AuditInput& in_;
  const std::map<Place, LastChange> last_;
  std::vector<Finding> out_;
};

}  // namespace

std::vector<Finding> find_drift(const AuditInput& input) { return Auditor(input).run(); }

}  // namespace vmfabric::audit
