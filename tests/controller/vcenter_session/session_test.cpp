// The vCenter connector against VMware's simulator over real SOAP: initial sync field by field
// against govmomi's own view, every client operation reaching the graph within a second, two
// vCenters with the same names, restart with a changed inventory, TLS trust and credentials.
#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "support/process.h"
#include "vcsim.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const char* power_name(PowerState p) {
  return p == PowerState::kPoweredOn ? "on" : p == PowerState::kPoweredOff ? "off" : "suspended";
}

std::string vlan_text(const PortgroupVlan& v) {
  switch (v.mode) {
    case VlanMode::kUntagged:
      return "0";
    case VlanMode::kVlan:
      return v.vlans.to_string();
    case VlanMode::kTrunk:
      return "trunk:" + v.vlans.to_string();
    case VlanMode::kPrivate:
      return "pvlan:" + v.vlans.to_string();
  }
  return "?";
}

// What vCenter says (govmomi's inventory JSON) and what the graph holds, rendered to the same
// canonical lines, so a mismatch shows exactly which field differs.
std::set<std::string> expected_lines(const json& inv, const std::string& vc) {
  std::set<std::string> out;
  std::map<std::string, std::string> cluster_moref;
  for (const auto& c : inv["clusters"]) {
    cluster_moref[c["name"]] = c["moref"];
    out.insert("cluster " + vc + "/" + c["moref"].get<std::string>() + " " +
               c["name"].get<std::string>());
  }
  std::map<std::string, std::string> dvs_moref;
  for (const auto& d : inv["dvswitches"]) {
    dvs_moref[d["name"]] = d["moref"];
    out.insert("dvs " + d["moref"].get<std::string>() + " " + d["name"].get<std::string>() + " " +
               d["uuid"].get<std::string>());
  }
  std::map<std::string, std::string> dvpg_key;
  for (const auto& p : inv["dv_portgroups"]) {
    dvpg_key[p["name"]] = p["key"];
    std::string vlan = p["uplink"].get<bool>() ? "uplink"
                       : p.contains("trunk")
                           ? "trunk:" + VlanSet::parse(p["trunk"].get<std::string>()).to_string()
                       : p.contains("pvlan") ? "pvlan:" + std::to_string(p["pvlan"].get<int>())
                       : p.contains("vlan")  ? std::to_string(p["vlan"].get<int>())
                                             : "0";
    out.insert("dvpg " + p["key"].get<std::string>() + " " + p["name"].get<std::string>() +
               " dvs=" + dvs_moref[p["dvswitch"]] + " vlan=" + vlan);
  }
  std::map<std::string, std::string> host_moref;
  for (const auto& h : inv["hosts"]) host_moref[h["name"]] = h["moref"];
  for (const auto& h : inv["hosts"]) {
    const std::string id = h["moref"];
    out.insert("host " + id + " " + h["name"].get<std::string>() +
               " cluster=" + cluster_moref[h["cluster"]]);
    for (const auto& n : h["pnics"]) {
      out.insert("pnic " + id + "/" + n["device"].get<std::string>() + " " +
                 n["mac"].get<std::string>());
    }
    for (const auto& s : h["vswitches"]) {
      out.insert("vswitch " + id + "/" + s["name"].get<std::string>() +
                 " uplinks=" + s["uplinks"].dump());
    }
    for (const auto& p : h["portgroups"]) {
      const int v = p["vlan"];
      out.insert("pg " + id + "/" + p["name"].get<std::string>() +
                 " vswitch=" + p["vswitch"].get<std::string>() + " vlan=" +
                 (v == 0      ? "0"
                  : v == 4095 ? "trunk:ALL"
                              : std::to_string(v)));
    }
    for (const auto& s : h["proxy_switches"]) {
      out.insert("proxy " + id + " dvs=" + dvs_moref[s["dvswitch"]] +
                 " uplinks=" + s["uplinks"].dump());
    }
    for (const auto& k : h["vmknics"]) {
      const std::string pg = k.contains("dvswitch") ? "dv:" + dvpg_key[k["portgroup"]]
                                                    : k["portgroup"].get<std::string>();
      out.insert("vmk " + id + "/" + k["device"].get<std::string>() + " " +
                 k["mac"].get<std::string>() + " pg=" + pg);
    }
  }
  for (const auto& v : inv["vms"]) {
    const std::string id = v["moref"];
    out.insert("vm " + id + " " + v["name"].get<std::string>() + " " +
               v["power"].get<std::string>() + " host=" + host_moref[v["host"]]);
    for (const auto& n : v["nics"]) {
      const std::string pg = n.contains("dvswitch") ? "dv:" + dvpg_key[n["portgroup"]]
                                                    : n["portgroup"].get<std::string>();
      out.insert("vnic " + id + "/" + std::to_string(n["key"].get<int>()) + " " +
                 n["mac"].get<std::string>() + " pg=" + pg);
    }
  }
  return out;
}

