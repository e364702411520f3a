#include "northbound/api/render.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

#include "northbound/http/time.h"
#include "reconcile/diff.h"
#include "reconcile/reconciler.h"

namespace vmfabric::northbound::api {
namespace {

using router::bad_param;
using router::not_found;
using router::Problem;
using router::Query;

// ---- small helpers --------------------------------------------------------------------------

json time_or_null(std::int64_t ms) { return ms > 0 ? json(http::format_time(ms)) : json(); }

const char* vlan_mode(VlanMode m) {
  switch (m) {
    case VlanMode::kUntagged:
      return "untagged";
    case VlanMode::kVlan:
      return "vlan";
    case VlanMode::kTrunk:
      return "trunk";
    case VlanMode::kPrivate:
      return "private";
  }
  return "untagged";
}

std::optional<long> parse_int(std::string_view s) {
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<VlanId> vlan_param(const Query& q) {
  const auto text = q.get("vlan");
  if (!text) return std::nullopt;
  const auto v = parse_int(*text);
  if (!v || *v < VlanId::kMin || *v > VlanId::kMax) {
    throw bad_param("vlan", "vlan: expected a VLAN id 1-4094, got \"" + *text + "\"");
  }
  return VlanId::checked(*v);
}

// A parameter that must be one of `choices`.
std::optional<std::string> choice_param(const Query& q, const std::string& name,
                                        std::initializer_list<std::string_view> choices) {
  const auto text = q.get(name);
  if (!text) return std::nullopt;
  std::string list;
  for (std::string_view c : choices) {
    if (*text == c) return text;
    list += (list.empty() ? "" : ", ") + std::string(c);
  }
  throw bad_param(name, name + ": expected one of " + list + ", got \"" + *text + "\"");
}

// Sorts `items` by key and renders the page after `page.after`.
template <class T, class F>
json paginate(std::vector<std::pair<std::string, T>> items, const Page& page, F render) {
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto it = items.begin();
  if (!page.after.empty()) {
    it = std::upper_bound(items.begin(), items.end(), page.after,
                          [](const std::string& k, const auto& item) { return k < item.first; });
  }
  json out = {{"items", json::array()}, {"total", items.size()}, {"next_cursor", nullptr}};
  std::size_t n = 0;
  for (; it != items.end() && n < page.limit; ++it, ++n) out["items"].push_back(render(it->second));
  if (it != items.end() && n > 0) out["next_cursor"] = encode_cursor(std::prev(it)->first);
  return out;
}

// The sort key of things named per vCenter: by name, then vCenter, then moref.
std::string vsphere_key(const std::string& name, const VCenterId& vc, const std::string& moref) {
  return name + '\x1f' + vc.str() + '\x1f' + moref;
}

// The one entity named `name` (narrowed by ?vcenter=), or a 404 / 409.
template <class T>
const T* pick_named(std::span<const T* const> named, const Query& query, const char* what,
                    const std::string& name) {
  query.only({"vcenter"});
  std::vector<const T*> found(named.begin(), named.end());
  if (const auto vc = query.get("vcenter")) {
    std::erase_if(found, [&](const T* t) { return t->id.vcenter.str() != *vc; });
  }
  if (found.empty()) {
    throw not_found(std::string("no ") + what + " named \"" + name + "\"" +
                    (query.get("vcenter") ? " in vCenter " + *query.get("vcenter") : "") +
                    " (names are case-sensitive)");
  }
  if (found.size() > 1) {
    std::string vcs;
    for (const T* t : found) vcs += (vcs.empty() ? "" : ", ") + t->id.vcenter.str();
    throw Problem(409, "ambiguous-name",
                  std::string(what) + " name \"" + name + "\" is in several vCenters (" + vcs +
                      "); add ?vcenter=NAME");
  }
  return found.front();
}

json network_json(const std::optional<Network>& n) {
  if (!n)
    return {{"portgroup", nullptr},
            {"distributed", nullptr},
            {"vlan_mode", nullptr},
            {"vlans", nullptr}};
  return {{"portgroup", n->portgroup},
          {"distributed", n->distributed},
          {"vlan_mode", vlan_mode(n->vlan.mode)},
          {"vlans", n->vlan.vlans.to_range_list()}};
}

// ---- switches -------------------------------------------------------------------------------

json mlag_json(const View& view, const SwitchId& sw) {
  const MlagPair* m = view.mlag(sw);
  if (m == nullptr) return nullptr;
  return {{"domain", m->domain},
          {"peer", (m->id.first == sw ? m->id.second : m->id.first).str()},
          {"peer_link", m->peer_link.str()},
          {"active", m->active}};
}

json switch_json(const View& view, const Switch& s) {
  std::size_t esx = 0, inter = 0;
  if (const planner::SwitchPlan* p = view.plan().find(s.id)) {
    for (const auto& [name, role] : p->roles) {
      (role == planner::PortRole::kEsxFacing ? esx : inter) += 1;
    }
  }
  return {{"name", s.id.str()},
          {"address", s.address},
          {"hostname", s.hostname},
          {"model", s.model},
          {"eos_version", s.eos_version},
          {"serial", s.serial},
          {"system_mac", s.system_mac},
          {"reachability", to_string(s.reachability)},
          {"last_poll", time_or_null(s.last_poll_ms)},
          {"last_error", text_or_null(s.last_error)},
          {"mlag", mlag_json(view, s.id)},
          {"interfaces", view.interfaces(s.id).size()},
          {"esx_facing_interfaces", esx},
          {"inter_switch_interfaces", inter}};
}

const Switch& find_switch(const View& view, const std::string& name) {
  const Switch* s = view.graph().find<Switch>(SwitchId(name));
  if (s == nullptr) {
    throw not_found("no switch named \"" + name + "\" (switches are named as in the config)");
  }
  return *s;
}

json interface_json(const View& view, const Interface& i) {
  const auto role = view.role(i.id);
  const bool trunk = i.mode == SwitchportMode::kTrunk;
  json allowed = {{"observed", trunk ? json(i.allowed.to_string()) : json()},
                  {"desired", nullptr},
                  {"to_add", nullptr},
                  {"to_remove", nullptr}};
  if (role) {
    const VlanSet desired = view.desired(i.id) & view.policy().managed;
    allowed["desired"] = desired.to_range_list();
    if (trunk) {
      allowed["to_add"] = (desired - i.allowed).to_range_list();
      allowed["to_remove"] = ((i.allowed & view.policy().managed) - desired).to_range_list();
    }
  }
  json lldp = json::array();
  for (const LldpNeighbor& n : i.lldp) {
    lldp.push_back(
        {{"system_name", n.system_name}, {"port_id", n.port_id}, {"chassis_id", n.chassis_id}});
  }
  json peers = json::array();
  for (const InterfaceId& p : view.link_peers(i.id)) {
    peers.push_back({{"switch", p.sw.str()}, {"interface", p.name.str()}});
  }
  json uplinks = json::array();
  for (const planner::Uplink* u : view.uplinks_at(i.id)) {
    uplinks.push_back({{"host", view.host_name(u->pnic.host)},
                       {"pnic", u->pnic.name},
                       {"port", u->port.name.str()},
                       {"learned_by", to_string(u->evidence)}});
  }
  json members = nullptr;
  if (const PortChannel* pc = view.graph().find<PortChannel>({i.id.sw, i.id.name})) {
    members = json::array();
    for (const InterfaceName& m : pc->members) members.push_back(m.str());
  }
  return {{"name", i.id.name.str()},
          {"description", i.description},
          {"oper_up", i.oper_up},
          {"mode", to_string(i.mode)},
          {"role", role_name(role)},
          {"allowed_vlans", allowed},
          {"access_vlan", i.access_vlan ? json(i.access_vlan->value) : json()},
          {"native_vlan", i.native_vlan ? json(i.native_vlan->value) : json()},
          {"channel_group", i.channel_group ? json(i.channel_group->str()) : json()},
          {"members", members},
          {"lldp_neighbors", lldp},
          {"links", peers},
          {"esx_uplinks", uplinks}};
}

// ---- hosts ----------------------------------------------------------------------------------

json uplinks_json(const View& view, const Host& h) {
  json out = json::array();
  const planner::Correlation& c = *view.plan().correlation;
  for (const Pnic* p : view.pnics(h.id)) {
    json u = {{"pnic", p->id.name}, {"mac", p->mac}, {"speed_mbps", p->speed_mbps}};
    const auto located = c.uplinks.find(p->id);
    if (located != c.uplinks.end()) {
      u["located"] = true;
      u["switch"] = located->second.port.sw.str();
      u["interface"] = located->second.port.name.str();
      u["attachment"] = located->second.attachment.name.str();
      u["learned_by"] = to_string(located->second.evidence);
    } else {
      u["located"] = false;
    }
    u["problem"] = nullptr;
    for (const planner::CorrelationProblem& problem : c.problems) {
      if (problem.pnic == p->id) u["problem"] = problem.problem;
    }
    out.push_back(std::move(u));
  }
  return out;
}

json host_json(const View& view, const Host& h) {
  return {{"name", h.name},
          {"vcenter", h.id.vcenter.str()},
          {"id", h.id.moref},
          {"cluster", h.cluster ? json(view.cluster_name(h.cluster)) : json()},
          {"connection", to_string(h.connection)},
          {"maintenance", h.maintenance},
          {"vendor", h.vendor},
          {"model", h.model},
          {"esx_version", h.esx_version},
          {"esx_build", h.esx_build},
          {"vms", view.vms_on(h.id).size()},
          {"uplinks", uplinks_json(view, h)}};
}

// ---- VMs ------------------------------------------------------------------------------------

bool vm_on_vlan(const View& view, const Vm& vm, VlanId vlan) {
  for (const VmNic* n : view.nics(vm.id)) {
    const auto net = view.network(vm, *n);
    if (net && net->vlan.vlans.contains(vlan)) return true;
  }
  return false;
}

json vm_json(const View& view, const Vm& vm) {
  json nics = json::array();
  for (const VmNic* n : view.nics(vm.id)) {
    json j = {
        {"key", n->id.key}, {"label", n->label}, {"mac", n->mac}, {"connected", n->connected}};
    j.update(network_json(view.network(vm, *n)));
    nics.push_back(std::move(j));
  }
  return {{"name", vm.name},
          {"vcenter", vm.id.vcenter.str()},
          {"id", vm.id.moref},
          {"state", vm_state(vm)},
          {"host", vm.host ? json(view.host_name(*vm.host)) : json()},
          {"migrating_to", vm.migrating_to ? json(view.host_name(*vm.migrating_to)) : json()},
          {"nics", nics}};
}

// ---- VLANs ----------------------------------------------------------------------------------

struct VlanFacts {
  std::string name;
  std::set<std::string> portgroups;
  std::set<std::string> planned_switches;
  std::size_t planned_interfaces = 0;
};

// Every VLAN the plan, a switch's VLAN database or a portgroup (its single VLAN) names.
std::map<VlanId, VlanFacts> vlan_facts(const View& view) {
  std::map<VlanId, VlanFacts> out;
  for (const auto& [sw, plan] : view.plan().switches) {
    for (const auto& [vlan, name] : plan->vlans) {
      VlanFacts& f = out[vlan];
      if (f.name.empty()) f.name = name;
      f.planned_switches.insert(sw.str());
    }
    for (const auto& [name, vlans] : plan->allowed) {
      for (VlanId v : vlans.ids()) {
        VlanFacts& f = out[v];
        f.planned_switches.insert(sw.str());
        ++f.planned_interfaces;
      }
    }
  }
  for (const Switch& s : view.graph().all<Switch>()) {
    for (const auto& [vlan, name] : s.vlans) {
      VlanFacts& f = out[vlan];
      if (f.name.empty()) f.name = name;
    }
  }
  auto single = [](const PortgroupVlan& v) {
    return v.mode == VlanMode::kVlan || v.mode == VlanMode::kPrivate;
  };
  for (const DvPortgroup& pg : view.graph().all<DvPortgroup>()) {
    if (single(pg.vlan)) {
      for (VlanId v : pg.vlan.vlans.ids()) out[v].portgroups.insert(pg.name);
    }
  }
  for (const StandardPortgroup& pg : view.graph().all<StandardPortgroup>()) {
    if (single(pg.vlan)) {
      for (VlanId v : pg.vlan.vlans.ids()) out[v].portgroups.insert(pg.id.name);
    }
  }
  return out;
}

std::string vlan_key(VlanId v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d", v.value);
  return buf;
}

}  // namespace

std::string dump(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response json_body(int status, const json& body) {
  return http::json_response(status, dump(body));
}

json text_or_null(const std::string& s) { return s.empty() ? json() : json(s); }

// ---- enumerations ---------------------------------------------------------------------------

const char* to_string(Reachability r) {
  switch (r) {
    case Reachability::kUnknown:
      return "unknown";
    case Reachability::kReachable:
      return "reachable";
    case Reachability::kUnreachable:
      return "unreachable";
    case Reachability::kAuthFailed:
      return "auth-failed";
  }
  return "unknown";
}

const char* to_string(SwitchportMode m) {
  switch (m) {
    case SwitchportMode::kNone:
      return "none";
    case SwitchportMode::kAccess:
      return "access";
    case SwitchportMode::kTrunk:
      return "trunk";
    case SwitchportMode::kRouted:
      return "routed";
  }
  return "none";
}

const char* role_name(std::optional<planner::PortRole> role) {
  if (!role) return "other";
  return *role == planner::PortRole::kEsxFacing ? "esx-facing" : "inter-switch";
}

const char* to_string(SessionState s) {
  switch (s) {
    case SessionState::kDisconnected:
      return "disconnected";
    case SessionState::kConnecting:
      return "connecting";
    case SessionState::kConnected:
      return "connected";
  }
  return "disconnected";
}

const char* to_string(HostConnection c) {
  switch (c) {
    case HostConnection::kConnected:
      return "connected";
    case HostConnection::kDisconnected:
      return "disconnected";
    case HostConnection::kNotResponding:
      return "not-responding";
  }
  return "connected";
}

const char* to_string(planner::Evidence e) {
  switch (e) {
    case planner::Evidence::kHostLldp:
      return "host-lldp";
    case planner::Evidence::kHostCdp:
      return "host-cdp";
    case planner::Evidence::kSwitchLldp:
      return "switch-lldp";
  }
  return "host-lldp";
}

const char* vm_state(const Vm& vm) {
  if (vm.migrating_to) return "moving";
  switch (vm.power) {
    case PowerState::kPoweredOn:
      return "running";
    case PowerState::kPoweredOff:
      return "powered-off";
    case PowerState::kSuspended:
      return "suspended";
  }
  return "powered-off";
}

std::optional<bool> bool_param(const Query& q, const std::string& name) {
  const auto v = choice_param(q, name, {"true", "false"});
  if (!v) return std::nullopt;
  return *v == "true";
}

// ---- paging ---------------------------------------------------------------------------------

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kCursorPrefix = "c1:";
}  // namespace

std::string encode_cursor(std::string_view key) {
  const std::string in = std::string(kCursorPrefix) + std::string(key);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> decode_cursor(std::string_view cursor) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : cursor) {
    const char* p = std::strchr(kB64, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (!out.starts_with(kCursorPrefix)) return std::nullopt;
  return out.substr(kCursorPrefix.size());
}

Page read_page(const Query& query) {
  Page page;
  if (const auto limit = query.get("limit")) {
    const auto n = parse_int(*limit);
    if (!n || *n < 1 || *n > static_cast<long>(kMaxLimit)) {
      throw bad_param("limit", "limit: expected an integer 1-" + std::to_string(kMaxLimit) +
                                   ", got \"" + *limit + "\"");
    }
    page.limit = static_cast<std::size_t>(*n);
  }
  if (const auto cursor = query.get("cursor")) {
    const auto key = decode_cursor(*cursor);
    if (!key || key->empty()) {
      throw bad_param("cursor",
                      "cursor: not a cursor this API gave out; pass next_cursor of the previous "
                      "page unchanged, or leave it out to start from the beginning");
    }
    page.after = *key;
  }
  return page;
}

std::optional<std::int64_t> before_id(const Page& page, const std::string& list) {
  if (page.after.empty()) return std::nullopt;
  const auto id = parse_int(page.after);
  if (!id || *id < 1) throw bad_param("cursor", "cursor: not a cursor of " + list);
  return *id;
}

// ---- endpoints ------------------------------------------------------------------------------

json list_switches(const View& view, const Query& query) {
  query.only({"reachability", "limit", "cursor"});
  const auto reach =
      choice_param(query, "reachability", {"reachable", "unreachable", "auth-failed", "unknown"});
  const Page page = read_page(query);
  std::vector<std::pair<std::string, const Switch*>> items;
  for (const Switch& s : view.graph().all<Switch>()) {
    if (reach && *reach != to_string(s.reachability)) continue;
    items.emplace_back(s.id.str(), &s);
  }
  return paginate(std::move(items), page, [&](const Switch* s) { return switch_json(view, *s); });
}

json get_switch(const View& view, const std::string& name) {
  const Switch& s = find_switch(view, name);
  json out = switch_json(view, s);
  json vlans = json::array();
  for (const auto& [id, vname] : s.vlans) vlans.push_back({{"id", id.value}, {"name", vname}});
  out["vlans"] = vlans;
  VlanSet planned;
  if (const planner::SwitchPlan* p = view.plan().find(s.id)) {
    for (const auto& [id, vname] : p->vlans) planned.insert(id);
  }
  out["planned_vlans"] = planned.to_range_list();
  return out;
}

json list_interfaces(const View& view, const std::string& sw, const Query& query) {
  const Switch& s = find_switch(view, sw);
  query.only({"role", "vlan", "limit", "cursor"});
  const auto role = choice_param(query, "role", {"esx-facing", "inter-switch", "other"});
  const auto vlan = vlan_param(query);
  const Page page = read_page(query);
  std::vector<std::pair<std::string, const Interface*>> items;
  for (const Interface* i : view.interfaces(s.id)) {
    if (role && *role != role_name(view.role(i->id))) continue;
    if (vlan && !(i->mode == SwitchportMode::kTrunk && i->allowed.contains(*vlan)) &&
        !view.desired(i->id).contains(*vlan) && i->access_vlan != vlan) {
      continue;
    }
    items.emplace_back(i->id.name.str(), i);
  }
  return paginate(std::move(items), page,
                  [&](const Interface* i) { return interface_json(view, *i); });
}

json list_hosts(const View& view, const Query& query) {
  query.only({"vcenter", "cluster", "switch", "limit", "cursor"});
  const auto vc = query.get("vcenter");
  const auto cluster = query.get("cluster");
  const auto sw = query.get("switch");
  const Page page = read_page(query);
  std::set<HostId> on_switch;
  if (sw) {
    for (const auto& [pnic, uplink] : view.plan().correlation->uplinks) {
      if (uplink.port.sw.str() == *sw) on_switch.insert(pnic.host);
    }
  }
  std::vector<std::pair<std::string, const Host*>> items;
  for (const Host& h : view.graph().all<Host>()) {
    if (vc && h.id.vcenter.str() != *vc) continue;
    if (cluster && (!h.cluster || view.cluster_name(h.cluster) != *cluster)) continue;
    if (sw && !on_switch.contains(h.id)) continue;
    items.emplace_back(vsphere_key(h.name, h.id.vcenter, h.id.moref), &h);
  }
  return paginate(std::move(items), page, [&](const Host* h) { return host_json(view, *h); });
}

json get_host(const View& view, const std::string& name, const Query& query) {
  const Host& h = *pick_named(view.hosts_named(name), query, "host", name);
  json out = host_json(view, h);
  json vswitches = json::array();
  for (const VSwitch* v : view.vswitches(h.id)) {
    std::string dvs;
    if (v->dvs) {
      const DistributedSwitch* d = view.graph().find<DistributedSwitch>(*v->dvs);
      dvs = d != nullptr ? d->name : v->dvs->moref;
    }
    vswitches.push_back({{"name", v->id.name},
                         {"kind", v->kind == VSwitchKind::kStandard ? "standard" : "distributed"},
                         {"distributed_switch", text_or_null(dvs)},
                         {"uplinks", v->uplinks}});
  }
  json vmknics = json::array();
  for (const VmkNic* v : view.vmknics(h.id)) {
    json services = json::array();
    for (VmkService s : v->services) services.push_back(to_string(s));
    json j = {{"name", v->id.name}, {"mac", v->mac}, {"services", services}};
    j.update(network_json(view.network(*v)));
    vmknics.push_back(std::move(j));
  }
  json vms = json::array();
  const auto on_host = view.vms_on(h.id);
  std::vector<const Vm*> on(on_host.begin(), on_host.end());
  std::sort(on.begin(), on.end(), [](const Vm* a, const Vm* b) { return a->name < b->name; });
  for (const Vm* vm : on) vms.push_back({{"name", vm->name}, {"state", vm_state(*vm)}});
  out["vswitches"] = vswitches;
  out["vmknics"] = vmknics;
  out["vm_list"] = vms;
  return out;
}

json list_vms(const View& view, const Query& query) {
  query.only({"host", "vlan", "state", "vcenter", "limit", "cursor"});
  const auto host = query.get("host");
  const auto vlan = vlan_param(query);
  const auto state =
      choice_param(query, "state", {"running", "moving", "powered-off", "suspended"});
  const auto vc = query.get("vcenter");
  const Page page = read_page(query);
  std::vector<std::pair<std::string, const Vm*>> items;
  auto consider = [&](const Vm& vm) {
    if (vc && vm.id.vcenter.str() != *vc) return;
    if (state && *state != vm_state(vm)) return;
    if (vlan && !vm_on_vlan(view, vm, *vlan)) return;
    items.emplace_back(vsphere_key(vm.name, vm.id.vcenter, vm.id.moref), &vm);
  };
  if (host) {
    for (const Host* h : view.hosts_named(*host)) {
      for (const Vm* vm : view.vms_on(h->id)) consider(*vm);
    }
  } else {
    for (const Vm& vm : view.graph().all<Vm>()) consider(vm);
  }
  return paginate(std::move(items), page, [&](const Vm* vm) { return vm_json(view, *vm); });
}

json get_vm(const View& view, const std::string& name, const Query& query) {
  const Vm& vm = *pick_named(view.vms_named(name), query, "VM", name);
  json out = vm_json(view, vm);
  out["cluster"] = nullptr;
  if (vm.host) {
    if (const Host* h = view.graph().find<Host>(*vm.host); h != nullptr && h->cluster) {
      out["cluster"] = view.cluster_name(h->cluster);
    }
  }
  return out;
}

json list_vcenters(const View& view, const Query& query) {
  query.only({"limit", "cursor"});
  const Page page = read_page(query);
  std::map<VCenterId, std::size_t> hosts, vms;
  for (const Host& h : view.graph().all<Host>()) ++hosts[h.id.vcenter];
  for (const Vm& vm : view.graph().all<Vm>()) ++vms[vm.id.vcenter];
  std::vector<std::pair<std::string, const VCenter*>> items;
  for (const VCenter& vc : view.graph().all<VCenter>()) items.emplace_back(vc.id.str(), &vc);
  return paginate(std::move(items), page, [&](const VCenter* vc) {
    return json{{"name", vc->id.str()},
                {"url", vc->url},
                {"session", to_string(vc->session)},
                {"in_sync", vc->synced},
                {"last_update", time_or_null(vc->last_update_ms)},
                {"last_error", text_or_null(vc->last_error)},
                {"instance_uuid", vc->instance_uuid},
                {"hosts", hosts[vc->id]},
                {"vms", vms[vc->id]}};
  });
}

json list_vlans(const View& view, const Query& query) {
  query.only({"managed", "switch", "limit", "cursor"});
  const auto managed = bool_param(query, "managed");
  const auto sw = query.get("switch");
  const Page page = read_page(query);
  std::vector<std::pair<std::string, std::pair<VlanId, VlanFacts>>> items;
  for (auto& [id, facts] : vlan_facts(view)) {
    const bool is_managed = view.policy().managed.contains(id);
    if (managed && *managed != is_managed) continue;
    if (sw && !facts.planned_switches.contains(*sw)) {
      const Switch* s = view.graph().find<Switch>(SwitchId(*sw));
      if (s == nullptr || !s->vlans.contains(id)) continue;
    }
    items.emplace_back(vlan_key(id), std::make_pair(id, std::move(facts)));
  }
  return paginate(std::move(items), page, [&](const std::pair<VlanId, VlanFacts>& v) {
    return json{{"id", v.first.value},
                {"name", v.second.name},
                {"managed", view.policy().managed.contains(v.first)},
                {"portgroups", v.second.portgroups},
                {"planned_switches", v.second.planned_switches},
                {"planned_interfaces", v.second.planned_interfaces}};
  });
}

json get_vlan(const View& view, const std::string& id_text) {
  const auto n = parse_int(id_text);
  if (!n || *n < VlanId::kMin || *n > VlanId::kMax) {
    throw not_found("no VLAN \"" + id_text + "\": VLAN ids are 1-4094");
  }
  const VlanId vlan = VlanId::checked(*n);
  // Plan the view's own graph so that every "why" matches the "where" shown with it.
  planner::Planner planner(view.policy());
  planner.update(view.graph());
  const planner::Plan& plan = planner.plan();

  auto facts = vlan_facts(view);
  const auto f = facts.find(vlan);
  json switches = json::array();
  for (const Switch& s : view.graph().all<Switch>()) {
    const planner::SwitchPlan* sp = plan.find(s.id);
    json interfaces = json::array();
    for (const Interface* i : view.interfaces(s.id)) {
      const bool observed = (i->mode == SwitchportMode::kTrunk && i->allowed.contains(vlan)) ||
                            (i->mode == SwitchportMode::kAccess && i->access_vlan == vlan);
      std::optional<planner::PortRole> role;
      bool desired = false;
      if (sp != nullptr) {
        if (const auto r = sp->roles.find(i->id.name); r != sp->roles.end()) role = r->second;
        if (const auto a = sp->allowed.find(i->id.name); a != sp->allowed.end()) {
          desired = a->second.contains(vlan);
        }
      }
      if (!observed && !desired) continue;
      interfaces.push_back(
          {{"name", i->id.name.str()},
           {"role", role_name(role)},
           {"mode", to_string(i->mode)},
           {"desired", desired},
           {"observed", observed},
           {"reasons", desired ? planner.explain(i->id, vlan) : std::vector<std::string>{}}});
    }
    const auto db = s.vlans.find(vlan);
    const bool planned_db = sp != nullptr && sp->vlans.contains(vlan);
    if (interfaces.empty() && db == s.vlans.end() && !planned_db) continue;
    switches.push_back({{"name", s.id.str()},
                        {"in_database", db != s.vlans.end()},
                        {"database_name", db != s.vlans.end() ? json(db->second) : json()},
                        {"planned_in_database", planned_db},
                        {"interfaces", interfaces}});
  }
  if (f == facts.end() && switches.empty()) {
    throw not_found("VLAN " + std::to_string(vlan.value) +
                    " is not planned, on no switch and carried by no portgroup");
  }
  json vms = json::array();
  std::set<std::string> vm_names;
  for (const Vm& vm : view.graph().all<Vm>()) {
    if (vm_on_vlan(view, vm, vlan)) vm_names.insert(vm.name);
  }
  return {{"id", vlan.value},
          {"name", f != facts.end() ? json(f->second.name) : json()},
          {"managed", view.policy().managed.contains(vlan)},
          {"portgroups", f != facts.end() ? json(f->second.portgroups) : json::array()},
          {"vms", vm_names},
          {"switches", switches}};
}

ReconcilerFacts reconciler_facts(const ApiSource& source) {
  return {source.policy(), source.created_vlans(), source.baseline(), source.now_ms()};
}

reconcile::Diff pending_diff(const View& view, const ReconcilerFacts& facts) {
  reconcile::SafetyPolicy safety;
  safety.managed = facts.policy.managed_vlans;
  safety.prune_delay_ms = 0;
  safety.max_removals_per_cycle = std::numeric_limits<std::size_t>::max();
  reconcile::HoldDown holds;
  Baseline established = facts.established;  // the diff moves it on
  const reconcile::DiffInput input{view.plan(),   view.graph(), safety,
                                   facts.created, facts.now_ms, {}};
  return reconcile::diff(input, holds, established);
}

namespace {

// A digest of the pending changes themselves (not of their reasons, whose wording changes with
// time): FNV-1a over a canonical rendering, as 16 hex digits.
std::string digest(const reconcile::Diff& diff) {
  std::string text;
  for (const auto& [sw, d] : diff.switches) {
    text += "switch " + sw.str() + "\n";
    for (const auto& [vlan, name] : d.changes.create_vlans) {
      text += "create " + std::to_string(vlan.value) + " " + name + "\n";
    }
    text += "delete " + d.changes.delete_vlans.to_range_list() + "\n";
    for (const auto& [name, change] : d.changes.interfaces) {
      text += name.str() + " add " + change.add.to_range_list() + " remove " +
              change.remove.to_range_list() + "\n";
    }
  }
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace

PendingPlan pending_plan(const View& view, const ReconcilerFacts& facts) {
  const reconcile::Diff diff = pending_diff(view, facts);
  PendingPlan out;
  out.version = digest(diff);
  for (const auto& [sw, d] : diff.switches) out.switches.push_back(sw.str());
  return out;
}

json get_plan(const View& view, const ReconcilerFacts& facts, const Query& query) {
  query.only({"switch", "pending", "limit", "cursor"});
  const auto sw = query.get("switch");
  const auto pending = bool_param(query, "pending");
  const Page page = read_page(query);
  const reconcile::Diff diff = pending_diff(view, facts);

  std::vector<std::pair<std::string, const Switch*>> items;
  for (const Switch& s : view.graph().all<Switch>()) {
    if (sw && s.id.str() != *sw) continue;
    const bool has_changes = diff.switches.contains(s.id);
    if (pending && *pending != has_changes) continue;
    items.emplace_back(s.id.str(), &s);
  }
  json out = paginate(std::move(items), page, [&](const Switch* s) {
    const bool reachable = s->reachability == Reachability::kReachable;
    json j = {{"switch", s->id.str()},
              {"reachable", reachable},
              {"in_sync", reachable ? json(!diff.switches.contains(s->id)) : json()},
              {"create_vlans", json::array()},
              {"delete_vlans", ""},
              {"interfaces", json::array()},
              {"reasons", json::array()}};
    const auto d = diff.switches.find(s->id);
    if (d == diff.switches.end()) return j;
    for (const auto& [vlan, name] : d->second.changes.create_vlans) {
      j["create_vlans"].push_back({{"id", vlan.value}, {"name", name}});
    }
    j["delete_vlans"] = d->second.changes.delete_vlans.to_range_list();
    for (const auto& [name, change] : d->second.changes.interfaces) {
      j["interfaces"].push_back({{"name", name.str()},
                                 {"role", role_name(view.role({s->id, name}))},
                                 {"add", change.add.to_range_list()},
                                 {"remove", change.remove.to_range_list()}});
    }
    j["reasons"] = d->second.reasons;
    return j;
  });
  out["version"] = digest(diff);
  out["apply"] = to_string(facts.policy.apply);
  out["prune_delay_s"] = facts.policy.prune_delay_s;
  out["removals_frozen"] = text_or_null(diff.removals_frozen);
  out["skipped"] = diff.skipped;
  return out;
}

JournalQuery changes_query(const Query& query) {
  query.only({"switch", "vlan", "since", "until", "limit", "cursor"});
  JournalQuery q;
  q.newest_first = true;
  q.switch_name = query.get("switch");
  q.vlan = vlan_param(query);
  for (const char* name : {"since", "until"}) {
    if (const auto text = query.get(name)) {
      const auto t = http::parse_time(*text);
      if (!t) {
        throw bad_param(name, std::string(name) +
                                  ": expected an RFC 3339 time such as 2026-11-25T13:51:24Z, "
                                  "got \"" +
                                  *text + "\"");
      }
      (std::string_view(name) == "since" ? q.since_ms : q.until_ms) = *t;
    }
  }
  const Page page = read_page(query);
  q.before_id = before_id(page, "/changes");
  q.limit = page.limit + 1;
  return q;
}

json change_json(const JournalEntry& e) {
  return {{"id", e.id},
          {"switch", e.switch_name},
          {"session", e.session},
          {"created", http::format_time(e.created_ms)},
          {"finished", e.finished_ms ? json(http::format_time(*e.finished_ms)) : json()},
          {"result", to_string(e.result)},
          {"commands", e.commands},
          {"reason", e.reason},
          {"cause", e.cause},
          {"detail", e.detail},
          {"actor", text_or_null(e.actor)}};
}

json list_changes(const std::vector<JournalEntry>& entries, const JournalQuery& query) {
  return newest_first_page(entries, query.limit > 0 ? query.limit - 1 : 0, change_json);
}

}  // namespace vmfabric::northbound::api
