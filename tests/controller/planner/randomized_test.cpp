// The planner against a brute-force oracle over many small random fabrics and inventories:
// correlation finds exactly the cabling the generator made; the plan allows exactly what the
// rules ask (recomputed here the simplest way: every shortest path enumerated), nothing outside
// the managed VLANs, every powered-on VM's VLAN on its host's uplinks and connected across the
// fabric; planning is deterministic and ignores what the switches allow today.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lab.h"

namespace vmfabric::planner::testing {
namespace {

#ifdef __SANITIZE_ADDRESS__
constexpr int kFabrics = 1'000;  // the sanitized Debug build runs ~50 times slower
#else
constexpr int kFabrics = 10'000;
#endif
constexpr int kTopVlan = 30;  // few VLANs, so portgroups and hosts share them

using Rng = std::mt19937;

int uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool chance(Rng& rng, double p) { return std::bernoulli_distribution(p)(rng); }
template <class T>
const T& pick(Rng& rng, const std::vector<T>& from) {
  return from[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(from.size()) - 1))];
}

PortgroupVlan random_vlan(Rng& rng) {
  const int kind = uniform(rng, 0, 19);
  if (kind < 3) return untagged();
  if (kind < 15) return vlan(uniform(rng, 1, kTopVlan));
  if (kind < 17) return pvlan(uniform(rng, 1, kTopVlan));
  if (kind == 17) return trunk("1-4094");  // a standard portgroup's 4095
  const int first = uniform(rng, 1, kTopVlan);
  return trunk(std::to_string(first) + "-" + std::to_string(uniform(rng, first, kTopVlan)));
}

// One generated lab and what the generator knows to be true about it.
struct World {
  Lab lab;
  PlanPolicy rules;
  std::vector<std::string> switches;
  std::vector<std::pair<InterfaceId, InterfaceId>> links;  // attachments at both ends
  std::vector<std::pair<std::string, std::string>> mlag_pairs;
  std::map<PnicId, InterfaceId> cabled;    // pnic -> physical port, for pnics some source hears
  std::map<PnicId, InterfaceId> attached;  // pnic -> attachment
  std::set<PnicId> unheard;                // pnics cabled nowhere (or heard by nobody)
};

