// The generated labs of system_bench: a spine-leaf fabric (bench_support.h) whose leaves come in
// pairs, ESX hosts each cabled to both leaves of a pair (vmnic0 to the first, vmnic1 to the
// second, same port, both speaking LLDP, both uplinks of the distributed switch), clusters of
// hosts spanning several pairs, and VMs spread over the hosts and the DV portgroups.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vmfabric::testing {

struct SystemLabShape {
  int leaves = 196;        // an even number: hosts hang off leaf pairs
  int hosts_per_pair = 4;  // on ports Ethernet1..N of both leaves (N <= 48)
  int vms = 10000;         // vm-0 .. vm-(N-1), powered on, one nic each
  int portgroups = 200;    // dv-pg-0 .. dv-pg-(N-1) on VLAN kFirstPortgroupVlan + i
  int cluster_size = 16;   // hosts per cluster (vMotion stays within a cluster)
};

// Every host's vmk1 is on dv-vmotion (VLAN kVmotionVlan), so that VLAN is on every host port,
// every leaf with hosts and every spine. vm-bench alone is on dv-bench (kBenchVlan), on esx-0.
constexpr int kVmotionVlan = 30, kBenchVlan = 99, kFirstPortgroupVlan = 100;

nlohmann::json system_lab(const SystemLabShape& shape);

inline int system_hosts(const SystemLabShape& s) { return s.leaves / 2 * s.hosts_per_pair; }
inline std::string system_host(int h) { return "esx-" + std::to_string(h); }
inline std::string system_vm(int i) { return "vm-" + std::to_string(i); }
// Where host h's vmnic (0 or 1) is cabled: a leaf name and interface.
std::string system_host_leaf(const SystemLabShape& s, int h, int vmnic);
std::string system_host_port(const SystemLabShape& s, int h);
// Host and portgroup index of vm-i, as system_lab places it.
int system_vm_host(const SystemLabShape& s, int i);
int system_vm_portgroup(const SystemLabShape& s, int i);

}  // namespace vmfabric::testing