std::set<std::string> graph_lines(const Snapshot& g, const std::string& vc) {
  std::set<std::string> out;
  for (const Cluster& c : g.all<Cluster>()) {
    if (c.id.vcenter.str() == vc) out.insert("cluster " + vc + "/" + c.id.moref + " " + c.name);
  }
  for (const DistributedSwitch& d : g.all<DistributedSwitch>()) {
    if (d.id.vcenter.str() == vc) out.insert("dvs " + d.id.moref + " " + d.name + " " + d.uuid);
  }
  for (const DvPortgroup& p : g.all<DvPortgroup>()) {
    if (p.id.vcenter.str() != vc) continue;
    out.insert("dvpg " + p.id.moref + " " + p.name + " dvs=" + p.dvs.moref +
               " vlan=" + (p.uplink ? "uplink" : vlan_text(p.vlan)));
  }
  for (const Host& h : g.all<Host>()) {
    if (h.id.vcenter.str() != vc) continue;
    out.insert("host " + h.id.moref + " " + h.name +
               " cluster=" + (h.cluster ? h.cluster->moref : ""));
  }
  for (const Pnic& p : g.all<Pnic>()) {
    if (p.id.host.vcenter.str() == vc)
      out.insert("pnic " + p.id.host.moref + "/" + p.id.name + " " + p.mac);
  }
  for (const VSwitch& s : g.all<VSwitch>()) {
    if (s.id.host.vcenter.str() != vc) continue;
    if (s.kind == VSwitchKind::kStandard) {
      out.insert("vswitch " + s.id.host.moref + "/" + s.id.name +
                 " uplinks=" + json(s.uplinks).dump());
    } else {
      out.insert("proxy " + s.id.host.moref + " dvs=" + (s.dvs ? s.dvs->moref : "") +
                 " uplinks=" + json(s.uplinks).dump());
    }
  }
  for (const StandardPortgroup& p : g.all<StandardPortgroup>()) {
    if (p.id.host.vcenter.str() != vc) continue;
    out.insert("pg " + p.id.host.moref + "/" + p.id.name + " vswitch=" + p.vswitch +
               " vlan=" + vlan_text(p.vlan));
  }
  for (const VmkNic& k : g.all<VmkNic>()) {
    if (k.id.host.vcenter.str() != vc) continue;
    const std::string pg = k.dv_portgroup ? "dv:" + k.dv_portgroup->moref : k.portgroup;
    out.insert("vmk " + k.id.host.moref + "/" + k.id.name + " " + k.mac + " pg=" + pg);
  }
  for (const Vm& v : g.all<Vm>()) {
    if (v.id.vcenter.str() != vc) continue;
    out.insert("vm " + v.id.moref + " " + v.name + " " + power_name(v.power) +
               " host=" + (v.host ? v.host->moref : ""));
  }
  for (const VmNic& n : g.all<VmNic>()) {
    if (n.id.vm.vcenter.str() != vc) continue;
    const std::string pg = n.backing.dv_portgroup ? "dv:" + n.backing.dv_portgroup->moref
                                                  : n.backing.standard_portgroup;
    out.insert("vnic " + n.id.vm.moref + "/" + std::to_string(n.id.key) + " " + n.mac +
               " pg=" + pg);
  }
  return out;
}

