// What the API reads, and one consistent, indexed view of it per request: a graph snapshot, the
// reconciler's plan and the planning policy, with the lookups the endpoints need (VMs and hosts by
// name, vNICs per VM, interfaces per switch, uplinks per switch port). Immutable; built once per
// graph version and shared by concurrent requests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "graph/graph.h"
#include "planner/planner.h"
#include "southbound/eapi_stats.h"
#include "store/store.h"

namespace vmfabric::reconcile {
struct ReconcilerStats;
}
namespace vmfabric::audit {
struct AuditStats;
}
namespace vmfabric::northbound::events {
class EventHub;
}

namespace vmfabric::northbound::api {

class ApiControl;

// The data behind the API, implemented by the daemon over the graph writer, the reconciler and
// the store (and by tests over fixed values). Called from the API's threads: thread-safe; must
// never block the graph's writer.
class ApiSource {
 public:
  virtual ~ApiSource() = default;
  // The latest graph snapshot (never null).
  virtual std::shared_ptr<const Snapshot> graph() const = 0;
  // The reconciler's latest plan (never null; empty before its first cycle).
  virtual std::shared_ptr<const planner::Plan> plan() const = 0;
  // The effective policy (it may change at run time: PUT /api/v1/policy).
  virtual PolicyConfig policy() const = 0;
  // The change journal (throws StoreError when the database fails).
  virtual std::vector<JournalEntry> journal(const JournalQuery& query) const = 0;
  // The VLANs vmfabric created, per switch name.
  virtual std::map<std::string, VlanSet> created_vlans() const = 0;
  // What the reconciler established per switch and interface (reconcile/diff.h); none (the
  // default): each interface is taken as first seen.
  virtual Baseline baseline() const { return {}; }
  // Unix milliseconds now.
  virtual std::int64_t now_ms() const = 0;
  // The reconciler's counters into `out`, for /metrics; false (the default) when there is no
  // reconciler.
  virtual bool reconciler_stats(reconcile::ReconcilerStats& out) const {
    (void)out;
    return false;
  }
  // The eAPI requests to each switch, for /metrics; none (the default) when no switch agent runs.
  virtual std::vector<southbound::EapiSwitchStats> eapi_stats() const { return {}; }
  // The live events (GET /api/v1/events, /events/stream); nothing (the default): no such routes.
  virtual events::EventHub* events() const { return nullptr; }
  // The mutations (inventory, policy, plan approval); nothing (the default): no such routes.
  virtual ApiControl* control() const { return nullptr; }
  // Drift audits, newest first, without findings (throws StoreError); none by default.
  virtual std::vector<AuditRecord> audits(const AuditQuery& query) const {
    (void)query;
    return {};
  }
  // One audit with its findings; nothing (the default) when unknown.
  virtual std::optional<AuditRecord> audit(std::int64_t id) const {
    (void)id;
    return std::nullopt;
  }
  // The audit runner's counters into `out`, for /metrics; false (the default) when there is none.
  virtual bool audit_stats(audit::AuditStats& out) const {
    (void)out;
    return false;
  }
  // How the database's writes fare, for /healthz and /metrics; nothing (the default) when there
  // is no database writer.
  virtual std::optional<StoreHealth> store_health() const { return std::nullopt; }
};

// Where a vNIC or vmknic is connected: the portgroup and the VLANs it carries.
struct Network {
  std::string portgroup;  // its name
  bool distributed = false;
  PortgroupVlan vlan;
};

class View {
 public:
  View(std::shared_ptr<const Snapshot> graph, std::shared_ptr<const planner::Plan> plan,
       planner::PlanPolicy policy);

  const Snapshot& graph() const { return *graph_; }
  const std::shared_ptr<const Snapshot>& graph_ptr() const { return graph_; }
  const planner::Plan& plan() const { return *plan_; }
  const std::shared_ptr<const planner::Plan>& plan_ptr() const { return plan_; }
  const planner::PlanPolicy& policy() const { return policy_; }

