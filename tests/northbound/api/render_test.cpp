// Every read endpoint's JSON on the planner's pod lab, through the pure render functions (and
// through the routes once): switches with their MLAG peer, interfaces with observed vs desired
// VLANs and roles, hosts with located uplinks, VMs with state and vNICs, vCenters, VLANs with
// the planner's reasons, the plan, the journal; pagination and filters; bad input.
#include "northbound/api/render.h"

#include <catch2/catch.hpp>

#include "controller/planner/lab.h"
#include "fixed_source.h"
#include "northbound/api/routes.h"
#include "northbound/http/time.h"
#include "support/temp_dir.h"
#include "viewer_routes.h"

using namespace vmfabric;
using namespace vmfabric::northbound;
using namespace vmfabric::planner::testing;
using api::json;
using vmfabric::testing::FixedSource;
using vmfabric::testing::policy_config;
using vmfabric::testing::view_of;

namespace {

// The pod lab with VMs: web-1 (dv-web, VLAN 120) and app-1 (pg-app, 110) running on esx-a1,
// db-1 powered off on esx-b1 (dv-web), mover moving from esx-a2 to esx-b1 (dv-trunk).
Lab vm_lab() {
  Lab lab = pod_lab();
  const HostId a1 = host_id(lab, "esx-a1.lab.local");
  const HostId a2 = host_id(lab, "esx-a2.lab.local");
  const HostId b1 = host_id(lab, "esx-b1.lab.local");
  lab.add_dv_nic(lab.add_vm("web-1", a1), dv_portgroup_id("dv-web"));
  lab.add_nic(lab.add_vm("app-1", a1), "pg-app");
  lab.add_dv_nic(lab.add_vm("db-1", b1, PowerState::kPoweredOff), dv_portgroup_id("dv-web"));
  const VmId mover = lab.add_vm("mover", a2);
  lab.add_dv_nic(mover, dv_portgroup_id("dv-trunk"));
  lab.migrate(mover, b1);
  // EOS lists each port-channel among the interfaces too.
  for (const PortChannel& pc : lab.snapshot().all<PortChannel>()) {
    Interface i;
    i.id = {pc.id.sw, pc.id.name};
    i.oper_up = true;
    i.mode = SwitchportMode::kTrunk;
    lab.upsert(i);
  }
  return lab;
}

router::Query query(std::string_view q = "") { return router::Query::parse(q); }

std::vector<std::string> names(const json& list, const char* key = "name") {
  std::vector<std::string> out;
  for (const json& item : list["items"]) out.push_back(item[key].get<std::string>());
  return out;
}

const json& item_named(const json& items, const std::string& name) {
  for (const json& i : items) {
    if (i["name"] == name) return i;
  }
  FAIL("no item " << name << " in " << items.dump());
  return items;
}

// The status and parameter of the Problem `f` throws.
template <class F>
std::pair<int, std::string> problem_of(F f) {
  try {
    f();
  } catch (const router::Problem& p) {
    std::string param;
    for (const auto& [k, v] : p.extra()) {
      if (k == "param") param = v;
    }
    return {p.status(), param};
  }
  return {0, ""};
}

}  // namespace