World generate(Rng& rng) {
  World w;
  const int n = uniform(rng, 2, 8);
  std::map<std::string, int> next_port;
  const auto new_port = [&](const std::string& sw) {
    return "Ethernet" + std::to_string(++next_port[sw]);  // at most ~40: below the peer-link's 47
  };
  for (int s = 0; s < n; ++s) {
    w.switches.push_back("s" + std::to_string(s));
    w.lab.add_switch(w.switches.back());
  }
  std::vector<std::string> order = w.switches;
  std::shuffle(order.begin(), order.end(), rng);
  const InterfaceName peer_link("Port-Channel1000");
  for (std::size_t i = 0; i + 1 < order.size(); i += 2) {
    if (!chance(rng, 0.4)) continue;
    w.lab.add_mlag(order[i], order[i + 1], "pod" + std::to_string(i));
    w.mlag_pairs.emplace_back(order[i], order[i + 1]);
    w.links.emplace_back(InterfaceId{SwitchId(order[i]), peer_link},
                         InterfaceId{SwitchId(order[i + 1]), peer_link});
  }
  const auto link = [&](const std::string& a, const std::string& b) {
    const std::string pa = new_port(a);
    const std::string pb = new_port(b);
    w.lab.add_link(a, pa, b, pb);
    w.links.emplace_back(InterfaceId{SwitchId(a), InterfaceName(pa)},
                         InterfaceId{SwitchId(b), InterfaceName(pb)});
  };
  for (std::size_t i = 1; i < order.size(); ++i) {
    link(order[i], order[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(i) - 1))]);
  }
  for (int extra = uniform(rng, 0, n); extra > 0; --extra) {
    const std::string& a = pick(rng, w.switches);
    const std::string& b = pick(rng, w.switches);
    if (a != b) link(a, b);
  }

  const DvsId dvs = w.lab.add_dvs("dvs");
  std::vector<DvPortgroupId> dv_pgs;
  for (int g = 0; g < 3; ++g) {
    dv_pgs.push_back(w.lab.add_dv_portgroup(dvs, "dv-" + std::to_string(g), random_vlan(rng)));
  }
  dv_pgs.push_back(w.lab.add_dv_portgroup(dvs, "dv-uplinks", trunk("1-4094"), true));
  const std::vector<std::string> std_names = {"pg-a", "pg-b", "pg-c", "pg-missing"};
  const std::vector<std::string> clusters = {"c1", "c2", ""};

  std::vector<HostId> hosts;
  for (int h = uniform(rng, 1, 6); h > 0; --h) {
    const HostId host = w.lab.add_host("esx-" + std::to_string(h) + ".lab", pick(rng, clusters));
    hosts.push_back(host);
    // vmnic2/3 sometimes bundled: across an MLAG pair, or on one switch.
    std::optional<std::pair<std::string, std::string>> bundle_on;
    if (!w.mlag_pairs.empty() && chance(rng, 0.3)) {
      bundle_on = pick(rng, w.mlag_pairs);
    } else if (chance(rng, 0.2)) {
      const std::string& sw = pick(rng, w.switches);
      bundle_on = std::pair(sw, sw);
    }
    const std::string channel = "Port-Channel" + std::to_string(100 + h);
    for (int nic = 0; nic < 4; ++nic) {
      const std::string device = "vmnic" + std::to_string(nic);
      const PnicId pnic{host, device};
      w.lab.add_pnic(host, device);
      const int how = uniform(rng, 0, 4);  // 0 unplugged, 1 host LLDP, 2 switch LLDP, 3 both, 4 CDP
      if (how == 0) {
        w.unheard.insert(pnic);
        continue;
      }
      const bool bundled = bundle_on && nic >= 2;
      const std::string sw =
          bundled ? (nic == 2 ? bundle_on->first : bundle_on->second) : pick(rng, w.switches);
      const std::string port = new_port(sw);
      if (bundled) w.lab.add_port(sw, port, channel);
      w.lab.cable(host, device, sw, port, how >= 2 && how <= 3);
      if (how == 2) w.lab.set_pnic_hints(host, device, std::nullopt, std::nullopt);
      if (how == 4) w.lab.set_pnic_hints(host, device, std::nullopt, NeighborHint{sw, port, ""});
      w.cabled[pnic] = {SwitchId(sw), InterfaceName(port)};
      w.attached[pnic] = {SwitchId(sw), InterfaceName(bundled ? channel : port)};
    }
    w.lab.add_vswitch(host, "vSwitch0", {"vmnic0", "vmnic1"});
    if (chance(rng, 0.8)) w.lab.add_proxy(host, dvs, {"vmnic2", "vmnic3"});
    for (const std::string& name : std_names) {
      if (name != "pg-missing" && chance(rng, 0.6)) {
        w.lab.add_portgroup(host, name, "vSwitch0", random_vlan(rng));
      }
    }
    if (chance(rng, 0.3)) w.lab.add_vmknic(host, "vmk0", pick(rng, std_names));
    if (chance(rng, 0.3)) w.lab.add_dv_vmknic(host, "vmk1", pick(rng, dv_pgs));
  }
  for (int v = uniform(rng, 0, 10); v > 0; --v) {
    const int power = uniform(rng, 0, 4);
    const VmId vm = w.lab.add_vm("vm-" + std::to_string(v), pick(rng, hosts),
                                 power == 0   ? PowerState::kPoweredOff
                                 : power == 1 ? PowerState::kSuspended
                                              : PowerState::kPoweredOn);
    if (chance(rng, 0.15)) w.lab.migrate(vm, pick(rng, hosts));
    for (int nic = uniform(rng, 1, 2); nic > 0; --nic) {
      const bool connected = chance(rng, 0.9);
      if (chance(rng, 0.5)) {
        w.lab.add_nic(vm, pick(rng, std_names), connected);
      } else {
        w.lab.add_dv_nic(vm, pick(rng, dv_pgs), connected);
      }
    }
  }
  const DemandMode modes[] = {DemandMode::kOnDemand, DemandMode::kCluster, DemandMode::kPortgroup};
  // Managed: within the VLANs portgroups use (4095 trunks reach beyond and get cut), sometimes
  // all of them; a wider range would only slow the oracle down.
  const int first = chance(rng, 0.3) ? 1 : uniform(rng, 1, kTopVlan);
  const int last = first == 1 ? kTopVlan : uniform(rng, first, kTopVlan);
  w.rules = policy(modes[uniform(rng, 0, 2)], std::to_string(first) + "-" + std::to_string(last));
  return w;
}

// ---- the oracle --------------------------------------------------------------------------------

