// Drift audits in the API: GET /api/v1/audits pages newest first like /changes, GET
// /api/v1/audits/{id} prints the summary and every finding exactly, and bad ids or cursors are
// problems. (POST /api/v1/audits is tested with the other mutations.)
#include "northbound/api/audits.h"

#include <catch2/catch.hpp>

#include "controller/planner/lab.h"
#include "fixed_source.h"
#include "northbound/api/render.h"
#include "northbound/api/routes.h"
#include "viewer_routes.h"

using namespace vmfabric;
using namespace vmfabric::planner::testing;
namespace api = vmfabric::northbound::api;
using nlohmann::json;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z

// Audit `id`, started `id` minutes after kT0 by the schedule, done, with nothing found.
AuditRecord scheduled(std::int64_t id) {
  AuditRecord a;
  a.id = id;
  a.started_ms = kT0 + id * 60'000;
  a.finished_ms = a.started_ms + 1'500;
  a.trigger = "schedule";
  a.remediate = "none";
  a.status = AuditStatus::kDone;
  a.switches = 4;
  return a;
}

// An audit by "ops" under add-only with a missing VLAN it repaired and an unlocated uplink.
AuditRecord with_findings(std::int64_t id) {
  AuditRecord a = scheduled(id);
  a.trigger = "api";
  a.actor = "ops";
  a.remediate = "add-only";
  a.unreadable = 1;
  a.counts = {{"vlan-missing", 1}, {"uplink-unlocated", 1}};
  a.repairs = {12, 13};
  audit::Finding missing;
  missing.kind = audit::FindingKind::kVlanMissing;
  missing.switch_name = "leaf1a";
  missing.interface = "Port-Channel11";
  missing.vlans = VlanSet::parse("120,130-132");
  missing.why = {"VM web-3 on esx-a2 via pg-app (VLAN 120)"};
  missing.undone = VlanSet::parse("120");
  missing.last_change = audit::LastChange{true, kT0 + 5, "vmfabric-7"};
  missing.outside = audit::OutsideChange{"ansible_1", "joe.bob", kT0 + 9};
  missing.detail = "VLANs 120,130-132 are not allowed on leaf1a Port-Channel11";
  audit::Finding uplink;
  uplink.kind = audit::FindingKind::kUplinkUnlocated;
  uplink.host = "esx-a2";
  uplink.uplink = "vmnic3";
  uplink.detail = "vmnic3 of esx-a2 has no LLDP or CDP neighbour";
  a.findings = {missing, uplink};
  return a;
}

struct Audits {
  Audits() : source(pod_lab().snapshot()), endpoints(source), routes(endpoints) {}
  json get(const std::string& target, int status = 200) {
    const auto r = routes.get(target);
    INFO(target << ": " << r.body);
    REQUIRE(r.status == status);
    return json::parse(r.body);
  }
  vmfabric::testing::FixedSource source;
  api::Endpoints endpoints;
  vmfabric::testing::ViewerRoutes routes;
};

}  // namespace

TEST_CASE("GET /audits lists summaries newest first and pages with cursors", "[api][audits]") {
  Audits a;
  a.source.audit_records = {scheduled(3), with_findings(2), scheduled(1)};

  const json first = a.get("/api/v1/audits?limit=2");
  REQUIRE(first["items"].size() == 2);
  CHECK(first["items"][0]["id"] == 3);
  CHECK(first["items"][1] == json::parse(R"({
    "id": 2, "started": "2023-11-14T22:15:20.000Z", "finished": "2023-11-14T22:15:21.500Z",
    "trigger": "api", "actor": "ops", "remediate": "add-only", "status": "done", "error": null,
    "switches": 4, "unreadable": 1, "finding_count": 2,
    "counts": {"uplink-unlocated": 1, "vlan-missing": 1}, "repairs": [12, 13]})"));
  REQUIRE(first["next_cursor"].is_string());
  CHECK_FALSE(first.contains("total"));

  const json second =
      a.get("/api/v1/audits?limit=2&cursor=" + first["next_cursor"].get<std::string>());
  REQUIRE(second["items"].size() == 1);
  CHECK(second["items"][0]["id"] == 1);
  CHECK(second["items"][0]["actor"].is_null());
  CHECK(second["items"][0]["counts"] == json::object());
  CHECK(second["items"][0]["repairs"] == json::array());
  CHECK(second["next_cursor"].is_null());

  CHECK(a.get("/api/v1/audits")["items"].size() == 3);
  a.source.audit_records.clear();
  CHECK(a.get("/api/v1/audits") == json::parse(R"({"items": [], "next_cursor": null})"));
}

