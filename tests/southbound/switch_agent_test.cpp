// Switch agents against the EOS fabric emulator: discovery of the lab fabric into the graph,
// polling many switches at once with one of them slow, applies through the agent, and a dead
// switch marked unreachable.
#include "southbound/switch_agent.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "eos_lab.h"
#include "support/graph_pipeline.h"

using namespace vmfabric;
using namespace vmfabric::southbound;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Agents for every switch of an emulator, on a GraphPipeline, with each poll's end recorded.
class Fleet {
 public:
  Fleet(GraphPipeline& pipeline, const EosEmulator& emu, SwitchAgentOptions options) {
    std::vector<SwitchConfig> configs;
    for (const std::string& name : emu.switch_names()) configs.push_back(switch_config(emu, name));
    // Every switch is known before the first poll (as vmfabricd does at start), so that each
    // recognises the others as LLDP neighbours in its first reading.
    pipeline.writer().submit(new_switches(configs, *pipeline.graph()), "test");
    pipeline.flush();
    start_ = Clock::now();
    for (const SwitchConfig& c : configs) {
      agents_.push_back(std::make_unique<SwitchAgent>(
          pipeline.executor(), c, pipeline.writer().snapshots(),
          [&pipeline, source = "switch " + c.name](Delta d) {
            pipeline.writer().submit(std::move(d), source);
          },
          options));
      agents_.back()->on_poll([this](const SwitchId& id, bool) {
        std::lock_guard lock(mutex_);
        polls_[id.str()].push_back(Clock::now() - start_);
        polled_.notify_all();
      });
      agents_.back()->start();
    }
  }
  ~Fleet() {
    for (auto& a : agents_) {
      std::promise<void> stopped;
      a->stop([&] { stopped.set_value(); });
      stopped.get_future().wait();
    }
  }

  // Waits until every agent has finished `n` polls; false on timeout.
  bool wait_polls(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return polled_.wait_for(lock, timeout, [&] {
      if (polls_.size() < agents_.size()) return false;
      for (const auto& [name, times] : polls_) {
        if (times.size() < n) return false;
      }
      return true;
    });
  }
  // When each switch's first poll ended, from the fleet's start.
  std::map<std::string, Clock::duration> first_polls() {
    std::lock_guard lock(mutex_);
    std::map<std::string, Clock::duration> out;
    for (const auto& [name, times] : polls_) out[name] = times.front();
    return out;
  }
  SwitchAgent& agent(const std::string& name) {
    for (auto& a : agents_) {
      if (a->name() == name) return *a;
    }
    throw std::out_of_range(name);
  }
  void poll_all() {
    for (auto& a : agents_) a->poll_now();
  }

 private:
  Clock::time_point start_;
  std::vector<std::unique_ptr<SwitchAgent>> agents_;
  std::mutex mutex_;
  std::condition_variable polled_;
  std::map<std::string, std::vector<Clock::duration>> polls_;
};

SwitchAgentOptions manual_polls() {
  SwitchAgentOptions o;
  o.poll_interval = std::chrono::hours(1);  // only the first poll and poll_now()
  o.eapi = EapiClient::fast_options();
  return o;
}

std::string link_text(const LinkId& id) {
  return id.a.sw.str() + ":" + id.a.name.str() + " " + id.b.sw.str() + ":" + id.b.name.str();
}

// The switch-to-switch links, port-channels and MLAG pairs a topology file describes.
struct Expected {
  std::set<std::string> links;
  std::set<std::string> port_channels;  // "leaf1a Port-Channel11"
  std::set<std::string> mlag_pairs;     // "leaf1a leaf1b pod1 Port-Channel1000"
};

Expected expected_fabric(const json& topology) {
  Expected e;
  auto end = [](const std::string& text) {
    const auto colon = text.find(':');
    return InterfaceId{SwitchId(text.substr(0, colon)), InterfaceName(text.substr(colon + 1))};
  };
  const json& fabric = topology["fabric"];
  for (const json& l : fabric["links"]) {
    e.links.insert(link_text(LinkId::of(end(l["a"]), end(l["b"]))));
  }
  for (const json& m : fabric["mlag"]) {
    const std::string a = m["peers"][0], b = m["peers"][1];
    for (const json& member : m["members"]) {
      e.links.insert(link_text(LinkId::of(end(a + ":" + member.get<std::string>()),
                                          end(b + ":" + member.get<std::string>()))));
    }
    const MlagId id = MlagId::of(SwitchId(a), SwitchId(b));
    e.mlag_pairs.insert(id.first.str() + " " + id.second.str() + " " +
                        m["domain"].get<std::string>() + " " + m["peer_link"].get<std::string>());
    e.port_channels.insert(a + " " + m["peer_link"].get<std::string>());
    e.port_channels.insert(b + " " + m["peer_link"].get<std::string>());
  }
  for (const json& p : fabric["port_channels"]) {
    e.port_channels.insert(p["switch"].get<std::string>() + " " + p["name"].get<std::string>());
  }
  return e;
}