TEST_CASE("switches: identity, reachability and MLAG peer", "[api]") {
  Lab lab = vm_lab();
  const api::View view = view_of(lab.snapshot());
  const json list = api::list_switches(view, query());
  CHECK(names(list) ==
        std::vector<std::string>{"leaf1a", "leaf1b", "leaf2a", "leaf2b", "spine1", "spine2"});
  CHECK(list["total"] == 6);
  CHECK(list["next_cursor"].is_null());
  const json& leaf = item_named(list["items"], "leaf1a");
  CHECK(leaf["reachability"] == "reachable");
  CHECK(leaf["system_mac"] == switch_mac(3));
  CHECK(leaf["mlag"] == json{{"domain", "pod1"},
                             {"peer", "leaf1b"},
                             {"peer_link", "Port-Channel1000"},
                             {"active", true}});
  CHECK(item_named(list["items"], "spine1")["mlag"].is_null());
  CHECK(leaf["esx_facing_interfaces"].get<int>() > 0);

  const json one = api::get_switch(view, "leaf2b");
  CHECK(one["mlag"]["peer"] == "leaf2a");
  CHECK(one["planned_vlans"] == "130,200-210");  // db-1 is off; mover brings the trunk
  CHECK(one["vlans"].is_array());
  CHECK(problem_of([&] { api::get_switch(view, "leaf9"); }).first == 404);

  CHECK(names(api::list_switches(view, query("reachability=unreachable"))).empty());
  CHECK(problem_of([&] { api::list_switches(view, query("reachability=up")); }) ==
        std::make_pair(400, std::string("reachability")));
  CHECK(problem_of([&] { api::list_switches(view, query("colour=red")); }) ==
        std::make_pair(400, std::string("colour")));
}

TEST_CASE("interfaces: role, observed vs desired VLANs, neighbours and ESX uplinks", "[api]") {
  Lab lab = vm_lab();
  // leaf1a's port-channel to esx-a1 allows 120 and an unneeded 150 today.
  Interface pc = lab.get<Interface>({SwitchId("leaf1a"), InterfaceName("Port-Channel11")});
  pc.allowed = VlanSet::parse("120,150");
  lab.upsert(pc);
  const api::View view = view_of(lab.snapshot());

  const json list = api::list_interfaces(view, "leaf1a", query());
  const json& p = item_named(list["items"], "Port-Channel11");
  CHECK(p["role"] == "esx-facing");
  CHECK(p["mode"] == "trunk");
  CHECK(p["members"] == json::array({"Ethernet11"}));
  CHECK(p["allowed_vlans"] == json{{"observed", "120,150"},
                                   {"desired", "120,130"},
                                   {"to_add", "130"},
                                   {"to_remove", "150"}});
  CHECK(p["esx_uplinks"] == json::array({{{"host", "esx-a1.lab.local"},
                                          {"pnic", "vmnic2"},
                                          {"port", "Ethernet11"},
                                          {"learned_by", "host-lldp"}}}));

  const json& up = item_named(list["items"], "Ethernet49");
  CHECK(up["role"] == "inter-switch");
  CHECK(up["links"] == json::array({{{"switch", "spine1"}, {"interface", "Ethernet1"}}}));
  // 120 joins leaf1a and leaf1b over their peer-link; the trunk of mover (moving to pod2)
  // crosses the spines.
  CHECK(up["allowed_vlans"]["desired"] == "130,200-210");

  const json& member = item_named(list["items"], "Ethernet11");
  CHECK(member["role"] == "other");
  CHECK(member["channel_group"] == "Port-Channel11");
  CHECK(member["allowed_vlans"]["desired"].is_null());
  CHECK(member["lldp_neighbors"].size() == 1);

  CHECK(names(api::list_interfaces(view, "leaf1a", query("role=inter-switch"))) ==
        std::vector<std::string>{"Ethernet49", "Ethernet50", "Port-Channel1000"});
  CHECK(names(api::list_interfaces(view, "leaf1a", query("vlan=150"))) ==
        std::vector<std::string>{"Port-Channel11"});
  CHECK(problem_of([&] { api::list_interfaces(view, "nope", query()); }).first == 404);
  CHECK(problem_of([&] { api::list_interfaces(view, "leaf1a", query("vlan=4095")); }) ==
        std::make_pair(400, std::string("vlan")));
  CHECK(problem_of([&] { api::list_interfaces(view, "leaf1a", query("role=edge")); }) ==
        std::make_pair(400, std::string("role")));
}