bool synced(const Snapshot& g, const std::string& vc) {
  const VCenter* v = vcenter_of(g, vc);
  return v != nullptr && v->synced && v->session == SessionState::kConnected;
}

// Runs `action`, then waits for `pred`; returns how long the graph took to show it.
std::chrono::milliseconds time_until(Pipeline& p, const std::function<void()>& action,
                                     const std::function<bool(const Snapshot&)>& pred) {
  action();
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(p.wait_for(pred, 10s));
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

std::string write_json(const TempDir& dir, const std::string& name, const json& j) {
  return dir.write(name, j.dump(2));
}

Vcsim::Options with(const std::function<void(Vcsim::Options&)>& set) {
  Vcsim::Options o;
  set(o);
  return o;
}

TlsTrust trust(const std::function<void(TlsTrust&)>& set) {
  TlsTrust t;
  set(t);
  return t;
}

json topology() {
  std::ifstream in(default_vcsim_topology());
  return json::parse(in);
}

}  // namespace

TEST_CASE("initial sync mirrors the simulator's inventory field by field", "[vcenter][vcsim]") {
  // In one part, and in parts of 3 objects: each next part is fetched while the last is parsed.
  const int max_object_updates = GENERATE(1000, 3);
  CAPTURE(max_object_updates);
  Vcsim sim(Vcsim::Options{});
  Pipeline p;
  vcenter::SessionOptions options = Pipeline::fast_options();
  options.max_object_updates = max_object_updates;
  p.add_session(vcenter_config("vc1", sim), options);
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));

  const json inv = sim.inventory();
  const auto g = p.graph();
  REQUIRE(graph_lines(*g, "vc1") == expected_lines(inv, "vc1"));
  REQUIRE(g->count<Vm>() == inv["vms"].size());
  REQUIRE(g->count<Host>() == inv["hosts"].size());
  REQUIRE(vcenter_of(*g, "vc1")->instance_uuid == inv["instance_uuid"].get<std::string>());

  // QueryNetworkHint: DVS uplinks hear their leaf over LLDP.
  std::size_t with_lldp = 0;
  for (const Pnic& pnic : g->all<Pnic>()) {
    if (pnic.lldp) {
      ++with_lldp;
      REQUIRE_FALSE(pnic.lldp->port_id.empty());
      REQUIRE_FALSE(pnic.lldp->system_name.empty());
    }
  }
  REQUIRE(with_lldp > 0);

  // And the store holds the same graph.
  Graph reloaded;
  reloaded.apply(p.store().load());
  p.stop_sessions();
  REQUIRE(graph_lines(reloaded.current(), "vc1") == expected_lines(inv, "vc1"));
}

