// The REST API of a running vmfabricd on the lab (the vCenter simulator harness and the EOS
// fabric emulator serving tests/sim/eos/testdata/topology.json): every read endpoint with real
// data once the fabric converged, the authentication matrix, and a live change seen through it.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "lab.h"
#include "model/vlan_set.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json get(E2eLab& lab, const std::string& target) {
  const auto r = lab.api_get(target);
  INFO(target << ": " << r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.header("content-type") == "application/json");
  return json::parse(r.body);
}

const json& named(const json& items, const std::string& key, const std::string& value) {
  for (const json& i : items) {
    if (i[key] == value) return i;
  }
  FAIL("no " << key << "=" << value << " in " << items.dump());
  return items;
}

bool vlans_contain(const json& text, int vlan) {
  return text.is_string() &&
         VlanSet::parse(text.get<std::string>()).contains(VlanId::checked(vlan));
}

}  // namespace

TEST_CASE("the API shows the converged lab", "[e2e]") {
  E2eLab lab{E2eLab::Options{}};
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 120) &&
           lab.allows("leaf1b", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 120);
  }));
  lab.wait_quiet();

  SECTION("authentication") {
    CHECK(lab.api_get("/healthz", "").status == 200);
    const auto none = lab.api_get("/api/v1/vms", "");
    CHECK(none.status == 401);
    CHECK(none.header("www-authenticate") == "Bearer realm=\"vmfabric\"");
    CHECK(none.header("content-type") == "application/problem+json");
    CHECK(lab.api_get("/api/v1/vms", "vmf_0000000000000000_" + std::string(64, '0')).status == 401);
    const std::string admin = lab.create_token("e2e-admin", "admin");
    CHECK(lab.eventually([&] { return lab.api_get("/api/v1/vms", admin).status == 200; }));
    CHECK(lab.api_get("/api/v1/vms/no-such-vm").status == 404);
    CHECK(lab.api_get("/api/v1/vms?state=sleeping").status == 400);
    CHECK(lab.api_get("/api/v1/nothing").status == 404);
    CHECK(lab.api_get("/api/v1/switches?limit=0").status == 400);
  }

  SECTION("switches and interfaces") {
    const json switches = get(lab, "/api/v1/switches");
    CHECK(switches["total"] == 6);
    for (const json& s : switches["items"]) CHECK(s["reachability"] == "reachable");
    const json& leaf1a = named(switches["items"], "name", "leaf1a");
    CHECK(leaf1a["mlag"]["peer"] == "leaf1b");
    CHECK(leaf1a["mlag"]["domain"] == "pod1");
    CHECK(leaf1a["model"] == "DCS-7050SX3-48YC8");
    CHECK(leaf1a["eos_version"].get<std::string>().size() > 0);
    CHECK(get(lab, "/api/v1/switches/spine1")["serial"] == "SSJ0001");

    const json esx = get(lab, "/api/v1/switches/leaf1a/interfaces?role=esx-facing");
    const json& pc = named(esx["items"], "name", "Port-Channel11");
    CHECK(vlans_contain(pc["allowed_vlans"]["observed"], 120));
    CHECK(vlans_contain(pc["allowed_vlans"]["desired"], 120));
    CHECK(pc["allowed_vlans"]["to_add"] == "");
    CHECK(named(pc["esx_uplinks"], "host", "esx-a1.lab.local")["pnic"].is_string());
    const json inter = get(lab, "/api/v1/switches/leaf1a/interfaces?role=inter-switch");
    CHECK(named(inter["items"], "name", "Ethernet49")["links"][0]["switch"] == "spine1");
  }

  SECTION("hosts, VMs and vCenters") {
    const json host = get(lab, "/api/v1/hosts/esx-a1.lab.local");
    CHECK(host["cluster"] == "cluster-a");
    CHECK(host["vcenter"] == "vc1");
    const json& vmnic2 = named(host["uplinks"], "pnic", "vmnic2");
    CHECK(vmnic2["located"] == true);
    CHECK(vmnic2["switch"] == "leaf1a");
    CHECK(vmnic2["attachment"] == "Port-Channel11");
    CHECK(vmnic2["learned_by"].is_string());
    CHECK(get(lab, "/api/v1/hosts?cluster=cluster-b")["total"] == 2);

    const json web = get(lab, "/api/v1/vms/web-1");
    CHECK(web["state"] == "running");
    CHECK(web["host"] == "esx-a1.lab.local");
    REQUIRE(web["nics"].size() == 1);
    CHECK(web["nics"][0]["portgroup"] == "dv-web");
    CHECK(web["nics"][0]["vlans"] == "120");
    CHECK(web["nics"][0]["mac"] == "00:50:56:80:00:01");
    const json off = get(lab, "/api/v1/vms?state=powered-off");
    CHECK(named(off["items"], "name", "app-1")["host"] == "esx-b1.lab.local");
    const json on_120 = get(lab, "/api/v1/vms?vlan=120&limit=1");
    CHECK(on_120["items"].size() == 1);
    CHECK(on_120["next_cursor"].is_string());

    const json vcenters = get(lab, "/api/v1/vcenters");
    REQUIRE(vcenters["items"].size() == 1);
    CHECK(vcenters["items"][0]["session"] == "connected");
    CHECK(vcenters["items"][0]["in_sync"] == true);
    CHECK(vcenters["items"][0]["last_update"].is_string());
  }

  SECTION("VLANs, the plan and the journal") {
    const json v = get(lab, "/api/v1/vlans/120");
    CHECK(v["managed"] == true);
    const json& leaf1a = named(v["switches"], "name", "leaf1a");
    CHECK(leaf1a["in_database"] == true);
    const json& pc = named(leaf1a["interfaces"], "name", "Port-Channel11");
    CHECK(pc["desired"] == true);
    CHECK(pc["observed"] == true);
    bool web_reason = false;
    for (const json& r : pc["reasons"]) {
      web_reason |= r.get<std::string>().find("VM web-1 on esx-a1.lab.local") != std::string::npos;
    }
    CHECK(web_reason);

    const json plan = get(lab, "/api/v1/plan");
    CHECK(plan["removals_frozen"].is_null());
    for (const json& s : plan["items"]) CHECK(s["in_sync"] == true);
    CHECK(get(lab, "/api/v1/plan?pending=true")["items"].empty());

    const json changes = get(lab, "/api/v1/changes?switch=leaf1a&vlan=120");
    REQUIRE_FALSE(changes["items"].empty());
    for (const json& c : changes["items"]) {
      CHECK(c["switch"] == "leaf1a");
      CHECK(c["result"] == "applied");
    }
  }
}

