#include "daemon/fabric.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <set>

#include "log/log.h"

namespace vmfabric::daemon {

Fabric::Fabric(boost::asio::any_io_executor executor, GraphWriter& writer,
               southbound::EapiStats* eapi_stats)
    : executor_(std::move(executor)), writer_(writer), eapi_stats_(eapi_stats) {}

Fabric::~Fabric() = default;

bool Fabric::add_switch(const SwitchConfig& config, Origin origin) {
  std::lock_guard lock(mutex_);
  if (switches_.count(config.name) != 0) return false;
  writer_.submit(southbound::new_switches({config}, *writer_.snapshots().latest()),
                 "switch " + config.name);
  southbound::SwitchAgentOptions options;
  options.poll_interval = std::chrono::seconds(config.poll_interval_s);
  options.eapi.stats = eapi_stats_;
  options.directories = directories_;
  auto agent = std::make_shared<southbound::SwitchAgent>(
      executor_, config, writer_.snapshots(),
      [this, source = "switch " + config.name](Delta d) { writer_.submit(std::move(d), source); },
      options);
  agent->start();
  switches_[config.name] = {std::move(agent), origin};
  return true;
}

bool Fabric::add_vcenter(const VCenterConfig& config, Origin origin) {
  std::lock_guard lock(mutex_);
  if (vcenters_.count(config.name) != 0) return false;
  if (!writer_.snapshots().latest()->find<VCenter>(VCenterId(config.name))) {
    VCenter vc;
    vc.id = VCenterId(config.name);
    vc.url = config.url;
    Delta d;
    d.upsert(std::move(vc));
    writer_.submit(std::move(d), "vcenter " + config.name);
  }
  auto session = std::make_shared<vcenter::VCenterSession>(
      executor_, config,
      [this, source = "vcenter " + config.name](Delta d) { writer_.submit(std::move(d), source); });
  session->start();
  vcenters_[config.name] = {std::move(session), origin};
  return true;
}

Origin Fabric::switch_origin(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = switches_.find(name);
  return it == switches_.end() ? Origin::kNone : it->second.origin;
}

Origin Fabric::vcenter_origin(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = vcenters_.find(name);
  return it == vcenters_.end() ? Origin::kNone : it->second.origin;
}

void Fabric::read_all(std::function<void(std::vector<std::string>)> done) {
  // Every agent's answer counts down; the last one calls `done`.
  struct Reads {
    std::mutex mutex;
    std::size_t left = 0;
    std::vector<std::string> unreadable;
    std::function<void(std::vector<std::string>)> done;
  };
  auto reads = std::make_shared<Reads>();
  reads->done = std::move(done);
  std::vector<std::shared_ptr<southbound::SwitchAgent>> agents;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, member] : switches_) agents.push_back(member.peer);
  }
  reads->left = agents.size();
  if (agents.empty()) {
    reads->done({});
    return;
  }
  for (const auto& agent : agents) {
    agent->poll_now([reads, name = agent->name()](bool read) {
      std::unique_lock lock(reads->mutex);
      if (!read) reads->unreadable.push_back(name);
      if (--reads->left != 0) return;
      std::vector<std::string> unreadable = std::move(reads->unreadable);
      lock.unlock();
      std::sort(unreadable.begin(), unreadable.end());
      reads->done(std::move(unreadable));
    });
  }
}

template <class Peer>
void Fabric::stop_and_remove(std::shared_ptr<Peer> peer, EntityKey id, std::function<void()> done) {
  Peer& stopping = *peer;
  stopping.stop(
      [this, peer = std::move(peer), id = std::move(id), done = std::move(done)]() mutable {
        // Nothing more comes from the peer: what it reported leaves the graph with it.
        Delta d;
        d.remove(std::move(id));
        writer_.submit(std::move(d), "api");
        writer_.flush(std::move(done));
        // Released off the peer's own strand.
        boost::asio::post(executor_, [peer = std::move(peer)] {});
      });
}

bool Fabric::remove_switch(const std::string& name, std::function<void()> done) {
  std::shared_ptr<southbound::SwitchAgent> agent;
  {
    std::lock_guard lock(mutex_);
    const auto it = switches_.find(name);
    if (it == switches_.end()) return false;
    agent = std::move(it->second.peer);
    switches_.erase(it);
  }
  stop_and_remove(std::move(agent), SwitchId(name), std::move(done));
  return true;
}

bool Fabric::remove_vcenter(const std::string& name, std::function<void()> done) {
  std::shared_ptr<vcenter::VCenterSession> session;
  {
    std::lock_guard lock(mutex_);
    const auto it = vcenters_.find(name);
    if (it == vcenters_.end()) return false;
    session = std::move(it->second.peer);
    vcenters_.erase(it);
  }
  stop_and_remove(std::move(session), VCenterId(name), std::move(done));
  return true;
}

void Fabric::apply(const SwitchId& sw, southbound::ChangeSet changes, std::string session,
                   std::function<void(southbound::ApplyResult)> done) {
  std::shared_ptr<southbound::SwitchAgent> agent;
  {
    std::lock_guard lock(mutex_);
    const auto it = switches_.find(sw.str());
    if (it != switches_.end()) agent = it->second.peer;
  }
  if (!agent) {  // a switch the database knows but that is not followed (any more)
    southbound::ApplyResult unknown;
    unknown.error = "switch " + sw.str() + " is not configured";
    unknown.failure = southbound::ApplyError::Outcome::kNotApplied;
    done(std::move(unknown));
    return;
  }
  agent->apply(std::move(changes), std::move(session), std::move(done));
}

void Fabric::stop(std::function<void()> done) {
  std::vector<std::function<void(std::function<void()>)>> stops;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, m] : vcenters_) {
      stops.push_back([peer = m.peer](std::function<void()> f) { peer->stop(std::move(f)); });
    }
    for (auto& [name, m] : switches_) {
      stops.push_back([peer = m.peer](std::function<void()> f) { peer->stop(std::move(f)); });
    }
  }
  if (stops.empty()) {
    done();
    return;
  }
  auto remaining = std::make_shared<std::atomic<std::size_t>>(stops.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& stop : stops) {
    stop([remaining, shared_done] {
      if (--*remaining == 0) (*shared_done)();
    });
  }
}

std::string config_dir(const Config& config) {
  return std::filesystem::path(config.path).parent_path().string();
}

ApiInventory load_api_inventory(const Store& store, const Config& config) {
  std::set<std::string> switches, vcenters;
  for (const auto& sw : config.switches) switches.insert(sw.name);
  for (const auto& vc : config.vcenters) vcenters.insert(vc.name);
  ApiInventory out;
  for (const InventoryEntry& e : store.inventory()) {
    const bool is_switch = e.kind == InventoryKind::kSwitch;
    if ((is_switch ? switches : vcenters).count(e.name) != 0) {
      log::warn("inventory.shadowed_by_config",
                {{"kind", to_string(e.kind)},
                 {"name", e.name},
                 {"detail",
                  "the config file's entry of this name is used, not the one added "
                  "through the API"}});
      continue;
    }
    try {
      if (is_switch) {
        out.switches.push_back(parse_switch_entry(e.entry, config_dir(config)));
      } else {
        out.vcenters.push_back(parse_vcenter_entry(e.entry, config_dir(config)));
      }
    } catch (const ConfigError& err) {
      log::error("inventory.invalid",
                 {{"kind", to_string(e.kind)}, {"name", e.name}, {"error", err.what()}});
    }
  }
  return out;
}

}  // namespace vmfabric::daemon