TEST_CASE("every client operation reaches the graph within a second", "[vcenter][vcsim]") {
  Vcsim sim(Vcsim::Options{});
  Pipeline p;
  p.add_session(vcenter_config("vc1", sim));
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  std::vector<std::pair<std::string, std::chrono::milliseconds>> timings;
  auto vm = [](const Snapshot& g, const char* name) { return vm_named(g, "vc1", name); };

  timings.emplace_back("poweroff", time_until(
                                       p,
                                       [&] {
                                         sim.client({"poweroff", "web-1"});
                                       },
                                       [&](const Snapshot& g) {
                                         return vm(g, "web-1")->power == PowerState::kPoweredOff;
                                       }));
  timings.emplace_back("poweron", time_until(
                                      p,
                                      [&] {
                                        sim.client({"poweron", "web-1"});
                                      },
                                      [&](const Snapshot& g) {
                                        return vm(g, "web-1")->power == PowerState::kPoweredOn;
                                      }));

  // Migration: the start event marks the VM moving to its destination before it arrives.
  const auto g0 = p.graph();
  const HostId dest = host_named(*g0, "vc1", "esx-a2.lab.local")->id;
  std::atomic<bool> migrated{false};
  // A future, not a thread: a failed migrate then fails the test where it is waited for.
  auto mover = std::async(std::launch::async, [&] {
    sim.client({"migrate", "web-1", "esx-a2.lab.local"});
    migrated = true;
  });
  REQUIRE(p.wait_for([&](const Snapshot& g) {
    const Vm* v = vm(g, "web-1");
    return v->migrating_to == dest && v->host != dest;
  }));
  REQUIRE_FALSE(migrated);
  mover.get();
  const auto arrived = std::chrono::steady_clock::now();
  REQUIRE(p.wait_for([&](const Snapshot& g) {
    const Vm* v = vm(g, "web-1");
    return v->host == dest && !v->migrating_to;
  }));
  timings.emplace_back("migrate", std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - arrived));

  timings.emplace_back("set-nic", time_until(
                                      p,
                                      [&] {
                                        sim.client({"set-nic", "web-1", "0", "pg-app"});
                                      },
                                      [&](const Snapshot& g) {
                                        const Vm* v = vm(g, "web-1");
                                        const VmNic* n = g.find<VmNic>({v->id, 4000});
                                        return n != nullptr &&
                                               n->backing.standard_portgroup == "pg-app" &&
                                               !n->backing.dv_portgroup;
                                      }));
  const HostId a1 = host_named(*g0, "vc1", "esx-a1.lab.local")->id;
  timings.emplace_back(
      "add-portgroup",
      time_until(
          p,
          [&] {
            sim.client({"add-portgroup", "esx-a1.lab.local", "vSwitch0", "pg-new", "300"});
          },
          [&](const Snapshot& g) {
            const auto* pg = g.find<StandardPortgroup>({a1, "pg-new"});
            return pg != nullptr && pg->vlan.vlans == VlanSet::of({300});
          }));
  timings.emplace_back(
      "set-portgroup-vlan",
      time_until(
          p,
          [&] {
            sim.client({"set-portgroup-vlan", "esx-a1.lab.local", "pg-new", "301"});
          },
          [&](const Snapshot& g) {
            const auto* pg = g.find<StandardPortgroup>({a1, "pg-new"});
            return pg != nullptr && pg->vlan.vlans == VlanSet::of({301});
          }));
  auto dvpg = [](const Snapshot& g, const char* name) -> const DvPortgroup* {
    for (const DvPortgroup& pg : g.all<DvPortgroup>()) {
      if (pg.name == name) return &pg;
    }
    return nullptr;
  };
  timings.emplace_back(
      "set-dvportgroup-vlan",
      time_until(
          p,
          [&] {
            sim.client({"set-dvportgroup-vlan", "dv-web", "125"});
          },
          [&](const Snapshot& g) { return dvpg(g, "dv-web")->vlan.vlans == VlanSet::of({125}); }));
  timings.emplace_back("set-dvportgroup-vlan --trunk",
                       time_until(
                           p,
                           [&] {
                             sim.client({"set-dvportgroup-vlan", "dv-trunk", "--trunk", "400-410"});
                           },
                           [&](const Snapshot& g) {
                             const auto* pg = dvpg(g, "dv-trunk");
                             return pg->vlan.mode == VlanMode::kTrunk &&
                                    pg->vlan.vlans == VlanSet::parse("400-410");
                           }));
  timings.emplace_back("create-vm",
                       time_until(
                           p,
                           [&] {
                             sim.client({"create-vm", "new-1", "esx-b1.lab.local", "dv-web"});
                           },
                           [&](const Snapshot& g) {
                             const Vm* v = vm(g, "new-1");
                             return v != nullptr && g.find<VmNic>({v->id, 4000}) != nullptr;
                           }));
  const VmId new_id = vm(*p.graph(), "new-1")->id;
  timings.emplace_back(
      "destroy-vm",
      time_until(
          p,
          [&] {
            sim.client({"destroy-vm", "new-1"});
          },
          [&](const Snapshot& g) {
            return g.find<Vm>(new_id) == nullptr && g.find<VmNic>({new_id, 4000}) == nullptr;
          }));

  for (const auto& [op, ms] : timings) {
    WARN(op << ": in the graph " << ms.count() << " ms after the client returned");
    CHECK(ms < 1000ms);
  }
  // After all of it, the graph still equals vCenter's own view.
  REQUIRE(graph_lines(*p.graph(), "vc1") == expected_lines(sim.inventory(), "vc1"));
}