using Allowed = std::map<InterfaceId, VlanSet>;

// The VLANs the rules put on ESX-facing attachments, straight from the definitions.
Allowed expected_esx_facing(const World& w) {
  const Snapshot& g = w.lab.snapshot();
  const VlanSet& managed = w.rules.managed;
  Allowed out;
  for (const VSwitch& vs : g.all<VSwitch>()) {
    for (const std::string& device : vs.uplinks) {
      if (auto a = w.attached.find(PnicId{vs.id.host, device}); a != w.attached.end()) {
        out[a->second];
      }
    }
  }
  const auto land = [&](const HostId& host, const VSwitch* vs, const PortgroupVlan& pv) {
    if (vs == nullptr || pv.mode == VlanMode::kUntagged) return;
    for (const std::string& device : vs->uplinks) {
      if (auto a = w.attached.find(PnicId{host, device}); a != w.attached.end()) {
        out[a->second] |= pv.vlans & managed;
      }
    }
  };
  const auto need = [&](const HostId& host, const std::string& standard,
                        const std::optional<DvPortgroupId>& dv) {
    if (dv) {
      const DvPortgroup* pg = g.find<DvPortgroup>(*dv);
      if (pg == nullptr || pg->uplink) return;
      for (const VSwitch& vs : g.all<VSwitch>()) {
        if (vs.id.host == host && vs.dvs == pg->dvs) land(host, &vs, pg->vlan);
      }
    } else if (const StandardPortgroup* pg = g.find<StandardPortgroup>({host, standard})) {
      land(host, g.find<VSwitch>({host, pg->vswitch}), pg->vlan);
    }
  };
  const auto targets = [&](const HostId& host) {
    std::vector<HostId> out_hosts{host};
    const Host* h = g.find<Host>(host);
    if (w.rules.mode == DemandMode::kCluster && h->cluster) {
      out_hosts.clear();
      for (const Host& other : g.all<Host>()) {
        if (other.cluster == h->cluster) out_hosts.push_back(other.id);
      }
    }
    return out_hosts;
  };
  for (const VmkNic& vmk : g.all<VmkNic>()) need(vmk.id.host, vmk.portgroup, vmk.dv_portgroup);
  if (w.rules.mode == DemandMode::kPortgroup) {
    for (const StandardPortgroup& pg : g.all<StandardPortgroup>()) {
      need(pg.id.host, pg.id.name, std::nullopt);
    }
    for (const DvPortgroup& pg : g.all<DvPortgroup>()) {
      for (const Host& h : g.all<Host>()) need(h.id, "", pg.id);
    }
    return out;
  }
  for (const VmNic& nic : g.all<VmNic>()) {
    const Vm& vm = *g.find<Vm>(nic.id.vm);
    if (!nic.connected || vm.power != PowerState::kPoweredOn) continue;
    std::vector<HostId> hosts = targets(*vm.host);
    if (vm.migrating_to) {
      for (const HostId& h : targets(*vm.migrating_to)) hosts.push_back(h);
    }
    for (const HostId& h : hosts) need(h, nic.backing.standard_portgroup, nic.backing.dv_portgroup);
  }
  return out;
}

