// The API's mutations in vmfabricd: switches and vCenters added and removed through the Fabric
// (and kept in the store), the policy (kept in the store, handed to the reconciler), plan
// approval. Each mutation is journaled with the token's name.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "audit/runner.h"
#include "config/config.h"
#include "daemon/fabric.h"
#include "northbound/api/control.h"
#include "reconcile/reconciler.h"
#include "runtime/graph_writer.h"
#include "store/store.h"

namespace vmfabric::daemon {

// The policy in force at start: the one set through the API, if any (and valid), else the
// config file's.
northbound::api::EffectivePolicy effective_policy(const Store& store, const Config& config);

class DaemonControl final : public northbound::api::ApiControl {
 public:
  // `journaled` (optional) is told of each journal entry a mutation writes (the live events).
  DaemonControl(const Config& config, northbound::api::EffectivePolicy policy, Fabric& fabric,
                Store& store, GraphWriter& writer, reconcile::Reconciler& reconciler,
                std::function<void(const JournalEntry&)> journaled = nullptr);

  std::string base_dir() const override { return base_dir_; }
  void add_switch(const SwitchConfig& config, const std::string& entry,
                  const std::string& actor) override;
  void add_vcenter(const VCenterConfig& config, const std::string& entry,
                   const std::string& actor) override;
  void remove_switch(const std::string& name, const std::string& actor) override;
  void remove_vcenter(const std::string& name, const std::string& actor) override;
  northbound::api::EffectivePolicy policy() const override;
  northbound::api::EffectivePolicy set_policy(const PolicyConfig& policy,
                                              const std::string& actor) override;
  void approve_plan(const std::string& actor) override;
  // Runs `runner->run("api", actor)`; without a runner, ControlError kConflict.
  std::int64_t run_audit(const std::string& actor) override;

  // The drift audits' runner (nothing: POST /api/v1/audits is refused). Set before the API
  // serves; `runner` must outlive this. set_policy hands it the new policy too.
  void set_audit_runner(audit::AuditRunner* runner) { audits_.store(runner); }

 private:
  // Journals a mutation as applied: `target` (a switch's name, or empty), what was done.
  void journal(const std::string& actor, const std::string& target, const std::string& what);
  // Waits (bounded) until the graph's writer has persisted what was submitted so far.
  void flush_graph();
  void remove(InventoryKind kind, const std::string& name, const std::string& actor);

  std::string base_dir_;
  Fabric& fabric_;
  Store& store_;
  GraphWriter& writer_;
  reconcile::Reconciler& reconciler_;
  std::function<void(const JournalEntry&)> journaled_;
  std::mutex mutations_;  // one mutation at a time
  mutable std::mutex policy_mutex_;
  northbound::api::EffectivePolicy policy_;
  std::atomic<audit::AuditRunner*> audits_{nullptr};
};

}  // namespace vmfabric::daemon