TEST_CASE("migration starts beyond the watched event page are read again from a larger page",
          "[vcenter][vcsim]") {
  Vcsim sim(with([](auto& o) { o.vmotion_delay = "5s"; }));
  const std::vector<std::pair<std::string, std::string>> moves = {
      {"web-1", "esx-a2.lab.local"}, {"web-2", "esx-a1.lab.local"}, {"app-1", "esx-b2.lab.local"}};
  auto moving = [&](const std::string& vc) {
    return [&, vc](const Snapshot& g) {
      for (const auto& [name, host] : moves) {
        const Vm* v = vm_named(g, vc, name);
        const Host* dest = host_named(g, vc, host);
        if (v == nullptr || dest == nullptr || v->migrating_to != dest->id || v->host == dest->id) {
          return false;
        }
      }
      return true;
    };
  };
  // A session with the default page sees the three starts as they are posted...
  Pipeline watcher;
  watcher.add_session(vcenter_config("vc1", sim));
  REQUIRE(watcher.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  std::vector<std::future<void>> movers;
  for (const auto& [vm, host] : moves) {
    movers.push_back(std::async(std::launch::async, [&sim, vm = vm, host = host] {
      sim.client({"migrate", vm, host});
    }));
  }
  REQUIRE(watcher.wait_for(moving("vc1"), 4s));
  // ... then one whose page holds a single event syncs while they are under way: its page comes
  // cut, and the session reads the newest 1,000 from a collector made for it.
  Pipeline p;
  vcenter::SessionOptions options = Pipeline::fast_options();
  options.event_page = 1;
  p.add_session(vcenter_config("vc1", sim), options);
  REQUIRE(p.wait_for(moving("vc1"), 4s));
  for (auto& mover : movers) mover.get();  // the moves have completed
  REQUIRE(p.wait_for([&](const Snapshot& g) {
    for (const auto& [name, host] : moves) {
      const Vm* v = vm_named(g, "vc1", name);
      if (v->host != host_named(g, "vc1", host)->id || v->migrating_to) return false;
    }
    return true;
  }));
}

TEST_CASE("two vCenters with the same names stay distinct", "[vcenter][vcsim]") {
  TempDir dir;
  json topo = topology();
  // The same names, morefs and portgroups in a second vCenter; the lab still needs its own
  // MACs and cabling.
  json second = topo["vcenters"][0];
  second["name"] = "vc2";
  auto other_mac = [](json& mac) { mac = "02" + mac.get<std::string>().substr(2); };
  for (auto& cluster : second["clusters"]) {
    for (auto& host : cluster["hosts"]) {
      for (auto& pnic : host["pnics"]) {
        other_mac(pnic["mac"]);
        pnic.erase("switch");
        pnic.erase("interface");
        pnic.erase("lldp");
      }
    }
  }
  for (auto& vm : second["vms"]) {
    for (auto& nic : vm["nics"]) other_mac(nic["mac"]);
  }
  topo["vcenters"].push_back(second);
  const std::string file = write_json(dir, "two.json", topo);
  Vcsim sim1(with([&](auto& o) {
    o.topology = file;
    o.vcenter = "vc1";
  }));
  Vcsim sim2(with([&](auto& o) {
    o.topology = file;
    o.vcenter = "vc2";
  }));
  Pipeline p;
  p.add_session(vcenter_config("vc1", sim1));
  p.add_session(vcenter_config("vc2", sim2));
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1") && synced(g, "vc2"); }));
  const auto g = p.graph();
  REQUIRE(graph_lines(*g, "vc1") == expected_lines(sim1.inventory(), "vc1"));
  REQUIRE(graph_lines(*g, "vc2") == expected_lines(sim2.inventory(), "vc2"));
  const Vm* a = vm_named(*g, "vc1", "web-1");
  const Vm* b = vm_named(*g, "vc2", "web-1");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  REQUIRE_FALSE(a->id == b->id);
  REQUIRE(g->count<Vm>() == 2 * topo["vcenters"][0]["vms"].size());

  // A change in one leaves the other alone.
  sim2.client({"poweroff", "web-1"});
  REQUIRE(p.wait_for([](const Snapshot& s) {
    return vm_named(s, "vc2", "web-1")->power == PowerState::kPoweredOff;
  }));
  REQUIRE(vm_named(*p.graph(), "vc1", "web-1")->power == PowerState::kPoweredOn);
}

TEST_CASE("a restarted vCenter with a changed inventory converges, stale objects removed",
          "[vcenter][vcsim]") {
  TempDir dir;
  auto sim = std::make_unique<Vcsim>(Vcsim::Options{});
  const std::uint16_t port = sim->port();
  Pipeline p;
  p.add_session(vcenter_config("vc1", *sim));
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  REQUIRE(vm_named(*p.graph(), "vc1", "db-1") != nullptr);

  sim->kill();
  // Out of sync while it is gone: the planner's prune freeze.
  REQUIRE(p.wait_for([](const Snapshot& g) {
    const VCenter* v = vcenter_of(g, "vc1");
    return !v->synced && v->session != SessionState::kConnected && !v->last_error.empty();
  }));
  // Its inventory stays in the graph meanwhile (nothing is known to be gone yet).
  REQUIRE(vm_named(*p.graph(), "vc1", "db-1") != nullptr);

  json topo = topology();
  auto& vms = topo["vcenters"][0]["vms"];
  for (auto it = vms.begin(); it != vms.end(); ++it) {
    if ((*it)["name"] == "db-1") {
      vms.erase(it);
      break;
    }
  }
  vms.push_back({{"name", "cache-1"},
                 {"host", "esx-b2.lab.local"},
                 {"power", "on"},
                 {"nics", {{{"portgroup", "dv-web"}, {"mac", "00:50:56:80:00:99"}}}}});
  sim = std::make_unique<Vcsim>(with([&](auto& o) {
    o.topology = write_json(dir, "changed.json", topo);
    o.port = port;
  }));
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }, 30s));
  const auto g = p.graph();
  REQUIRE(vm_named(*g, "vc1", "db-1") == nullptr);
  REQUIRE(vm_named(*g, "vc1", "cache-1") != nullptr);
  REQUIRE(graph_lines(*g, "vc1") == expected_lines(sim->inventory(), "vc1"));
}

