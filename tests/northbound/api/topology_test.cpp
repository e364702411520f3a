// GET /topology on the planner's pod lab: switches with their tier, MLAG peer and pending
// changes, clusters, hosts and VMs as nodes; fabric links, MLAG peer-links and ESX uplinks
// (through their port-channel) as edges; vms=false; bad queries; the route's cached body.
#include <catch2/catch.hpp>
#include <set>

#include "controller/planner/lab.h"
#include "fixed_source.h"
#include "northbound/api/render.h"
#include "northbound/api/routes.h"
#include "viewer_routes.h"

using namespace vmfabric;
using namespace vmfabric::northbound;
using namespace vmfabric::planner::testing;
using api::json;
using vmfabric::testing::FixedSource;
using vmfabric::testing::policy_config;
using vmfabric::testing::view_of;

namespace {

// The pod lab with web-1 (dv-web 120 and pg-app 110) running on esx-a1, db-1 powered off on
// esx-b1 and mover moving from esx-a2 to esx-b1; plus oob, a switch cabled to nothing.
Lab topology_lab() {
  Lab lab = pod_lab();
  const HostId a1 = host_id(lab, "esx-a1.lab.local");
  const HostId b1 = host_id(lab, "esx-b1.lab.local");
  const VmId web = lab.add_vm("web-1", a1);
  lab.add_dv_nic(web, dv_portgroup_id("dv-web"));
  lab.add_nic(web, "pg-app");
  lab.add_dv_nic(lab.add_vm("db-1", b1, PowerState::kPoweredOff), dv_portgroup_id("dv-web"));
  const VmId mover = lab.add_vm("mover", host_id(lab, "esx-a2.lab.local"));
  lab.add_dv_nic(mover, dv_portgroup_id("dv-trunk"));
  lab.migrate(mover, b1);
  lab.add_switch("oob");
  return lab;
}

json topology(const api::View& view, bool vms = true) {
  return api::topology(view, api::pending_diff(view, {policy_config(), {}, {}, 0}), vms);
}

// The VLAN changes GET /plan lists for `sw`: VLANs to create and delete, and each VLAN to add
// to or remove from an interface.
std::size_t vlan_count(const json& ranges) {
  const std::string text = ranges.get<std::string>();
  return text.empty() ? 0 : VlanSet::parse(text).size();
}

std::size_t plan_changes(const api::View& view, const std::string& sw) {
  const json plan =
      api::get_plan(view, {policy_config(), {}, {}, 0}, router::Query::parse("switch=" + sw));
  REQUIRE(plan["items"].size() == 1);
  const json& p = plan["items"][0];
  std::size_t n = p["create_vlans"].size() + vlan_count(p["delete_vlans"]);
  for (const json& i : p["interfaces"]) n += vlan_count(i["add"]) + vlan_count(i["remove"]);
  return n;
}

const json& with_id(const json& list, const std::string& id) {
  for (const json& i : list) {
    if (i["id"] == id) return i;
  }
  FAIL("no id " << id << " in " << list.dump());
  return list;
}

std::size_t count_kind(const json& list, const std::string& kind) {
  std::size_t n = 0;
  for (const json& i : list) n += i["kind"] == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("topology: switches with their tier, MLAG peer and pending changes", "[api]") {
  Lab lab = topology_lab();
  const api::View view = view_of(lab.snapshot());
  const json t = topology(view);
  CHECK(t["graph_version"] == lab.snapshot().version());
  CHECK(with_id(t["nodes"], "switch:leaf1a") ==
        json{{"id", "switch:leaf1a"},
             {"kind", "switch"},
             {"name", "leaf1a"},
             {"tier", "leaf"},
             {"reachability", "reachable"},
             {"mlag_domain", "pod1"},
             {"mlag_peer", "leaf1b"},
             {"pending_changes", plan_changes(view, "leaf1a")}});
  CHECK(plan_changes(view, "leaf1a") > 0);
  const json& spine = with_id(t["nodes"], "switch:spine1");
  CHECK(spine["tier"] == "spine");
  CHECK(spine["mlag_domain"].is_null());
  CHECK(spine["mlag_peer"].is_null());
  CHECK(with_id(t["nodes"], "switch:leaf2b")["mlag_peer"] == "leaf2a");
  const json& oob = with_id(t["nodes"], "switch:oob");
  CHECK(oob["tier"] == "other");
  CHECK(oob["pending_changes"] == 0);
  CHECK(count_kind(t["nodes"], "switch") == 7);
}

TEST_CASE("topology: clusters, hosts and VMs with host, state and VLANs", "[api]") {
  Lab lab = topology_lab();
  const api::View view = view_of(lab.snapshot());
  const json t = topology(view);
  const HostId a1 = host_id(lab, "esx-a1.lab.local");
  const std::string a1_id = "host:vc1/" + a1.moref;
  CHECK(with_id(t["nodes"], "cluster:vc1/domain-cluster-a") ==
        json{{"id", "cluster:vc1/domain-cluster-a"},
             {"kind", "cluster"},
             {"name", "cluster-a"},
             {"vcenter", "vc1"}});
  CHECK(with_id(t["nodes"], a1_id) == json{{"id", a1_id},
                                           {"kind", "host"},
                                           {"name", "esx-a1.lab.local"},
                                           {"vcenter", "vc1"},
                                           {"cluster", "cluster:vc1/domain-cluster-a"},
                                           {"connection", "connected"}});
  CHECK(count_kind(t["nodes"], "cluster") == 2);
  CHECK(count_kind(t["nodes"], "host") == 3);

  const Vm* web = view.vms_named("web-1").front();
  const json& vm = with_id(t["nodes"], "vm:vc1/" + web->id.moref);
  CHECK(vm == json{{"id", "vm:vc1/" + web->id.moref},
                   {"kind", "vm"},
                   {"name", "web-1"},
                   {"vcenter", "vc1"},
                   {"host", a1_id},
                   {"state", "running"},
                   {"vlans", {110, 120}}});
  const Vm* mover = view.vms_named("mover").front();
  const json& moving = with_id(t["nodes"], "vm:vc1/" + mover->id.moref);
  CHECK(moving["state"] == "moving");
  CHECK(moving["vlans"].size() == 11);  // dv-trunk: 200-210
  CHECK(with_id(t["nodes"], "vm:vc1/" + view.vms_named("db-1").front()->id.moref)["state"] ==
        "powered-off");
  CHECK(count_kind(t["nodes"], "vm") == 3);

  const json without = topology(view, false);
  CHECK(count_kind(without["nodes"], "vm") == 0);
  CHECK(without["nodes"].size() == t["nodes"].size() - 3);
  CHECK(without["edges"] == t["edges"]);
}

TEST_CASE("topology: fabric links, MLAG peer-links and uplinks through port-channels", "[api]") {
  Lab lab = topology_lab();
  const api::View view = view_of(lab.snapshot());
  const json t = topology(view);
  CHECK(with_id(t["edges"], "link:leaf1a:Ethernet49|spine1:Ethernet1") ==
        json{{"id", "link:leaf1a:Ethernet49|spine1:Ethernet1"},
             {"kind", "fabric"},
             {"source", "switch:leaf1a"},
             {"source_interface", "Ethernet49"},
             {"target", "switch:spine1"},
             {"target_interface", "Ethernet1"}});
  // 8 leaf-spine links and the 2 cables of each of the 2 peer-links.
  CHECK(count_kind(t["edges"], "fabric") == 12);
  CHECK(with_id(t["edges"], "mlag:leaf1a|leaf1b") ==
        json{{"id", "mlag:leaf1a|leaf1b"},
             {"kind", "mlag-peer"},
             {"source", "switch:leaf1a"},
             {"source_interface", "Port-Channel1000"},
             {"target", "switch:leaf1b"},
             {"target_interface", "Port-Channel1000"}});
  CHECK(count_kind(t["edges"], "mlag-peer") == 2);

  const std::string a1 = "vc1/" + host_id(lab, "esx-a1.lab.local").moref;
  CHECK(with_id(t["edges"], "uplink:" + a1 + ":vmnic3") == json{{"id", "uplink:" + a1 + ":vmnic3"},
                                                                {"kind", "uplink"},
                                                                {"source", "host:" + a1},
                                                                {"source_interface", "vmnic3"},
                                                                {"target", "switch:leaf1b"},
                                                                {"target_interface", "Ethernet11"},
                                                                {"port_channel", "Port-Channel11"},
                                                                {"learned", "host-lldp"}});
  const json& access = with_id(t["edges"], "uplink:" + a1 + ":vmnic0");
  CHECK(access["target"] == "switch:leaf1a");
  CHECK(access["target_interface"] == "Ethernet1");
  CHECK(access["port_channel"].is_null());
  CHECK(count_kind(t["edges"], "uplink") == 12);  // 3 hosts, 4 vmnics each

  // Every id is unique and every edge joins two nodes.
  std::set<std::string> ids;
  for (const json& n : t["nodes"]) CHECK(ids.insert(n["id"].get<std::string>()).second);
  for (const json& e : t["edges"]) {
    CHECK(ids.insert(e["id"].get<std::string>()).second);
    CHECK(ids.contains(e["source"].get<std::string>()));
    CHECK(ids.contains(e["target"].get<std::string>()));
  }
}

TEST_CASE("topology: a bad query parameter is a 400 naming it", "[api]") {
  for (const char* bad : {"vms=no", "vms=", "colour=red"}) {
    INFO(bad);
    bool thrown = false;
    try {
      api::topology_vms(router::Query::parse(bad));
    } catch (const router::Problem& p) {
      thrown = true;
      CHECK(p.status() == 400);
      CHECK(p.extra() ==
            http::Headers{{"param", std::string(bad).substr(0, std::string(bad).find('='))}});
    }
    CHECK(thrown);
  }
  CHECK(api::topology_vms(router::Query::parse("")));
  CHECK(api::topology_vms(router::Query::parse("vms=true")));
  CHECK_FALSE(api::topology_vms(router::Query::parse("vms=false")));
}

TEST_CASE("the topology route renders once per view and checks its query", "[api]") {
  Lab lab = topology_lab();
  FixedSource source(lab.snapshot());
  api::Endpoints endpoints(source);
  vmfabric::testing::ViewerRoutes routes(endpoints);
  const auto full = routes.get("/api/v1/topology");
  REQUIRE(full.status == 200);
  CHECK(full.header("content-type") == "application/json");
  const json body = json::parse(full.body);
  CHECK(body == topology(*endpoints.view()));
  CHECK(routes.get("/api/v1/topology?vms=true").body == full.body);
  CHECK(source.created_calls == 1);
  const auto lean = routes.get("/api/v1/topology?vms=false");
  CHECK(json::parse(lean.body) == topology(*endpoints.view(), false));
  CHECK(source.created_calls == 2);
  CHECK(routes.get("/api/v1/topology?vms=false").body == lean.body);
  CHECK(source.created_calls == 2);

  const auto bad = routes.get("/api/v1/topology?vms=maybe");
  CHECK(bad.status == 400);
  CHECK(bad.header("content-type") == "application/problem+json");
  CHECK(json::parse(bad.body)["param"] == "vms");
  CHECK(routes.get("/api/v1/topology", "").status == 401);
}
