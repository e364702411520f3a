// Test helpers of the vCenter connector's tests: a live controller pipeline (session -> graph
// writer -> store) whose graph tests can await, fed by the simulator
// (tests/sim/vcsim/cpp/harness.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "support/graph_pipeline.h"
#include "support/temp_dir.h"
#include "tests/sim/vcsim/cpp/harness.h"
#include "vcenter/session.h"

namespace vmfabric::testing {

// A live graph (GraphPipeline) fed by vCenter sessions.
class Pipeline : public GraphPipeline {
 public:
  ~Pipeline();
  void add_session(VCenterConfig config, vcenter::SessionOptions options = fast_options());
  void stop_sessions();
  // How many entity changes other than of VCenter entities the graph has seen.
  std::uint64_t inventory_changes() const { return changes() - changes(EntityKind::kVCenter); }

  static vcenter::SessionOptions fast_options();

 private:
  std::vector<std::unique_ptr<vcenter::VCenterSession>> sessions_;
};

// Shorthands over a snapshot.
const Vm* vm_named(const Snapshot& g, const std::string& vcenter, const std::string& name);
const Host* host_named(const Snapshot& g, const std::string& vcenter, const std::string& name);
const VCenter* vcenter_of(const Snapshot& g, const std::string& name);

}  // namespace vmfabric::testing