// Adds the inter-switch VLANs: every edge of every shortest path between two carriers, walked
// from one carrier towards the other one hop closer at a time, and the peer-links of pairs where a
// peer carries the VLAN.
void add_expected_fabric(const World& w, Allowed& out) {
  const auto index = [&](const InterfaceId& end) {
    return std::stoi(end.sw.str().substr(1));  // "s3" -> 3
  };
  const std::size_t n = w.switches.size();
  std::vector<VlanSet> carried(n);
  for (const auto& [attachment, vlans] : out) {
    carried[static_cast<std::size_t>(index(attachment))] |= vlans;
  }
  // Directed hops: (from, to, link).
  std::vector<std::tuple<int, int, std::size_t>> hops;
  for (std::size_t l = 0; l < w.links.size(); ++l) {
    out[w.links[l].first];
    out[w.links[l].second];
    hops.emplace_back(index(w.links[l].first), index(w.links[l].second), l);
    hops.emplace_back(index(w.links[l].second), index(w.links[l].first), l);
  }
  constexpr int kFar = 1 << 20;
  std::vector<std::vector<int>> distance(n, std::vector<int>(n, kFar));  // [to][from]
  for (std::size_t to = 0; to < n; ++to) {
    distance[to][to] = 0;
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [x, y, l] : hops) {
        auto& d = distance[to];
        if (d[static_cast<std::size_t>(x)] + 1 < d[static_cast<std::size_t>(y)]) {
          d[static_cast<std::size_t>(y)] = d[static_cast<std::size_t>(x)] + 1;
          grew = true;
        }
      }
    }
  }
  VlanSet anywhere;
  for (const VlanSet& vlans : carried) anywhere |= vlans;
  for (VlanId v : anywhere.ids()) {
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = 0; b < n; ++b) {
        if (a == b || !carried[a].contains(v) || !carried[b].contains(v)) continue;
        const std::vector<int>& to_b = distance[b];
        std::function<void(int)> walk = [&](int x) {
          for (const auto& [from, to, l] : hops) {
            if (from != x ||
                to_b[static_cast<std::size_t>(to)] + 1 != to_b[static_cast<std::size_t>(x)]) {
              continue;
            }
            out[w.links[l].first].insert(v);
            out[w.links[l].second].insert(v);
            walk(to);
          }
        };
        walk(static_cast<int>(a));
      }
    }
  }
  for (const auto& [p, q] : w.mlag_pairs) {
    const InterfaceId end_p{SwitchId(p), InterfaceName("Port-Channel1000")};
    const InterfaceId end_q{SwitchId(q), InterfaceName("Port-Channel1000")};
    const VlanSet vlans = carried[static_cast<std::size_t>(index(end_p))] |
                          carried[static_cast<std::size_t>(index(end_q))];
    out[end_p] |= vlans;
    out[end_q] |= vlans;
  }
}

void check_world(const World& w) {
  const Snapshot& g = w.lab.snapshot();
  const Plan p = plan(g, w.rules);

  // Correlation finds exactly the cabling, and reports the unheard vSwitch uplinks.
  std::map<PnicId, InterfaceId> found;
  for (const auto& [pnic, uplink] : p.correlation->uplinks) found[pnic] = uplink.port;
  REQUIRE(found == w.cabled);
  std::set<PnicId> reported;
  for (const CorrelationProblem& problem : p.correlation->problems) reported.insert(problem.pnic);
  std::set<PnicId> unheard_uplinks;
  for (const VSwitch& vs : g.all<VSwitch>()) {
    for (const std::string& device : vs.uplinks) {
      if (w.unheard.contains(PnicId{vs.id.host, device})) {
        unheard_uplinks.insert(PnicId{vs.id.host, device});
      }
    }
  }
  REQUIRE(reported == unheard_uplinks);

  // Exactly what the rules ask, with the right roles.
  Allowed expected = expected_esx_facing(w);
  std::set<InterfaceId> esx_facing;
  for (const auto& [attachment, vlans] : expected) esx_facing.insert(attachment);
  add_expected_fabric(w, expected);
  Allowed planned;
  std::map<VlanId, std::string> names;
  for (const auto& [sw, sp] : p.switches) {
    for (const auto& [name, vlans] : sp->allowed) {
      planned[{sw, name}] = vlans;
      REQUIRE(vlans.is_subset_of(w.rules.managed));
      const bool inter = std::any_of(w.links.begin(), w.links.end(), [&](const auto& l) {
        return l.first == InterfaceId{sw, name} || l.second == InterfaceId{sw, name};
      });
      REQUIRE(sp->roles.at(name) == (inter ? PortRole::kInterSwitch : PortRole::kEsxFacing));
      REQUIRE((inter || esx_facing.contains({sw, name})));
    }
    REQUIRE(sp->roles.size() == sp->allowed.size());
    VlanSet needed;
    for (const auto& [name, vlans] : sp->allowed) needed |= vlans;
    VlanSet created;
    for (const auto& [vlan, name] : sp->vlans) {
      created.insert(vlan);
      REQUIRE_FALSE(name.empty());
      REQUIRE(name == names.emplace(vlan, name).first->second);  // one name across the fabric
    }
    REQUIRE(created == needed);
  }
  REQUIRE(planned == expected);

  // Every powered-on VM's VLANs are on its host's uplinks, connected across the fabric.
  std::map<VlanId, std::set<std::string>> carriers;
  for (const VmNic& nic : g.all<VmNic>()) {
    const Vm& vm = *g.find<Vm>(nic.id.vm);
    if (!nic.connected || vm.power != PowerState::kPoweredOn) continue;
    const VSwitch* vs = nullptr;
    VlanSet vlans;
    if (nic.backing.dv_portgroup) {
      const DvPortgroup& pg = *g.find<DvPortgroup>(*nic.backing.dv_portgroup);
      if (pg.uplink || pg.vlan.mode == VlanMode::kUntagged) continue;
      vs = g.find<VSwitch>({*vm.host, "dvs"});
      vlans = pg.vlan.vlans & w.rules.managed;
    } else if (const auto* pg =
                   g.find<StandardPortgroup>({*vm.host, nic.backing.standard_portgroup})) {
      if (pg->vlan.mode == VlanMode::kUntagged) continue;
      vs = g.find<VSwitch>({*vm.host, pg->vswitch});
      vlans = pg->vlan.vlans & w.rules.managed;
    }
    if (vs == nullptr) continue;
    for (const std::string& device : vs->uplinks) {
      if (auto a = w.attached.find(PnicId{*vm.host, device}); a != w.attached.end()) {
        REQUIRE(vlans.is_subset_of(planned[a->second]));
        for (VlanId v : vlans.ids()) carriers[v].insert(a->second.sw.str());
      }
    }
  }
  for (const auto& [v, switches] : carriers) {
    std::set<std::string> reached{*switches.begin()};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [a, b] : w.links) {
        if (planned[a].contains(v) && planned[b].contains(v) &&
            reached.contains(a.sw.str()) != reached.contains(b.sw.str())) {
          reached.insert(a.sw.str());
          reached.insert(b.sw.str());
          grew = true;
        }
      }
    }
    for (const std::string& sw : switches) REQUIRE(reached.contains(sw));
  }

  // Deterministic, and blind to what the switches allow today: applying the plan changes nothing.
  REQUIRE(p == plan(g, w.rules));
  Lab applied = w.lab;
  for (const auto& [sw, sp] : p.switches) {
    Switch s = applied.get<Switch>(sw);
    for (const auto& [vlan, name] : sp->vlans) s.vlans[vlan] = name;
    applied.upsert(s);
    for (const auto& [name, vlans] : sp->allowed) {
      if (const Interface* i = applied.snapshot().find<Interface>({sw, name})) {
        Interface changed = *i;
        changed.allowed = vlans;
        applied.upsert(changed);
      }
    }
  }
  REQUIRE(p == plan(applied.snapshot(), w.rules));
}