TEST_CASE("TLS: a vCenter is trusted by CA or pinned fingerprint, and refused otherwise",
          "[vcenter][vcsim][tls]") {
  TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    ChildProcess proc(std::move(args));
    proc.drain_stderr();
    REQUIRE(proc.wait(30s) == 0);
  };
  const std::string ca_key = dir.file("ca.key"), ca = dir.file("ca.pem");
  const std::string key = dir.file("vc.key"), csr = dir.file("vc.csr"), cert = dir.file("vc.pem");
  const std::string ext = dir.write("ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
       "-out", ca, "-days", "2", "-subj", "/CN=vmfabric test CA"});
  run({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", "/CN=127.0.0.1"});
  run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
       "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext});
  std::string fingerprint;
  {
    ChildProcess fp({"/usr/bin/openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"});
    const auto line = fp.read_line(30s);
    REQUIRE(fp.wait(30s) == 0);
    fingerprint = line->substr(line->find('=') + 1);
    fingerprint.erase(std::remove(fingerprint.begin(), fingerprint.end(), ':'), fingerprint.end());
    std::transform(fingerprint.begin(), fingerprint.end(), fingerprint.begin(), ::tolower);
  }
  Vcsim sim(with([&](auto& o) {
    o.cert = cert;
    o.key = key;
  }));
  REQUIRE(sim.url().rfind("https://", 0) == 0);

  SECTION("the CA verifies it") {
    Pipeline p;
    p.add_session(vcenter_config("vc1", sim, trust([&](auto& t) { t.ca_file = ca; })));
    REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  }
  SECTION("a pinned fingerprint accepts it") {
    Pipeline p;
    p.add_session(
        vcenter_config("vc1", sim, trust([&](auto& t) { t.fingerprint_sha256 = fingerprint; })));
    REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  }
  SECTION("the system CAs do not") {
    Pipeline p;
    p.add_session(vcenter_config("vc1", sim));
    REQUIRE(p.wait_for([](const Snapshot& g) {
      const VCenter* v = vcenter_of(g, "vc1");
      return v != nullptr && v->last_error.find("certificate") != std::string::npos;
    }));
    REQUIRE_FALSE(vcenter_of(*p.graph(), "vc1")->synced);
    REQUIRE(p.graph()->count<Vm>() == 0);
  }
  SECTION("a wrong pin does not") {
    Pipeline p;
    p.add_session(vcenter_config(
        "vc1", sim, trust([](auto& t) { t.fingerprint_sha256 = std::string(64, 'a'); })));
    REQUIRE(p.wait_for([&](const Snapshot& g) {
      const VCenter* v = vcenter_of(g, "vc1");
      return v != nullptr && v->last_error.find(fingerprint) != std::string::npos;
    }));
    REQUIRE(p.graph()->count<Vm>() == 0);
  }
}

TEST_CASE("wrong credentials are refused, reported and retried", "[vcenter][vcsim]") {
  Vcsim sim(with([](auto& o) { o.password = "the-right-one"; }));
  Pipeline p;
  p.add_session(vcenter_config("vc1", sim));  // sends vc-password
  REQUIRE(p.wait_for([](const Snapshot& g) {
    const VCenter* v = vcenter_of(g, "vc1");
    return v != nullptr && v->last_error.find("InvalidLogin") != std::string::npos;
  }));
  REQUIRE_FALSE(vcenter_of(*p.graph(), "vc1")->synced);
  REQUIRE(p.graph()->count<Host>() == 0);
}

TEST_CASE("an expired session is logged in again and resynced without spurious changes",
          "[vcenter][vcsim]") {
  // The simulator expires sessions idle for 1 s, and a long poll does not count as activity:
  // the first poll after the initial sync outlives the session.
  Vcsim sim(with([](auto& o) { o.session_idle = "1s"; }));
  Pipeline p;
  auto options = Pipeline::fast_options();
  options.max_wait = std::chrono::seconds(3);
  p.add_session(vcenter_config("vc1", sim), options);
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }));
  const auto before = p.graph();
  const std::uint64_t changes_before = p.inventory_changes();
  REQUIRE(p.wait_for([](const Snapshot& g) { return !vcenter_of(g, "vc1")->synced; }, 30s));
  REQUIRE(vcenter_of(*p.graph(), "vc1")->last_error.find("NotAuthenticated") != std::string::npos);
  REQUIRE(p.wait_for([](const Snapshot& g) { return synced(g, "vc1"); }, 30s));
  // Same inventory as before the expiry: the resync changed nothing but the vCenter's state.
  REQUIRE(p.inventory_changes() == changes_before);
  REQUIRE(graph_lines(*p.graph(), "vc1") == graph_lines(*before, "vc1"));
  REQUIRE(graph_lines(*p.graph(), "vc1") == expected_lines(sim.inventory(), "vc1"));
}
