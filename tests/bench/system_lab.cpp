#include "system_lab.h"

#include <cstdio>
#include <stdexcept>

#include "bench_support.h"

namespace vmfabric::testing {

using nlohmann::json;

namespace {

std::string mac(int prefix, int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00:50:56:%02x:%02x:%02x", prefix | ((index >> 16) & 0x0f),
                (index >> 8) & 0xff, index & 0xff);
  return buf;
}

}  // namespace

std::string system_host_leaf(const SystemLabShape& s, int h, int vmnic) {
  return bench_leaf(h / s.hosts_per_pair * 2 + vmnic);
}

std::string system_host_port(const SystemLabShape& s, int h) {
  return "Ethernet" + std::to_string(h % s.hosts_per_pair + 1);
}

int system_vm_host(const SystemLabShape& s, int i) { return i % system_hosts(s); }

int system_vm_portgroup(const SystemLabShape& s, int i) {
  // A fixed scramble, so that a host's VMs use many portgroups and a moved VM often needs a
  // VLAN its destination does not have yet.
  return static_cast<int>((static_cast<unsigned>(i) * 2654435761u >> 8) %
                          static_cast<unsigned>(s.portgroups));
}

json system_lab(const SystemLabShape& s) {
  if (s.leaves < 2 || s.leaves % 2 != 0 || s.hosts_per_pair < 1 || s.hosts_per_pair > 48 ||
      s.portgroups < 1 || kFirstPortgroupVlan + s.portgroups > 4000 || s.cluster_size < 1 ||
      s.vms < 0) {
    throw std::invalid_argument(
        "system_lab: an even number of leaves >= 2, 1-48 hosts per pair, "
        "1-3900 portgroups, clusters of at least one host");
  }
  json lab = spine_leaf_fabric(s.leaves);
  json portgroups = json::array({{{"name", "dv-vmotion"}, {"vlan", kVmotionVlan}},
                                 {{"name", "dv-bench"}, {"vlan", kBenchVlan}}});
  for (int p = 0; p < s.portgroups; ++p) {
    portgroups.push_back(
        {{"name", "dv-pg-" + std::to_string(p)}, {"vlan", kFirstPortgroupVlan + p}});
  }
  json clusters = json::array();
  const int hosts = system_hosts(s);
  for (int h = 0; h < hosts; ++h) {
    if (h % s.cluster_size == 0) {
      clusters.push_back(
          {{"name", "cluster-" + std::to_string(h / s.cluster_size)},
           {"vswitches", json::array()},
           {"dvs", json::array({{{"name", "dvs-prod"}, {"uplinks", {"vmnic0", "vmnic1"}}}})},
           {"vmknics",
            json::array(
                {{{"device", "vmk1"}, {"portgroup", "dv-vmotion"}, {"services", {"vmotion"}}}})},
           {"hosts", json::array()}});
    }
    json pnics = json::array();
    for (int n = 0; n < 2; ++n) {
      pnics.push_back({{"device", "vmnic" + std::to_string(n)},
                       {"mac", mac(0x10, h * 2 + n)},
                       {"switch", system_host_leaf(s, h, n)},
                       {"interface", system_host_port(s, h)},
                       {"lldp", true}});
    }
    clusters.back()["hosts"].push_back({{"name", system_host(h)}, {"pnics", pnics}});
  }
  json vms = json::array();
  for (int i = 0; i < s.vms; ++i) {
    vms.push_back(
        {{"name", system_vm(i)},
         {"host", system_host(system_vm_host(s, i))},
         {"power", "on"},
         {"nics", json::array({{{"portgroup", "dv-pg-" + std::to_string(system_vm_portgroup(s, i))},
                                {"mac", mac(0x80, i)}}})}});
  }
  vms.push_back({{"name", "vm-bench"},
                 {"host", system_host(0)},
                 {"power", "on"},
                 {"nics", json::array({{{"portgroup", "dv-bench"}, {"mac", mac(0xc0, 0)}}})}});
  lab["vcenters"] = json::array(
      {{{"name", "vc1"},
        {"datacenter", "DC1"},
        {"dvswitches", json::array({{{"name", "dvs-prod"}, {"portgroups", portgroups}}})},
        {"clusters", clusters},
        {"vms", vms}}});
  return lab;
}

}  // namespace vmfabric::testing
