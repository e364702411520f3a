// Correlation: which switch port each ESX uplink is cabled to, from the host's LLDP and CDP hints
// and the switches' LLDP neighbours, best first; disagreements and unlocated uplinks are reported,
// never guessed.
#include <algorithm>
#include <cctype>
#include <set>

#include "planner/internal.h"

namespace vmfabric::planner {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "esx-a1.lab.local" -> "esx-a1".
std::string_view short_name(std::string_view name) { return name.substr(0, name.find('.')); }

// Whether two DNS-ish names are the same node: equal ignoring case, or one is the short form of
// the other ("esx-a1" and "ESX-A1.lab.local").
bool same_node_name(std::string_view a, std::string_view b) {
  const std::string la = lower(a);
  const std::string lb = lower(b);
  if (la.empty() || lb.empty()) return false;
  if (la == lb) return true;
  const bool a_short = la.find('.') == std::string::npos;
  const bool b_short = lb.find('.') == std::string::npos;
  return (a_short && la == short_name(lb)) || (b_short && lb == short_name(la));
}

// A MAC in any notation ("001c.7300.0001", "00:1C:73:00:00:01", "00-1c-...") as 12 lowercase hex
// digits; empty when `text` is not a MAC.
std::string normalized_mac(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (c != ':' && c != '.' && c != '-') {
      return {};
    }
  }
  return out.size() == 12 ? out : std::string();
}

const char* evidence_text(Evidence e) {
  switch (e) {
    case Evidence::kHostLldp:
      return "host LLDP";
    case Evidence::kHostCdp:
      return "host CDP";
    case Evidence::kSwitchLldp:
      break;
  }
  return "switch LLDP";
}

std::string port_text(const InterfaceId& port) { return port.sw.str() + " " + port.name.str(); }

// What one source says about a pnic: the port when it names one of the fabric, and the text.
struct Claim {
  Evidence evidence;
  std::optional<InterfaceId> port;
  std::string says;
};

class Correlator {
 public:
  explicit Correlator(const Snapshot& graph) : graph_(graph) {
    for (const Switch& sw : graph.all<Switch>()) {
      if (auto mac = normalized_mac(sw.system_mac); !mac.empty()) switch_by_mac_[mac] = &sw;
      switches_by_short_name_[lower(short_name(sw.id.str()))].push_back(&sw);
      if (!sw.hostname.empty() &&
          lower(short_name(sw.hostname)) != lower(short_name(sw.id.str()))) {
        switches_by_short_name_[lower(short_name(sw.hostname))].push_back(&sw);
      }
    }
    for (const Interface& i : graph.all<Interface>()) {
      for (const LldpNeighbor& n : i.lldp) {
        if (auto mac = normalized_mac(n.chassis_id); !mac.empty()) {
          ports_by_neighbor_mac_[mac].push_back(i.id);
        }
        if (!n.system_name.empty()) {
          ports_by_neighbor_name_[lower(short_name(n.system_name))].push_back({i.id, &n});
        }
      }
    }
  }

  std::vector<Claim> claims(const Host* host, const Pnic& pnic) const {
    std::vector<Claim> out;
    if (pnic.lldp) {
      const Switch* sw = switch_by_mac(pnic.lldp->chassis_id);
      if (sw == nullptr) sw = switch_by_name(pnic.lldp->system_name);
      const std::string& named =
          pnic.lldp->system_name.empty() ? pnic.lldp->chassis_id : pnic.lldp->system_name;
      out.push_back(host_claim(Evidence::kHostLldp, sw, named, pnic.lldp->port_id));
    }
    if (pnic.cdp) {
      out.push_back(host_claim(Evidence::kHostCdp, switch_by_name(pnic.cdp->chassis_id),
                               pnic.cdp->chassis_id, pnic.cdp->port_id));
    }
    if (std::optional<Claim> seen = switch_claim(host, pnic)) out.push_back(std::move(*seen));
    return out;
  }

 private:
  const Switch* switch_by_mac(std::string_view chassis_id) const {
    const auto it = switch_by_mac_.find(normalized_mac(chassis_id));
    return it == switch_by_mac_.end() ? nullptr : it->second;
  }

  // The one switch whose id or hostname is `name` (FQDN or short, any case).
  const Switch* switch_by_name(std::string_view name) const {
    const auto it = switches_by_short_name_.find(lower(short_name(name)));
    if (it == switches_by_short_name_.end()) return nullptr;
    std::set<const Switch*> found;
    for (const Switch* sw : it->second) {
      if (same_node_name(sw->id.str(), name) || same_node_name(sw->hostname, name))
        found.insert(sw);
    }
    return found.size() == 1 ? *found.begin() : nullptr;
  }

