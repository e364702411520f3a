// The workload of the store crash test, shared by the writer process and the test that replays
// it: batch 0 is the synthetic inventory, batch N>0 churns kCrashChurn VMs.
#pragma once

#include "support/fixtures.h"

namespace vmfabric::testing {

inline constexpr int kCrashChurn = 3000;

inline SyntheticSpec crash_spec() {
  SyntheticSpec spec;
  spec.clusters_per_vcenter = 4;
  spec.hosts_per_cluster = 8;
  spec.vms_per_host = 40;  // 1,280 VMs
  return spec;
}

inline Delta crash_batch(const Snapshot& state, int batch) {
  return batch == 0 ? synthetic_inventory(crash_spec()) : vm_churn(state, kCrashChurn, batch);
}

}  // namespace vmfabric::testing