TEST_CASE("hosts: cluster, vCenter and each uplink's switch port and how it was learnt", "[api]") {
  Lab lab = vm_lab();
  // vmnic1 of esx-b1 hears nothing: not located, never guessed.
  const HostId b1 = host_id(lab, "esx-b1.lab.local");
  lab.set_pnic_hints(b1, "vmnic1", std::nullopt, std::nullopt);
  Interface port = lab.get<Interface>({SwitchId("leaf2b"), InterfaceName("Ethernet1")});
  port.lldp.clear();
  lab.upsert(port);
  const api::View view = view_of(lab.snapshot());

  const json list = api::list_hosts(view, query());
  CHECK(names(list) ==
        std::vector<std::string>{"esx-a1.lab.local", "esx-a2.lab.local", "esx-b1.lab.local"});
  const json& a1 = item_named(list["items"], "esx-a1.lab.local");
  CHECK(a1["vcenter"] == "vc1");
  CHECK(a1["cluster"] == "cluster-a");
  CHECK(a1["vms"] == 2);
  const json& vmnic2 = a1["uplinks"][2];
  CHECK(vmnic2["pnic"] == "vmnic2");
  CHECK(vmnic2["located"] == true);
  CHECK(vmnic2["switch"] == "leaf1a");
  CHECK(vmnic2["interface"] == "Ethernet11");
  CHECK(vmnic2["attachment"] == "Port-Channel11");
  CHECK(vmnic2["learned_by"] == "host-lldp");

  const json b = api::get_host(view, "esx-b1.lab.local", query());
  CHECK(b["uplinks"][1]["located"] == false);
  CHECK(b["uplinks"][1]["problem"].is_string());
  CHECK(b["vswitches"].size() == 2);
  CHECK(b["vmknics"][0]["vlans"] == "10");
  CHECK(b["vm_list"] == json::array({{{"name", "db-1"}, {"state", "powered-off"}}}));

  CHECK(names(api::list_hosts(view, query("cluster=cluster-a"))) ==
        std::vector<std::string>{"esx-a1.lab.local", "esx-a2.lab.local"});
  CHECK(names(api::list_hosts(view, query("switch=leaf2a"))) ==
        std::vector<std::string>{"esx-b1.lab.local"});
  CHECK(problem_of([&] { api::get_host(view, "esx-z9", query()); }).first == 404);
}

TEST_CASE("VMs: host, state, vNICs with portgroup and VLAN; filters", "[api]") {
  Lab lab = vm_lab();
  const api::View view = view_of(lab.snapshot());
  const json web = api::get_vm(view, "web-1", query());
  CHECK(web["host"] == "esx-a1.lab.local");
  CHECK(web["cluster"] == "cluster-a");
  CHECK(web["state"] == "running");
  CHECK(web["migrating_to"].is_null());
  REQUIRE(web["nics"].size() == 1);
  CHECK(web["nics"][0]["portgroup"] == "dv-web");
  CHECK(web["nics"][0]["distributed"] == true);
  CHECK(web["nics"][0]["vlan_mode"] == "vlan");
  CHECK(web["nics"][0]["vlans"] == "120");
  CHECK(web["nics"][0]["mac"].is_string());

  const json app = api::get_vm(view, "app-1", query());
  CHECK(app["nics"][0]["portgroup"] == "pg-app");
  CHECK(app["nics"][0]["distributed"] == false);
  CHECK(app["nics"][0]["vlans"] == "110");

  const json mover = api::get_vm(view, "mover", query());
  CHECK(mover["state"] == "moving");
  CHECK(mover["migrating_to"] == "esx-b1.lab.local");
  CHECK(mover["nics"][0]["vlan_mode"] == "trunk");

  CHECK(names(api::list_vms(view, query())) ==
        std::vector<std::string>{"app-1", "db-1", "mover", "web-1"});
  CHECK(names(api::list_vms(view, query("state=running"))) ==
        std::vector<std::string>{"app-1", "web-1"});
  CHECK(names(api::list_vms(view, query("vlan=120"))) == std::vector<std::string>{"db-1", "web-1"});
  CHECK(names(api::list_vms(view, query("vlan=205"))) == std::vector<std::string>{"mover"});
  CHECK(names(api::list_vms(view, query("host=esx-a1.lab.local&vlan=120&state=running"))) ==
        std::vector<std::string>{"web-1"});
  CHECK(names(api::list_vms(view, query("host=esx-q"))).empty());
  CHECK(problem_of([&] { api::list_vms(view, query("state=on")); }) ==
        std::make_pair(400, std::string("state")));
  CHECK(problem_of([&] { api::list_vms(view, query("vlan=web")); }) ==
        std::make_pair(400, std::string("vlan")));
  CHECK(problem_of([&] { api::get_vm(view, "ghost", query()); }).first == 404);
}

