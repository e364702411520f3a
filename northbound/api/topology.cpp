// GET /topology: the whole fabric as nodes and edges for the viewer. One pass over each table
// of the snapshot and the plan's located uplinks (every lookup through the View's indexes), so a
// fabric of 10,000 VMs renders in one go; the route keeps the body per View.
#include <set>

#include "northbound/api/render.h"

namespace vmfabric::northbound::api {
namespace {

// Node ids: "<kind>:<key>", the key as the API prints it elsewhere ("vc1/host-21").
std::string node_id(const SwitchId& sw) { return "switch:" + sw.str(); }
template <class Tag>
std::string key(const MoRef<Tag>& id) {
  return id.vcenter.str() + "/" + id.moref;
}
template <class Tag>
std::string node_id(const char* kind, const MoRef<Tag>& id) {
  return std::string(kind) + ":" + key(id);
}

json id_or_null(const char* kind, const auto& id) { return id ? json(node_id(kind, *id)) : json(); }

// What a switch is in the fabric: a leaf when an ESX uplink lands on it, a spine when it has
// inter-switch links (an MLAG peer-link is one) and no ESX uplink, else other.
const char* tier(const SwitchId& sw, const std::set<SwitchId>& with_uplinks,
                 const std::set<SwitchId>& with_links) {
  if (with_uplinks.contains(sw)) return "leaf";
  return with_links.contains(sw) ? "spine" : "other";
}

// The VLAN changes the reconciler would make on a switch: VLANs to create and delete, plus each
// VLAN to add to or remove from an interface.
std::size_t change_count(const reconcile::Diff& pending, const SwitchId& sw) {
  const auto it = pending.switches.find(sw);
  if (it == pending.switches.end()) return 0;
  const southbound::ChangeSet& c = it->second.changes;
  std::size_t n = c.create_vlans.size() + c.delete_vlans.size();
  for (const auto& [name, change] : c.interfaces) n += change.add.size() + change.remove.size();
  return n;
}

json vm_vlans(const View& view, const Vm& vm) {
  VlanSet vlans;
  for (const VmNic* n : view.nics(vm.id)) {
    if (const auto net = view.network(vm, *n)) vlans |= net->vlan.vlans;
  }
  json out = json::array();
  for (const VlanId v : vlans.ids()) out.push_back(v.value);
  return out;
}

}  // namespace

bool topology_vms(const router::Query& query) {
  query.only({"vms"});
  return bool_param(query, "vms").value_or(true);
}

json topology(const View& view, const reconcile::Diff& pending, bool vms) {
  const Snapshot& g = view.graph();
  const auto& uplinks = view.plan().correlation->uplinks;
  std::set<SwitchId> with_uplinks, with_links;
  for (const auto& [pnic, uplink] : uplinks) with_uplinks.insert(uplink.port.sw);
  for (const Link& l : g.all<Link>()) {
    with_links.insert(l.id.a.sw);
    with_links.insert(l.id.b.sw);
  }
  for (const MlagPair& m : g.all<MlagPair>()) {
    with_links.insert(m.id.first);
    with_links.insert(m.id.second);
  }

  json nodes = json::array();
  for (const Switch& s : g.all<Switch>()) {
    const MlagPair* m = view.mlag(s.id);
    nodes.push_back(
        {{"id", node_id(s.id)},
         {"kind", "switch"},
         {"name", s.id.str()},
         {"tier", tier(s.id, with_uplinks, with_links)},
         {"reachability", to_string(s.reachability)},
         {"mlag_domain", m != nullptr ? json(m->domain) : json()},
         {"mlag_peer",
          m != nullptr ? json((m->id.first == s.id ? m->id.second : m->id.first).str()) : json()},
         {"pending_changes", change_count(pending, s.id)}});
  }
  for (const Cluster& c : g.all<Cluster>()) {
    nodes.push_back({{"id", node_id("cluster", c.id)},
                     {"kind", "cluster"},
                     {"name", c.name},
                     {"vcenter", c.id.vcenter.str()}});
  }
  for (const Host& h : g.all<Host>()) {
    nodes.push_back({{"id", node_id("host", h.id)},
                     {"kind", "host"},
                     {"name", h.name},
                     {"vcenter", h.id.vcenter.str()},
                     {"cluster", id_or_null("cluster", h.cluster)},
                     {"connection", to_string(h.connection)}});
  }
  if (vms) {
    for (const Vm& vm : g.all<Vm>()) {
      nodes.push_back({{"id", node_id("vm", vm.id)},
                       {"kind", "vm"},
                       {"name", vm.name},
                       {"vcenter", vm.id.vcenter.str()},
                       {"host", id_or_null("host", vm.host)},
                       {"state", vm_state(vm)},
                       {"vlans", vm_vlans(view, vm)}});
    }
  }

  json edges = json::array();
  for (const Link& l : g.all<Link>()) {
    edges.push_back({{"id", "link:" + l.id.a.sw.str() + ":" + l.id.a.name.str() + "|" +
                                l.id.b.sw.str() + ":" + l.id.b.name.str()},
                     {"kind", "fabric"},
                     {"source", node_id(l.id.a.sw)},
                     {"source_interface", l.id.a.name.str()},
                     {"target", node_id(l.id.b.sw)},
                     {"target_interface", l.id.b.name.str()}});
  }
  for (const MlagPair& m : g.all<MlagPair>()) {
    // By its peers: domain names repeat across pairs (every pod's "mlag1").
    edges.push_back({{"id", "mlag:" + m.id.first.str() + "|" + m.id.second.str()},
                     {"kind", "mlag-peer"},
                     {"source", node_id(m.id.first)},
                     {"source_interface", m.peer_link.str()},
                     {"target", node_id(m.id.second)},
                     {"target_interface", m.peer_link.str()}});
  }
  for (const auto& [pnic, u] : uplinks) {
    edges.push_back(
        {{"id", "uplink:" + key(pnic.host) + ":" + pnic.name},
         {"kind", "uplink"},
         {"source", node_id("host", pnic.host)},
         {"source_interface", pnic.name},
         {"target", node_id(u.port.sw)},
         {"target_interface", u.port.name.str()},
         {"port_channel", u.attachment != u.port ? json(u.attachment.name.str()) : json()},
         {"learned", to_string(u.evidence)}});
  }
  return {{"graph_version", g.version()}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

}  // namespace vmfabric::northbound::api