  // Each in graph order.
  std::span<const Host* const> hosts_named(const std::string& name) const;
  std::span<const Vm* const> vms_named(const std::string& name) const;
  std::span<const VmNic* const> nics(const VmId& vm) const;
  std::span<const Pnic* const> pnics(const HostId& host) const;
  std::span<const VmkNic* const> vmknics(const HostId& host) const;
  std::span<const VSwitch* const> vswitches(const HostId& host) const;
  // VMs whose host is `host` (running or not).
  std::span<const Vm* const> vms_on(const HostId& host) const;
  std::span<const Interface* const> interfaces(const SwitchId& sw) const;
  const MlagPair* mlag(const SwitchId& sw) const;
  // The interfaces at the other end of the links of `end`.
  std::vector<InterfaceId> link_peers(const InterfaceId& end) const;
  // The located ESX uplinks whose physical port or attachment is `where`.
  const std::vector<const planner::Uplink*>& uplinks_at(const InterfaceId& where) const;
  // The host's name, or its moref when the graph does not know it.
  std::string host_name(const HostId& host) const;
  std::string cluster_name(const std::optional<ClusterId>& cluster) const;

  // The network of a vNIC (a standard portgroup is looked up on the VM's host), or of a vmknic.
  std::optional<Network> network(const Vm& vm, const VmNic& nic) const;
  std::optional<Network> network(const VmkNic& nic) const;

  // The plan of one interface: its role (nothing when vmfabric does not manage it) and the VLANs
  // it must allow.
  std::optional<planner::PortRole> role(const InterfaceId& where) const;
  VlanSet desired(const InterfaceId& where) const;

  // The body `render` makes, made once per View and kept (for what is costly at scale and
  // depends only on what the View holds, such as /topology). Thread-safe: concurrent first
  // callers of one `key` wait for a single rendering; one that throws is retried next time.
  const std::string& memo(const std::string& key, const std::function<std::string()>& render) const;

 private:
  template <class K, class V>
  static const std::vector<V>& at(const std::map<K, std::vector<V>>& m, const K& key) {
    static const std::vector<V> kNone;
    const auto it = m.find(key);
    return it == m.end() ? kNone : it->second;
  }

  std::shared_ptr<const Snapshot> graph_;
  std::shared_ptr<const planner::Plan> plan_;
  planner::PlanPolicy policy_;

  // Entities grouped by a key: one vector sorted by it, 8 bytes an entity (a map of vectors
  // took ~300 B per VM).
  template <class T, auto KeyOf>
  struct Grouped {
    std::vector<const T*> items;  // by KeyOf, then in the order added
    void sort();
    std::span<const T* const> at(const auto& key) const;
  };
  static constexpr auto kName = [](const auto& e) -> const std::string& { return e.name; };
  // What comes first in the entity's id: its owner.
  static constexpr auto kOwner = [](const auto& e) -> const auto& {
    if constexpr (requires { e.id.vm; }) {
      return e.id.vm;
    } else if constexpr (requires { e.id.host; }) {
      return e.id.host;
    } else {
      return e.id.sw;
    }
  };
  static constexpr auto kHost = [](const Vm& vm) -> const HostId& { return *vm.host; };

  Grouped<Host, kName> hosts_by_name_;
  Grouped<Vm, kName> vms_by_name_;
  Grouped<VmNic, kOwner> nics_;
  Grouped<Pnic, kOwner> pnics_;
  Grouped<VmkNic, kOwner> vmknics_;
  Grouped<VSwitch, kOwner> vswitches_;
  Grouped<Vm, kHost> vms_on_;  // VMs with a host only
  Grouped<Interface, kOwner> interfaces_;
  std::map<SwitchId, const MlagPair*> mlag_;
  std::map<InterfaceId, std::vector<InterfaceId>> link_peers_;
  std::map<InterfaceId, std::vector<const planner::Uplink*>> uplinks_at_;

  struct Memo {
    std::once_flag made;
    std::string body;
  };
  mutable std::mutex memos_mutex_;
  mutable std::map<std::string, std::unique_ptr<Memo>> memos_;
};

}  // namespace vmfabric::northbound::api
