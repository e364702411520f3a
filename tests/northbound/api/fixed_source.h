// What the API's route tests serve: an ApiSource over one fixed graph, planned under the tests'
// policy (VLANs 100-3999 managed), with an empty journal and no VLANs created.
#pragma once

#include <memory>

#include "controller/planner/lab.h"
#include "northbound/api/view.h"

namespace vmfabric::testing {

// The config's policy the tests plan under: VLANs 100-3999 managed, every other setting default.
inline PolicyConfig policy_config() {
  PolicyConfig p;
  p.managed_vlans = VlanSet::parse("100-3999");
  return p;
}

class FixedSource : public northbound::api::ApiSource {
 public:
  explicit FixedSource(const Snapshot& graph)
      : graph_(std::make_shared<const Snapshot>(graph)),
        plan_(std::make_shared<const planner::Plan>(
            planner::plan(graph, planner::testing::policy()))) {}
  std::shared_ptr<const Snapshot> graph() const override { return graph_; }
  std::shared_ptr<const planner::Plan> plan() const override { return plan_; }
  PolicyConfig policy() const override { return policy_config(); }
  std::vector<JournalEntry> journal(const JournalQuery&) const override { return {}; }
  std::map<std::string, VlanSet> created_vlans() const override {
    ++created_calls;
    return {};
  }
  std::int64_t now_ms() const override { return 0; }

  // How often created_vlans() was asked (what the API caches per view, it asks once).
  mutable int created_calls = 0;

 private:
  std::shared_ptr<const Snapshot> graph_;
  std::shared_ptr<const planner::Plan> plan_;
};

}  // namespace vmfabric::testing