TEST_CASE("the API follows a live change", "[e2e]") {
  E2eLab lab{E2eLab::Options{}};
  REQUIRE(lab.eventually([&] { return lab.allows("leaf1a", "Port-Channel11", 120); }));
  lab.vcenter().client({"poweroff", "web-1"});
  CHECK(lab.eventually([&] { return get(lab, "/api/v1/vms/web-1")["state"] == "powered-off"; }));
  // Removal waits for the hold-down: the plan shows it pending, then it happens.
  CHECK(lab.eventually([&] { return !lab.allows("leaf1a", "Port-Channel11", 120); }));
  CHECK(lab.eventually([&] {
    const json changes = get(lab, "/api/v1/changes?switch=leaf1a&vlan=120&limit=1");
    return !changes["items"].empty() &&
           changes["items"][0]["commands"].dump().find("remove 120") != std::string::npos;
  }));
}

namespace {

// The value of the sample written `sample` (name and labels as rendered:
// `vmfabric_changes_total{result="applied"}`) in a /metrics text; nothing when absent.
std::optional<double> metric(const std::string& text, const std::string& sample) {
  const std::string prefix = sample + " ";
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

std::string metrics(E2eLab& lab) {
  const auto r = lab.api_get("/metrics");
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  return r.body;
}

}  // namespace

TEST_CASE("the lab's metrics: switches, vCenter and the changes applied", "[e2e]") {
  E2eLab lab{E2eLab::Options{}};
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 120) &&
           lab.allows("leaf1b", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 120);
  }));
  const std::size_t commits = lab.wait_quiet();
  CHECK(lab.api_get("/metrics", "").status == 401);

  const std::string text = metrics(lab);
  INFO(text);
  const json switches = get(lab, "/api/v1/switches");
  REQUIRE(switches["total"] == 6);
  for (const json& s : switches["items"]) {
    const std::string name = s["name"].get<std::string>();
    CHECK(metric(text, "vmfabric_switch_reachable{switch=\"" + name + "\"}") == 1.0);
    CHECK(metric(text, "vmfabric_switch_state{switch=\"" + name + "\",state=\"reachable\"}") ==
          1.0);
    CHECK(metric(text, "vmfabric_switch_last_poll_timestamp_seconds{switch=\"" + name + "\"}") >
          0.0);
  }
  CHECK(metric(text, "vmfabric_vcenter_up{vcenter=\"vc1\"}") == 1.0);
  CHECK(metric(text, "vmfabric_vcenter_synced{vcenter=\"vc1\"}") == 1.0);
  CHECK(metric(text, "vmfabric_vcenter_last_update_timestamp_seconds{vcenter=\"vc1\"}") > 0.0);
  CHECK(metric(text, "vmfabric_graph_entities{kind=\"switch\"}") == 6.0);
  CHECK(metric(text, "vmfabric_plans_total{kind=\"full\"}") >= 1.0);
  CHECK(metric(text, "vmfabric_plan_duration_seconds_count") >= 1.0);
  CHECK(metric(text, "vmfabric_removals_frozen") == 0.0);
  CHECK(metric(text, "vmfabric_sessions_in_flight") == 0.0);
  CHECK(metric(text, "vmfabric_changes_total{result=\"failed\"}") == 0.0);
  // Every session the lab's switches committed was applied and verified.
  const auto applied = metric(text, "vmfabric_changes_total{result=\"applied\"}");
  REQUIRE(applied.has_value());
  CHECK(*applied >= 1.0);
  CHECK(*applied == static_cast<double>(commits));
  CHECK(metric(text, "vmfabric_api_requests_total{route=\"/metrics\",status_class=\"4xx\"}") ==
        1.0);

  // A VM powered off: its VLAN is removed after the hold-down, one more session applied, and
  // the change was planned incrementally (the vCenter's update and the switch polls around it
  // plan nothing, so they do not force a plan from scratch).
  const double incremental =
      metric(text, "vmfabric_plans_total{kind=\"incremental\"}").value_or(0.0);
  lab.vcenter().client({"poweroff", "web-1"});
  CHECK(lab.eventually([&] {
    return metric(metrics(lab), "vmfabric_plans_total{kind=\"incremental\"}").value_or(0.0) >
           incremental;
  }));
  CHECK(lab.eventually([&] { return !lab.allows("leaf1a", "Port-Channel11", 120); }));
  CHECK(lab.eventually([&] {
    return metric(metrics(lab), "vmfabric_changes_total{result=\"applied\"}") > *applied;
  }));
  CHECK(metric(metrics(lab), "vmfabric_plan_duration_seconds_count") >
        metric(text, "vmfabric_plan_duration_seconds_count"));
}