Expected discovered(const Snapshot& g) {
  Expected e;
  for (const Link& l : g.all<Link>()) e.links.insert(link_text(l.id));
  for (const PortChannel& p : g.all<PortChannel>()) {
    e.port_channels.insert(p.id.sw.str() + " " + p.id.name.str());
  }
  for (const MlagPair& m : g.all<MlagPair>()) {
    e.mlag_pairs.insert(m.id.first.str() + " " + m.id.second.str() + " " + m.domain + " " +
                        m.peer_link.str());
  }
  return e;
}

EosEmulator::Options lab_emulator() {
  EosEmulator::Options o;
  o.topology_file = lab_topology_file();
  return o;
}

// The lab fabric emulated, with an agent per switch that has polled it once.
struct PolledLab {
  EosEmulator emu{lab_emulator()};
  GraphPipeline pipeline;
  Fleet fleet{pipeline, emu, manual_polls()};
  PolledLab() { REQUIRE(fleet.wait_polls(1, std::chrono::seconds(20))); }
};

}  // namespace

TEST_CASE("discovery of the 2-spine 4-leaf lab gives exactly the topology's fabric") {
  PolledLab lab;
  auto& [emu, pipeline, fleet] = lab;
  pipeline.flush();

  const Expected want = expected_fabric(lab_topology());
  const Expected got = discovered(*pipeline.graph());
  CHECK(got.links == want.links);
  CHECK(got.port_channels == want.port_channels);
  CHECK(got.mlag_pairs == want.mlag_pairs);
  for (const Switch& s : pipeline.graph()->all<Switch>()) {
    CHECK(s.reachability == Reachability::kReachable);
    CHECK(s.hostname == s.id.str());
    CHECK(s.vlans.contains(VlanId::checked(10)));
  }
  // ESX uplinks on a distributed switch are LLDP neighbours of their leaf port.
  const Interface* esx = pipeline.graph()->find<Interface>(
      InterfaceId{SwitchId("leaf1a"), InterfaceName("Ethernet11")});
  REQUIRE(esx);
  CHECK(esx->channel_group == InterfaceName("Port-Channel11"));

  // A second round of polls finds the same fabric and changes nothing but each switch's
  // last poll time.
  const auto non_switch_changes = [&] {
    return pipeline.changes() - pipeline.changes(EntityKind::kSwitch);
  };
  const std::uint64_t changes_before = non_switch_changes();
  fleet.poll_all();
  REQUIRE(fleet.wait_polls(2, 20s));
  pipeline.flush();
  CHECK(discovered(*pipeline.graph()).links == want.links);
  CHECK(non_switch_changes() == changes_before);
}

// The sanitized Debug build runs the emulator and the client tens of times slower: fewer switches
// there, so that CPU time does not hide what is measured (the slow switch delaying no other).
#ifdef __SANITIZE_ADDRESS__
constexpr int kFleetSize = 40;
#else
constexpr int kFleetSize = 200;
#endif

TEST_CASE("200 switches are polled at once and one answering after 5 s delays no other") {
  // A fabric of kFleetSize small leaves (no links: the point is the concurrency).
  TempDir dir;
  json topology = {{"fabric",
                    {{"admin_vlans", json::array({{{"id", 10}, {"name", "mgmt"}}})},
                     {"switches", json::array()},
                     {"links", json::array()},
                     {"mlag", json::array()},
                     {"port_channels", json::array()}}},
                   {"vcenters", json::array()}};
  for (int i = 0; i < kFleetSize; ++i) {
    char mac[32];
    std::snprintf(mac, sizeof mac, "00:1c:73:10:%02x:%02x", i / 256, i % 256);
    topology["fabric"]["switches"].push_back({{"name", "leaf" + std::to_string(i)},
                                              {"role", "leaf"},
                                              {"model", "DCS-7050SX3-48YC8"},
                                              {"serial", "SSJ1" + std::to_string(1000 + i)},
                                              {"system_mac", mac},
                                              {"ethernet_ports", 8}});
  }
  const std::string file = dir.file("fabric200.json");
  std::ofstream(file) << topology.dump();

  EosEmulator::Options options;
  options.topology_file = file;
  EosEmulator emu(options);
  emu.inject({{"switch", "leaf7"}, {"kind", "latency"}, {"latency_ms", 5000}});

  GraphPipeline pipeline;
  SwitchAgentOptions agent_options = manual_polls();
  agent_options.eapi.limits.request_timeout = 10s;
  Fleet fleet(pipeline, emu, agent_options);
  REQUIRE(fleet.wait_polls(1, 30s));

  const auto polls = fleet.first_polls();
  Clock::duration slowest_other{};
  for (const auto& [name, at] : polls) {
    if (name != "leaf7") slowest_other = std::max(slowest_other, at);
  }
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  INFO("slowest of the " << kFleetSize - 1 << " others: " << ms(slowest_other)
                         << " ms; leaf7: " << ms(polls.at("leaf7")) << " ms");
  CHECK(polls.at("leaf7") >= 5s);
  // The others finished long before the slow one answered.
  CHECK(slowest_other < 3s);
  pipeline.flush();
  for (const Switch& s : pipeline.graph()->all<Switch>()) {
    CHECK(s.reachability == Reachability::kReachable);
  }
}

