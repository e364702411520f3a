// The switches and vCenters vmfabricd follows, by name: their agents and sessions, started and
// stopped at run time. Entries come from the config file ("static": only the file removes them)
// or from the API (kept in the store and started again at the next start, after the config's).
// Thread-safe: the API adds and removes while the reconciler applies.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "runtime/graph_writer.h"
#include "southbound/switch_agent.h"
#include "store/store.h"
#include "vcenter/session.h"

namespace vmfabric::daemon {

// Where a follower's entry comes from.
enum class Origin { kNone, kConfig, kApi };

class Fabric {
 public:
  // `eapi_stats` (when set) records every switch agent's eAPI requests; it must outlive them.
  Fabric(boost::asio::any_io_executor executor, GraphWriter& writer,
         southbound::EapiStats* eapi_stats = nullptr);
  ~Fabric();
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;

  // Starts following (returns at once); a switch new to the graph enters it first (so that its
  // neighbours recognise it before its first poll), a vCenter new to the graph enters it
  // disconnected. False when the name is taken.
  bool add_switch(const SwitchConfig& config, Origin origin);
  bool add_vcenter(const VCenterConfig& config, Origin origin);
  Origin switch_origin(const std::string& name) const;
  Origin vcenter_origin(const std::string& name) const;
  // Stops following `name` (the poll or session under way ends first), then takes it and all it
  // reported out of the graph; `done` once the graph has the removal. False when unknown.
  bool remove_switch(const std::string& name, std::function<void()> done);
  bool remove_vcenter(const std::string& name, std::function<void()> done);

  // Reads every switch followed now (each reading submitted to the graph); `done` (from any
  // thread) gets the names of those that could not be read, sorted.
  void read_all(std::function<void(std::vector<std::string> unreadable)> done);

  // The reconciler's ApplyFn: a switch not followed (any more) is answered "not applied".
  void apply(const SwitchId& sw, southbound::ChangeSet changes, std::string session,
             std::function<void(southbound::ApplyResult)> done);
  // Stops every agent and session; `done` once all stopped (from any thread).
  void stop(std::function<void()> done);

 private:
  template <class Peer>
  struct Member {
    std::shared_ptr<Peer> peer;
    Origin origin = Origin::kNone;
  };
  // Stops `peer`, then removes `id` from the graph and calls `done` once written.
  template <class Peer>
  void stop_and_remove(std::shared_ptr<Peer> peer, EntityKey id, std::function<void()> done);

  boost::asio::any_io_executor executor_;
  GraphWriter& writer_;
  southbound::EapiStats* eapi_stats_;
  // The switch directory every agent publishes with (built again only when a switch changes).
  std::shared_ptr<southbound::SwitchDirectoryCache> directories_ =
      std::make_shared<southbound::SwitchDirectoryCache>();
  mutable std::mutex mutex_;
  std::map<std::string, Member<southbound::SwitchAgent>> switches_;
  std::map<std::string, Member<vcenter::VCenterSession>> vcenters_;
};

// The switches and vCenters the API added in earlier runs (parsed from the store as the config
// file's entries are), less those whose name the config file now has (logged: the file wins) or
// that no longer validate (logged).
struct ApiInventory {
  std::vector<SwitchConfig> switches;
  std::vector<VCenterConfig> vcenters;
};
ApiInventory load_api_inventory(const Store& store, const Config& config);

// The config file's directory: where relative paths of entries are taken from.
std::string config_dir(const Config& config);

}  // namespace vmfabric::daemon
