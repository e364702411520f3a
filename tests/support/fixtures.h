// Test fixtures: a deterministic synthetic data center (vCenter inventory and a leaf-spine
// fabric) as a graph Delta, churn on top of it, and a field-by-field comparison of two graphs.
#pragma once

#include <string>

#include "graph/graph.h"

namespace vmfabric::testing {

struct SyntheticSpec {
  int vcenters = 1;
  int clusters_per_vcenter = 2;
  int hosts_per_cluster = 4;
  int vms_per_host = 10;
  int leaf_pairs = 2;  // MLAG pairs of leaves; two spines above them
  int ports_per_switch = 48;
};

// Every entity kind appears. Deterministic: the same spec gives the same delta.
Delta synthetic_inventory(const SyntheticSpec& spec);

// Changes `count` VMs of `graph` (power state, host, a vNIC's portgroup), deterministically from
// `round`. Every op is a real change when applied to the state it was computed from.
Delta vm_churn(const Snapshot& graph, int count, int round);

// Empty when both graphs hold exactly the same entities with the same values; otherwise the
// first few differences, one per line.
std::string diff(const Snapshot& a, const Snapshot& b);

// Total number of entities in a snapshot.
std::size_t entity_count(const Snapshot& s);

}  // namespace vmfabric::testing
