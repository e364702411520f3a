// What the API's route tests serve: an ApiSource over one fixed graph, planned under the tests'
// policy (VLANs 100-3999 managed), with an empty journal, no VLANs created, and the drift audits
// a test puts in `audit_records` (newest first, as the store answers them).
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "controller/planner/lab.h"
#include "northbound/api/view.h"

namespace vmfabric::testing {

// The config's policy the tests plan under: VLANs 100-3999 managed, every other setting default.
inline PolicyConfig policy_config() {
  PolicyConfig p;
  p.managed_vlans = VlanSet::parse("100-3999");
  return p;
}

// The API's view of `graph`, planned under the lab's policy.
inline northbound::api::View view_of(const Snapshot& graph) {
  auto plan_policy = planner::testing::policy();
  return northbound::api::View(
      std::make_shared<const Snapshot>(graph),
      std::make_shared<const planner::Plan>(planner::plan(graph, plan_policy)), plan_policy);
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
  std::vector<AuditRecord> audits(const AuditQuery& query) const override {
    std::vector<AuditRecord> out;
    for (const AuditRecord& a : audit_records) {
      if (out.size() == query.limit) break;
      if (query.before_id && a.id >= *query.before_id) continue;
      out.push_back(a);
      out.back().findings.clear();
    }
    return out;
  }
  std::optional<AuditRecord> audit(std::int64_t id) const override {
    const auto it = std::find_if(audit_records.begin(), audit_records.end(),
                                 [&](const AuditRecord& a) { return a.id == id; });
    if (it == audit_records.end()) return std::nullopt;
    return *it;
  }

  std::vector<AuditRecord> audit_records;

  // How often created_vlans() was asked (what the API caches per view, it asks once).
  mutable int created_calls = 0;

 private:
  std::shared_ptr<const Snapshot> graph_;
  std::shared_ptr<const planner::Plan> plan_;
};

}  // namespace vmfabric::testing
