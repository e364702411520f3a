// What the API's mutations change, implemented by the daemon (over its switches and vCenters, the
// reconciler and the store) and by tests over a fake. Called from the API's threads: thread-safe.
// Each mutation is journaled by the implementation with `actor`, the API token's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "model/error.h"

namespace vmfabric::northbound::api {

// A mutation refused: the name is unknown (kNotFound) or conflicts (kConflict: taken, or an entry
// of the config file, which only the file can remove). The message says what to do.
class ControlError : public Error {
 public:
  enum class Kind { kNotFound, kConflict };
  ControlError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// The policy in force and where it came from.
struct EffectivePolicy {
  PolicyConfig policy;
  bool from_api = false;                   // set through the API (else the config file's)
  std::optional<std::int64_t> updated_ms;  // when, if from_api
  std::string updated_by;                  // who, if from_api
};

class ApiControl {
 public:
  virtual ~ApiControl() = default;

  // The directory relative paths of entries are taken from (the config file's).
  virtual std::string base_dir() const = 0;

  // Adds a switch or vCenter (validated; `entry` is its JSON text, kept to start it again after a
  // restart) and returns once the graph has it. Throws ControlError kConflict when the name is
  // taken.
  virtual void add_switch(const SwitchConfig& config, const std::string& entry,
                          const std::string& actor) = 0;
  virtual void add_vcenter(const VCenterConfig& config, const std::string& entry,
                           const std::string& actor) = 0;
  // Stops following it and takes it, with all it reported, out of the graph. Throws
  // ControlError kNotFound (unknown) or kConflict (from the config file).
  virtual void remove_switch(const std::string& name, const std::string& actor) = 0;
  virtual void remove_vcenter(const std::string& name, const std::string& actor) = 0;

  virtual EffectivePolicy policy() const = 0;
  // Persists `policy` as the one in force and replans with it at once; returns it.
  virtual EffectivePolicy set_policy(const PolicyConfig& policy, const std::string& actor) = 0;
  // Applies the pending changes once (the policy's apply is dry-run; checked by the caller).
  virtual void approve_plan(const std::string& actor) = 0;
  // Starts a drift audit now (trigger "api") and returns its id. Throws audit::AuditBusy
  // (controller/audit/runner.h) while one runs, ControlError when audits are not available (the
  // message says why).
  virtual std::int64_t run_audit(const std::string& actor) = 0;
};

}  // namespace vmfabric::northbound::api