TEST_CASE("an apply through the agent reaches the switch and the graph") {
  PolledLab lab;
  auto& [emu, pipeline, fleet] = lab;

  ChangeSet cs;
  cs.create_vlans[VlanId::checked(130)] = "app";
  cs.interfaces[InterfaceName("Ethernet49")].add = VlanSet::of({130});
  std::promise<ApplyResult> done;
  fleet.agent("leaf2a").apply(cs, "vmfabric-7", [&](ApplyResult r) { done.set_value(r); });
  const ApplyResult result = done.get_future().get();
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(pipeline.wait_for([](const Snapshot& g) {
    const Interface* i =
        g.find<Interface>(InterfaceId{SwitchId("leaf2a"), InterfaceName("Ethernet49")});
    const Switch* s = g.find<Switch>(SwitchId("leaf2a"));
    return i && s && i->allowed.contains(VlanId::checked(130)) &&
           s->vlans.contains(VlanId::checked(130));
  }));
  // The read-back covered VLAN 130 and Ethernet49 only: what the poll said of the rest stays.
  {
    const auto g = pipeline.graph();
    const Switch* s = g->find<Switch>(SwitchId("leaf2a"));
    REQUIRE(s);
    CHECK(s->vlans.contains(VlanId::checked(10)));
    const Interface* other =
        g->find<Interface>(InterfaceId{SwitchId("leaf2a"), InterfaceName("Ethernet50")});
    REQUIRE(other);
    CHECK(other->allowed.contains(VlanId::checked(10)));
  }

  SECTION("a refused apply is reported and changes nothing") {
    ChangeSet bad;
    bad.interfaces[InterfaceName("Ethernet999")].add = VlanSet::of({130});
    std::promise<ApplyResult> refused;
    fleet.agent("leaf2a").apply(bad, "vmfabric-8", [&](ApplyResult r) { refused.set_value(r); });
    const ApplyResult r = refused.get_future().get();
    CHECK_FALSE(r.ok());
    CHECK(r.failure == ApplyError::Outcome::kNotApplied);
    CHECK(emu.journal("leaf2a").size() == 1);
  }
}

TEST_CASE("a switch that stops answering is marked unreachable and recovers") {
  PolledLab lab;
  auto& [emu, pipeline, fleet] = lab;

  emu.inject({{"switch", "spine2"}, {"kind", "http500"}});
  fleet.agent("spine2").poll_now();
  CHECK(pipeline.wait_for([](const Snapshot& g) {
    const Switch* s = g.find<Switch>(SwitchId("spine2"));
    return s && s->reachability == Reachability::kUnreachable &&
           s->last_error.find("HTTP 500") != std::string::npos;
  }));
  // What was learnt before stays in the graph.
  CHECK(pipeline.graph()->find<Interface>(
      InterfaceId{SwitchId("spine2"), InterfaceName("Ethernet1")}));

  emu.clear_faults();
  fleet.agent("spine2").poll_now();
  CHECK(pipeline.wait_for([](const Snapshot& g) {
    const Switch* s = g.find<Switch>(SwitchId("spine2"));
    return s && s->reachability == Reachability::kReachable && s->last_error.empty();
  }));
}

TEST_CASE("stopping an agent ends a poll in flight at once and marks nothing") {
  EosEmulator emu(lab_emulator());
  emu.inject({{"switch", "spine1"}, {"kind", "latency"}, {"latency_ms", 5000}});
  GraphPipeline pipeline;
  std::optional<Fleet> fleet;
  fleet.emplace(pipeline, emu, manual_polls());
  // spine1's first poll is in flight (its answer 5 s away) once its request reached the
  // emulator, which tells only when asked.
  const auto deadline = Clock::now() + 10s;
  while (emu.stats().at("spine1").at("requests").get<int>() < 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(emu.stats().at("spine1").at("requests").get<int>() == 1);
  const auto start = Clock::now();
  fleet.reset();
  CHECK(Clock::now() - start < 2s);
  pipeline.flush();
  const Switch* spine = pipeline.graph()->find<Switch>(SwitchId("spine1"));
  REQUIRE(spine);
  CHECK(spine->reachability == Reachability::kUnknown);
}