  Claim host_claim(Evidence evidence, const Switch* sw, std::string_view named,
                   const std::string& port_id) const {
    if (sw != nullptr && graph_.find<Interface>({sw->id, InterfaceName(port_id)}) != nullptr) {
      InterfaceId port{sw->id, InterfaceName(port_id)};
      return {evidence, port, port_text(port)};
    }
    const std::string switch_text = sw != nullptr ? sw->id.str() : std::string(named);
    return {evidence, std::nullopt, switch_text + " " + port_id + " (not a fabric port)"};
  }

  // Switch ports whose LLDP neighbour is this pnic: by the host's name and the vmnic, or by MAC.
  std::optional<Claim> switch_claim(const Host* host, const Pnic& pnic) const {
    std::set<InterfaceId> ports;
    if (auto mac = normalized_mac(pnic.mac); !mac.empty()) {
      if (auto it = ports_by_neighbor_mac_.find(mac); it != ports_by_neighbor_mac_.end()) {
        ports.insert(it->second.begin(), it->second.end());
      }
    }
    if (host != nullptr) {
      const auto it = ports_by_neighbor_name_.find(lower(short_name(host->name)));
      if (it != ports_by_neighbor_name_.end()) {
        for (const auto& [port, neighbor] : it->second) {
          if (neighbor->port_id == pnic.id.name &&
              same_node_name(neighbor->system_name, host->name)) {
            ports.insert(port);
          }
        }
      }
    }
    if (ports.empty()) return std::nullopt;
    if (ports.size() == 1)
      return Claim{Evidence::kSwitchLldp, *ports.begin(), port_text(*ports.begin())};
    std::string says;
    for (const InterfaceId& port : ports) says += (says.empty() ? "" : " and ") + port_text(port);
    return Claim{Evidence::kSwitchLldp, std::nullopt, says + " (ambiguous)"};
  }

  const Snapshot& graph_;
  std::map<std::string, const Switch*> switch_by_mac_;
  std::map<std::string, std::vector<const Switch*>> switches_by_short_name_;
  std::map<std::string, std::vector<InterfaceId>> ports_by_neighbor_mac_;
  std::map<std::string, std::vector<std::pair<InterfaceId, const LldpNeighbor*>>>
      ports_by_neighbor_name_;
};

}  // namespace

namespace detail {

InterfaceId attachment_of(const Snapshot& graph, const InterfaceId& port) {
  const Interface* i = graph.find<Interface>(port);
  if (i != nullptr && i->channel_group) return {port.sw, *i->channel_group};
  return port;
}

std::map<PnicId, const VSwitch*> vswitch_uplinks(const Snapshot& graph) {
  std::map<PnicId, const VSwitch*> out;
  for (const VSwitch& vs : graph.all<VSwitch>()) {
    for (const std::string& device : vs.uplinks) out.emplace(PnicId{vs.id.host, device}, &vs);
  }
  return out;
}

}  // namespace detail

Correlation correlate(const Snapshot& graph) {
  const Correlator correlator(graph);
  // Only needed for pnics without a located best claim: built on first use.
  std::optional<std::map<PnicId, const VSwitch*>> serving;
  const auto serves = [&](const PnicId& pnic) {
    if (!serving) serving = detail::vswitch_uplinks(graph);
    return serving->contains(pnic);
  };
  Correlation out;
  for (const Pnic& pnic : graph.all<Pnic>()) {
    const Host* host = graph.find<Host>(pnic.id.host);
    const std::vector<Claim> claims = correlator.claims(host, pnic);
    const auto who = [&] {
      return pnic.id.name + " of " + (host ? host->name : pnic.id.host.moref) + ": ";
    };
    if (claims.empty()) {
      if (serves(pnic.id)) out.problems.push_back({pnic.id, who() + "no LLDP/CDP neighbour"});
      continue;
    }
    const Claim& best = claims.front();
    if (best.port) {
      // Graph order is pnic order: each uplink goes at the end of the map.
      out.uplinks.emplace_hint(
          out.uplinks.end(), pnic.id,
          Uplink{pnic.id, *best.port, detail::attachment_of(graph, *best.port), best.evidence});
    }
    const bool disagree = std::any_of(claims.begin(), claims.end(),
                                      [&](const Claim& c) { return c.port != best.port; });
    if (disagree || (!best.port && serves(pnic.id))) {
      std::string says;
      for (const Claim& c : claims) {
        says +=
            (says.empty() ? "" : ", ") + std::string(evidence_text(c.evidence)) + " says " + c.says;
      }
      out.problems.push_back({pnic.id, who() + says});
    }
  }
  return out;  // graph order is pnic order: problems are sorted by pnic
}

}  // namespace vmfabric::planner