TEST_CASE("a name in two vCenters is ambiguous until the vCenter is given", "[api]") {
  Lab lab = vm_lab();
  VCenter vc2;
  vc2.id = VCenterId("vc2");
  lab.upsert(vc2);
  Vm twin;
  twin.id = VmId{VCenterId("vc2"), "vm-9"};
  twin.name = "web-1";
  lab.upsert(twin);
  const api::View view = view_of(lab.snapshot());
  CHECK(problem_of([&] { api::get_vm(view, "web-1", query()); }).first == 409);
  CHECK(api::get_vm(view, "web-1", query("vcenter=vc2"))["id"] == "vm-9");
  CHECK(api::get_vm(view, "web-1", query("vcenter=vc1"))["host"] == "esx-a1.lab.local");
  CHECK(names(api::list_vms(view, query("vcenter=vc2"))) == std::vector<std::string>{"web-1"});
}

TEST_CASE("lists page with limit and an opaque cursor", "[api]") {
  Lab lab = vm_lab();
  const api::View view = view_of(lab.snapshot());
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const json page =
        api::list_switches(view, query("limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    CHECK(page["total"] == 6);
    for (const auto& n : names(page)) seen.push_back(n);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(pages == 2);
  CHECK(seen == names(api::list_switches(view, query())));

  for (const char* bad : {"limit=0", "limit=1001", "limit=ten", "limit=-1"}) {
    CHECK(problem_of([&] { api::list_vms(view, query(bad)); }) ==
          std::make_pair(400, std::string("limit")));
  }
  CHECK(problem_of([&] { api::list_vms(view, query("cursor=zzz")); }) ==
        std::make_pair(400, std::string("cursor")));
  CHECK(api::decode_cursor(api::encode_cursor("web-1\x1fvc1\x1fvm-1")) == "web-1\x1fvc1\x1fvm-1");
}

TEST_CASE("vCenters: session, sync and last update", "[api]") {
  Lab lab = vm_lab();
  VCenter vc = lab.get<VCenter>(kVc);
  vc.session = SessionState::kConnected;
  vc.synced = true;
  vc.url = "https://vc1.example.com/sdk";
  vc.last_update_ms = 1795625392884;
  lab.upsert(vc);
  const api::View view = view_of(lab.snapshot());
  const json list = api::list_vcenters(view, query());
  REQUIRE(list["items"].size() == 1);
  CHECK(list["items"][0] == json{{"name", "vc1"},
                                 {"url", "https://vc1.example.com/sdk"},
                                 {"session", "connected"},
                                 {"in_sync", true},
                                 {"last_update", "2026-11-25T16:49:52.884Z"},
                                 {"last_error", nullptr},
                                 {"instance_uuid", ""},
                                 {"hosts", 3},
                                 {"vms", 4}});
}

TEST_CASE("VLANs: where each is planned, and why", "[api]") {
  Lab lab = vm_lab();
  const api::View view = view_of(lab.snapshot());
  const json list = api::list_vlans(view, query());
  std::vector<int> ids;
  for (const json& v : list["items"]) ids.push_back(v["id"]);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  const json* v120 = nullptr;
  for (const json& v : list["items"]) {
    if (v["id"] == 120) v120 = &v;
  }
  REQUIRE(v120 != nullptr);
  CHECK((*v120)["portgroups"] == json::array({"dv-web"}));
  CHECK((*v120)["managed"] == true);
  CHECK((*v120)["name"] == "dv-web");
  const json unmanaged = api::list_vlans(view, query("managed=false"));
  REQUIRE(unmanaged["items"].size() == 1);
  CHECK(unmanaged["items"][0]["id"] == 10);  // Management Network
  CHECK(unmanaged["items"][0]["portgroups"] == json::array({"Management Network"}));

  const json v = api::get_vlan(view, "120");
  CHECK(v["vms"] == json::array({"db-1", "web-1"}));
  const json* leaf1a = nullptr;
  for (const json& s : v["switches"]) {
    if (s["name"] == "leaf1a") leaf1a = &s;
  }
  REQUIRE(leaf1a != nullptr);
  CHECK((*leaf1a)["planned_in_database"] == true);
  const json& pc = item_named((*leaf1a)["interfaces"], "Port-Channel11");
  CHECK(pc["desired"] == true);
  CHECK(pc["observed"] == false);
  CHECK(pc["role"] == "esx-facing");
  CHECK(pc["reasons"] == json::array({"VM web-1 on esx-a1.lab.local via dv-web (VLAN 120)"}));
  const json& peer = item_named((*leaf1a)["interfaces"], "Port-Channel1000");
  CHECK(peer["reasons"].size() >= 1);

  CHECK(problem_of([&] { api::get_vlan(view, "5000"); }).first == 404);
  CHECK(problem_of([&] { api::get_vlan(view, "web"); }).first == 404);
  CHECK(problem_of([&] { api::get_vlan(view, "3000"); }).first == 404);
}

TEST_CASE("the plan: pending changes per switch", "[api]") {
  Lab lab = vm_lab();
  const api::View view = view_of(lab.snapshot());
  const json plan = api::get_plan(view, {policy_config(), {}, {}, 1795625392884}, query());
  CHECK(plan["apply"] == "auto");
  CHECK(plan["removals_frozen"].is_null());
  const json* leaf1a = nullptr;
  for (const json& s : plan["items"]) {
    if (s["switch"] == "leaf1a") leaf1a = &s;
  }
  REQUIRE(leaf1a != nullptr);
  CHECK((*leaf1a)["in_sync"] == false);
  CHECK((*leaf1a)["create_vlans"][0] == json{{"id", 110}, {"name", "pg-app"}});
  const json& pc = item_named((*leaf1a)["interfaces"], "Port-Channel11");
  CHECK(pc["add"] == "120,130");
  CHECK(pc["remove"] == "");
  CHECK(pc["role"] == "esx-facing");
  CHECK((*leaf1a)["reasons"].size() >= 2);

  const json one = api::get_plan(view, {policy_config(), {}, {}, 0}, query("switch=spine2"));
  CHECK(names(one, "switch") == std::vector<std::string>{"spine2"});
  CHECK(api::get_plan(view, {policy_config(), {}, {}, 0}, query("pending=false"))["items"].empty());
}

TEST_CASE("changes: the journal newest first, filtered and paged", "[api]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("vmfabric.db"));
  auto entry = [&](const std::string& sw, std::int64_t at, std::vector<std::string> commands) {
    JournalEntry e;
    e.created_ms = at;
    e.switch_name = sw;
    e.session = "s" + std::to_string(at);
    e.commands = std::move(commands);
    e.reason = "test";
    e.cause = "VM web-1";
    return store->journal_begin(e);
  };
  const auto t0 = *http::parse_time("2026-11-25T10:00:00Z");
  const auto id1 = entry("leaf1a", t0,
                         {"interface Port-Channel11", "switchport trunk allowed vlan add 110-125"});
  const auto id2 = entry("leaf1b", t0 + 60'000, {"vlan 130", "name vmotion"});
  const auto id3 = entry("leaf1a", t0 + 120'000, {"no vlan 140,150"});
  store->journal_finish(id1, JournalResult::kApplied, "verified", t0 + 500);

  auto run = [&](std::string_view q) {
    const JournalQuery jq = api::changes_query(query(q));
    return api::list_changes(store->journal(jq), jq);
  };
  auto ids = [](const json& page) {
    std::vector<std::int64_t> out;
    for (const json& i : page["items"]) out.push_back(i["id"]);
    return out;
  };
  const json all = run("");
  CHECK(ids(all) == std::vector<std::int64_t>{id3, id2, id1});
  const json& first = all["items"][2];
  CHECK(first["result"] == "applied");
  CHECK(first["created"] == "2026-11-25T10:00:00.000Z");
  CHECK(first["finished"] == "2026-11-25T10:00:00.500Z");
  CHECK(first["commands"][1] == "switchport trunk allowed vlan add 110-125");
  CHECK(all["items"][0]["finished"].is_null());

  CHECK(ids(run("switch=leaf1a")) == std::vector<std::int64_t>{id3, id1});
  CHECK(ids(run("vlan=120")) == std::vector<std::int64_t>{id1});
  CHECK(ids(run("vlan=150")) == std::vector<std::int64_t>{id3});
  CHECK(ids(run("vlan=130")) == std::vector<std::int64_t>{id2});
  CHECK(ids(run("vlan=200")).empty());
  CHECK(ids(run("since=2026-11-25T10:01:00Z")) == std::vector<std::int64_t>{id3, id2});
  CHECK(ids(run("until=2026-11-25T11:01:00%2B01:00")) == std::vector<std::int64_t>{id1});

  const json p1 = run("limit=2");
  CHECK(ids(p1) == std::vector<std::int64_t>{id3, id2});
  REQUIRE(p1["next_cursor"].is_string());
  const json p2 = run("limit=2&cursor=" + p1["next_cursor"].get<std::string>());
  CHECK(ids(p2) == std::vector<std::int64_t>{id1});
  CHECK(p2["next_cursor"].is_null());

  CHECK(problem_of([&] { run("since=yesterday"); }) == std::make_pair(400, std::string("since")));
  CHECK(problem_of([&] { run("vm=web-1"); }) == std::make_pair(400, std::string("vm")));
}

TEST_CASE("the routes serve every endpoint as JSON behind a token", "[api]") {
  Lab lab = vm_lab();
  FixedSource source(lab.snapshot());
  api::Endpoints endpoints(source);
  vmfabric::testing::ViewerRoutes routes(endpoints);
  const auto get = [&](const std::string& target, const std::string& token = "t") {
    return routes.get(target, token);
  };
  for (const char* target :
       {"/api/v1/switches", "/api/v1/switches/leaf1a", "/api/v1/switches/leaf1a/interfaces",
        "/api/v1/hosts", "/api/v1/hosts/esx-a1.lab.local", "/api/v1/vms", "/api/v1/vms/web-1",
        "/api/v1/vcenters", "/api/v1/vlans", "/api/v1/vlans/120", "/api/v1/plan",
        "/api/v1/changes"}) {
    INFO(target);
    const auto r = get(target);
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == "application/json");
    CHECK_NOTHROW(json::parse(r.body));
    CHECK(get(target, "").status == 401);
  }
  CHECK(get("/healthz", "").status == 200);
  CHECK(json::parse(get("/healthz", "").body)["status"] == "ok");
  CHECK(get("/api/v1/switches/leaf1a?x=1").status == 400);
  CHECK(get("/api/v1/vms/ghost").status == 404);
  CHECK(get("/api/v1/vms?host=esx-a1.lab.local&state=running").status == 200);
  // The view is shared while the graph and plan stay the same.
  CHECK(endpoints.view() == endpoints.view());
}
