#include "daemon/control.h"

#include <chrono>
#include <future>

#include "log/log.h"

namespace vmfabric::daemon {

using northbound::api::ControlError;
using northbound::api::EffectivePolicy;

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Removing a peer waits for its poll or session under way; more than this and the request ends
// while the removal completes in the background.
constexpr auto kRemovalWait = std::chrono::seconds(30);

}  // namespace

EffectivePolicy effective_policy(const Store& store, const Config& config) {
  EffectivePolicy out;
  out.policy = config.policy;
  if (const auto stored = store.policy_override()) {
    try {
      out.policy = parse_policy_entry(stored->policy);
      out.from_api = true;
      out.updated_ms = stored->updated_ms;
      out.updated_by = stored->updated_by;
    } catch (const ConfigError& e) {
      log::error("policy.override_invalid",
                 {{"error", e.what()}, {"detail", "the config file's policy is used"}});
    }
  }
  return out;
}

DaemonControl::DaemonControl(const Config& config, EffectivePolicy policy, Fabric& fabric,
                             Store& store, GraphWriter& writer, reconcile::Reconciler& reconciler,
                             std::function<void(const JournalEntry&)> journaled)
    : base_dir_(config_dir(config)),
      fabric_(fabric),
      store_(store),
      writer_(writer),
      reconciler_(reconciler),
      journaled_(std::move(journaled)),
      policy_(std::move(policy)) {}

void DaemonControl::journal(const std::string& actor, const std::string& target,
                            const std::string& what) {
  JournalEntry entry;
  entry.created_ms = unix_ms_now();
  entry.switch_name = target;
  entry.commands = {what};
  entry.reason = what;
  entry.cause = "API request by " + actor;
  entry.actor = actor;
  entry.id = store_.journal_begin(entry);
  store_.journal_finish(entry.id, JournalResult::kApplied, "", entry.created_ms);
  entry.result = JournalResult::kApplied;
  entry.finished_ms = entry.created_ms;
  if (journaled_) journaled_(entry);
  log::info("api.mutation", {{"actor", actor}, {"what", what}, {"journal", entry.id}});
}

void DaemonControl::flush_graph() {
  auto flushed = std::make_shared<std::promise<void>>();
  writer_.flush([flushed] { flushed->set_value(); });
  flushed->get_future().wait_for(kRemovalWait);
}

void DaemonControl::add_switch(const SwitchConfig& config, const std::string& entry,
                               const std::string& actor) {
  std::lock_guard lock(mutations_);
  if (fabric_.switch_origin(config.name) != Origin::kNone) {
    throw ControlError(ControlError::Kind::kConflict,
                       "a switch named \"" + config.name + "\" exists; DELETE /api/v1/switches/" +
                           config.name + " first, or choose another name");
  }
  store_.add_inventory({InventoryKind::kSwitch, config.name, entry, unix_ms_now(), actor});
  fabric_.add_switch(config, Origin::kApi);
  journal(actor, config.name,
          "add switch " + config.name + " (" + config.address + ":" + std::to_string(config.port) +
              ")");
  flush_graph();
}

void DaemonControl::add_vcenter(const VCenterConfig& config, const std::string& entry,
                                const std::string& actor) {
  std::lock_guard lock(mutations_);
  if (fabric_.vcenter_origin(config.name) != Origin::kNone) {
    throw ControlError(ControlError::Kind::kConflict,
                       "a vCenter named \"" + config.name + "\" exists; DELETE /api/v1/vcenters/" +
                           config.name + " first, or choose another name");
  }
  store_.add_inventory({InventoryKind::kVCenter, config.name, entry, unix_ms_now(), actor});
  fabric_.add_vcenter(config, Origin::kApi);
  journal(actor, "", "add vcenter " + config.name + " (" + config.url + ")");
  flush_graph();
}

void DaemonControl::remove(InventoryKind kind, const std::string& name, const std::string& actor) {
  std::lock_guard lock(mutations_);
  const bool is_switch = kind == InventoryKind::kSwitch;
  const std::string what = is_switch ? "switch" : "vCenter";
  const Origin origin = is_switch ? fabric_.switch_origin(name) : fabric_.vcenter_origin(name);
  if (origin == Origin::kNone) {
    throw ControlError(ControlError::Kind::kNotFound, "no " + what + " named \"" + name + "\"");
  }
  if (origin == Origin::kConfig) {
    throw ControlError(ControlError::Kind::kConflict,
                       "the " + what + " \"" + name +
                           "\" comes from the config file: remove it there and restart "
                           "vmfabricd");
  }
  store_.remove_inventory(kind, name);
  auto removed = std::make_shared<std::promise<void>>();
  auto done = [removed] { removed->set_value(); };
  if (is_switch) {
    fabric_.remove_switch(name, done);
  } else {
    fabric_.remove_vcenter(name, done);
  }
  journal(actor, is_switch ? name : "", "remove " + std::string(to_string(kind)) + " " + name);
  removed->get_future().wait_for(kRemovalWait);
}

void DaemonControl::remove_switch(const std::string& name, const std::string& actor) {
  remove(InventoryKind::kSwitch, name, actor);
}

void DaemonControl::remove_vcenter(const std::string& name, const std::string& actor) {
  remove(InventoryKind::kVCenter, name, actor);
}

EffectivePolicy DaemonControl::policy() const {
  std::lock_guard lock(policy_mutex_);
  return policy_;
}

EffectivePolicy DaemonControl::set_policy(const PolicyConfig& policy, const std::string& actor) {
  std::lock_guard lock(mutations_);
  EffectivePolicy next;
  next.policy = policy;
  next.from_api = true;
  next.updated_ms = unix_ms_now();
  next.updated_by = actor;
  const std::string entry = policy_entry(policy);
  store_.set_policy_override({entry, *next.updated_ms, actor});
  {
    std::lock_guard plock(policy_mutex_);
    policy_ = next;
  }
  reconciler_.set_policy(policy);
  journal(actor, "", "set policy " + entry);
  return next;
}

void DaemonControl::approve_plan(const std::string& actor) {
  std::lock_guard lock(mutations_);
  journal(actor, "", "approve the pending plan");
  reconciler_.approve(actor);
}

std::int64_t DaemonControl::run_audit(const std::string& actor) {
  audit::AuditRunner* runner = audits_.load();
  if (runner == nullptr) {
    throw ControlError(ControlError::Kind::kConflict,
                       "audits are not available: this vmfabricd runs no audit runner; check its "
                       "log at startup");
  }
  return runner->run("api", actor);
}

}  // namespace vmfabric::daemon