// A random VM event, as vCenter reports them: power, move, vMotion start and end, vNIC backing
// or connection changes, a VM created or deleted; and what comes with them and with switch
// polls but plans nothing: a vCenter's last update, a switch's reachability and VLAN database, a
// trunk's allowed VLANs. Batches of one to three.
Delta random_vm_events(Rng& rng, const Snapshot& g, int& created) {
  std::vector<HostId> hosts;
  for (const Host& h : g.all<Host>()) hosts.push_back(h.id);
  std::vector<std::string> standard{"pg-missing"};
  for (const StandardPortgroup& pg : g.all<StandardPortgroup>()) standard.push_back(pg.id.name);
  std::vector<DvPortgroupId> dv;
  for (const DvPortgroup& pg : g.all<DvPortgroup>()) dv.push_back(pg.id);
  std::vector<VmId> vms;
  for (const Vm& vm : g.all<Vm>()) vms.push_back(vm.id);
  const auto backing = [&] {
    VmNicBacking b;
    if (dv.empty() || chance(rng, 0.5)) {
      b.standard_portgroup = pick(rng, standard);
    } else {
      b.dv_portgroup = pick(rng, dv);
    }
    return b;
  };
  Delta d;
  for (int n = uniform(rng, 1, 3); n > 0; --n) {
    const int what = vms.empty() ? 0 : uniform(rng, 0, 9);
    if (what == 7) {
      VCenter vc = *g.find<VCenter>(VCenterId("vc1"));
      vc.last_update_ms += 1000;
      d.upsert(vc);
      continue;
    }
    if (what == 8 || what == 9) {
      const auto switches = g.all<Switch>();
      Switch sw = *switches.begin();
      if (what == 8) {
        sw.reachability = sw.reachability == Reachability::kReachable ? Reachability::kUnreachable
                                                                      : Reachability::kReachable;
        sw.vlans[VlanId::checked(uniform(rng, 1, kTopVlan))] = "by-hand";
        d.upsert(sw);
        continue;
      }
      const auto interfaces = g.all<Interface>();
      auto i = interfaces.lower_bound(InterfaceId{sw.id, InterfaceName()});
      if (i == interfaces.end()) continue;
      Interface changed = *i;
      changed.allowed.insert(VlanId::checked(uniform(rng, 1, kTopVlan)));
      changed.oper_up = !changed.oper_up;
      d.upsert(changed);
      continue;
    }
    if (what == 0) {
      Vm vm;
      vm.id = {VCenterId("vc1"), "vm-new-" + std::to_string(++created)};
      vm.name = vm.id.moref;
      vm.power = PowerState::kPoweredOn;
      vm.host = pick(rng, hosts);
      d.upsert(vm);
      VmNic nic;
      nic.id = {vm.id, 4000};
      nic.backing = backing();
      d.upsert(nic);
      vms.push_back(vm.id);
      continue;
    }
    const VmId id = pick(rng, vms);
    const Vm* found = g.find<Vm>(id);
    if (found == nullptr) continue;  // created earlier in this batch
    Vm vm = *found;
    if (what == 1) {
      vm.power =
          vm.power == PowerState::kPoweredOn ? PowerState::kPoweredOff : PowerState::kPoweredOn;
    } else if (what == 2) {
      vm.migrating_to = pick(rng, hosts);
    } else if (what == 3) {
      vm.host = vm.migrating_to.value_or(pick(rng, hosts));
      vm.migrating_to.reset();
    } else if (what == 4) {
      const auto nics = g.all<VmNic>();
      auto nic = nics.lower_bound(VmNicId{id, 0});
      if (nic == nics.end() || nic->id.vm != id) continue;
      VmNic changed = *nic;
      if (chance(rng, 0.5)) {
        changed.connected = !changed.connected;
      } else {
        changed.backing = backing();
      }
      d.upsert(changed);
      continue;
    } else if (what == 5) {
      d.remove(id);
      vms.erase(std::find(vms.begin(), vms.end(), id));
      continue;
    } else {
      VmNic nic;
      nic.id = {id, 4000 + uniform(rng, 1, 3)};
      nic.backing = backing();
      d.upsert(nic);
      continue;
    }
    d.upsert(vm);
  }
  return d;
}

