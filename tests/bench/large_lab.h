// The large lab shared by the benchmarks: a 1,000-switch, ~100,000-VM data center as one Delta.
//
// Fabric: 4 spines and 996 leaves in 498 MLAG pairs (1,000 switches); each leaf has Ethernet1-48
// (host ports, 4 spine uplinks Ethernet43-46, peer-link Ethernet47-48 in Port-Channel1000), each
// spine one port per leaf: ~52,000 ports. Inventory: 8 hosts per pair (3,984), clusters of 16
// hosts, vmnic0/1 on the two leaves for vSwitch0, vmnic2/3 in an MLAG port-channel for the DVS;
// 4,000 DV portgroups with VLANs 2-4001, each cluster using 40 of them; 25 VMs per host
// (~100,000) with one vNIC each, 80% powered on. Deterministic: the same lab on every call.
#pragma once

#include "graph/graph.h"

namespace vmfabric::bench {

inline constexpr int kLeafPairs = 498;
inline constexpr int kSpines = 4;
inline constexpr int kHostsPerPair = 8;
inline constexpr int kClusterSize = 16;
inline constexpr int kPortgroups = 4000;
inline constexpr int kPortgroupsPerCluster = 40;
inline constexpr int kVmsPerHost = 25;

// Which parts of the lab to generate (the vCenter itself is always there).
struct LargeLabParts {
  bool fabric = true;     // switches, interfaces, links, MLAG pairs
  bool inventory = true;  // DVS, DV portgroups, clusters, hosts and what they own
  bool vms = true;        // VMs and their vNICs (needs `inventory`)
};

// How big the lab is: the default is the 1,000-switch lab above; smaller ones keep its shape
// (api_bench uses 98 pairs and 13 VMs per host: 200 switches, ~10,000 VMs).
struct LargeLabScale {
  int leaf_pairs = kLeafPairs;
  int vms_per_host = kVmsPerHost;
};

// The lab as one batch, in dependency order (owners first). Sets `vms` to the number of VMs in it.
Delta large_lab(int& vms, const LargeLabParts& parts = LargeLabParts(),
                const LargeLabScale& scale = LargeLabScale());

}  // namespace vmfabric::bench