TEST_CASE("GET /audits/{id} prints the summary and every finding", "[api][audits]") {
  Audits a;
  AuditRecord running = scheduled(5);
  running.finished_ms.reset();
  running.status = AuditStatus::kRunning;
  AuditRecord failed = scheduled(4);
  failed.status = AuditStatus::kFailed;
  failed.error = "the database is locked";
  a.source.audit_records = {running, failed, with_findings(2)};

  CHECK(a.get("/api/v1/audits/2") == json::parse(R"J({
    "id": 2, "started": "2023-11-14T22:15:20.000Z", "finished": "2023-11-14T22:15:21.500Z",
    "trigger": "api", "actor": "ops", "remediate": "add-only", "status": "done", "error": null,
    "switches": 4, "unreadable": 1, "finding_count": 2,
    "counts": {"uplink-unlocated": 1, "vlan-missing": 1}, "repairs": [12, 13],
    "findings": [
      {"kind": "vlan-missing", "switch": "leaf1a", "interface": "Port-Channel11", "host": null,
       "uplink": null, "vlans": "120,130-132", "why": ["VM web-3 on esx-a2 via pg-app (VLAN 120)"],
       "undone": "120",
       "last_change": {"added": true, "at": "2023-11-14T22:13:20.005Z", "session": "vmfabric-7"},
       "outside_change": {"session": "ansible_1", "user": "joe.bob",
                          "at": "2023-11-14T22:13:20.009Z"},
       "detail": "VLANs 120,130-132 are not allowed on leaf1a Port-Channel11"
},
      {"kind": "uplink-unlocated", "switch": null, "interface": null, "host": "esx-a2",
       "uplink": "vmnic3", "vlans": "", "why": [], "undone": "", "last_change": null,
       "outside_change": null,
       "detail": "vmnic3 of esx-a2 has no LLDP or CDP neighbour"}]
})J"));

  const json r = a.get("/api/v1/audits/5");
  CHECK(r["status"] == "running");
  CHECK(r["finished"].is_null());
  CHECK(r["findings"] == json::array());
  const json f = a.get("/api/v1/audits/4");
  CHECK(f["status"] == "failed");
  CHECK(f["error"] == "the database is locked");
}

TEST_CASE("bad audit ids and cursors are problems", "[api][audits]") {
  Audits a;
  a.source.audit_records = {scheduled(1)};
  CHECK(a.get("/api/v1/audits/9", 404)["detail"].get<std::string>().find("no audit 9") !=
        std::string::npos);
  for (const char* bad : {"abc", "0", "-3", "1x"}) {
    const json p = a.get(std::string("/api/v1/audits/") + bad, 400);
    CHECK(p["detail"].get<std::string>().find("expected an audit id") != std::string::npos);
  }
  CHECK(a.get("/api/v1/audits/1?verbose=1", 400)["param"] == "verbose");
  CHECK(a.get("/api/v1/audits?cursor=nonsense", 400)["param"] == "cursor");
  CHECK(a.get("/api/v1/audits?cursor=" + api::encode_cursor("x"), 400)["detail"] ==
        "cursor: not a cursor of /audits");
  CHECK(a.get("/api/v1/audits?limit=0", 400)["param"] == "limit");
  CHECK(a.get("/api/v1/audits?switch=leaf1a", 400)["param"] == "switch");
  CHECK(a.routes.get("/api/v1/audits", "").status == 401);
}