// The incremental planner equals a plan from scratch after every VM event, and plans from
// scratch after any other change.
void check_incremental(const World& w, Rng& rng) {
  Graph graph(w.lab.snapshot());
  Planner planner(w.rules);
  planner.update(graph.current());
  int created = 0;
  for (int event = 0; event < 6; ++event) {
    const Delta d = random_vm_events(rng, graph.current(), created);
    const GraphChanges changes = graph.apply(d);
    planner.update(graph.current(), {&changes, 1});
    REQUIRE(planner.last_update_incremental());
    REQUIRE(planner.plan() == plan(graph.current(), w.rules));
  }
  // Not a VM: a portgroup's VLAN.
  if (const auto pgs = graph.current().all<DvPortgroup>(); !pgs.empty()) {
    DvPortgroup pg = *pgs.begin();
    pg.vlan = random_vlan(rng);
    Delta d;
    d.upsert(pg);
    const GraphChanges changes = graph.apply(d);
    planner.update(graph.current(), {&changes, 1});
    REQUIRE(planner.plan() == plan(graph.current(), w.rules));
  }
  // Changes that do not lead to the snapshot given: planned from scratch.
  const Delta unseen = random_vm_events(rng, graph.current(), created);
  if (!graph.apply(unseen).empty()) {
    planner.update(graph.current(), {});
    REQUIRE_FALSE(planner.last_update_incremental());
    REQUIRE(planner.plan() == plan(graph.current(), w.rules));
  }
}

TEST_CASE("randomized fabrics and inventories satisfy the planning invariants") {
  const auto started = std::chrono::steady_clock::now();
  const std::uint32_t base = Catch::rngSeed();
  for (int i = 0; i < kFabrics; ++i) {
    const std::uint32_t seed = base * 100'003u + static_cast<std::uint32_t>(i);
    INFO("seed " << seed << " (Catch seed " << base << ", fabric " << i << ")");
    Rng rng(seed);
    const World w = generate(rng);
    check_world(w);
    if (i % 4 == 0) check_incremental(w, rng);  // 15,000 VM events over 2,500 fabrics
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  WARN(kFabrics << " fabrics in " << ms.count() << " ms");
}

}  // namespace
}  // namespace vmfabric::planner::testing
