// The API's mutations on the lab (tests/sim/eos/testdata/topology.json, see
// tests/e2e/reconcile_test.cpp): a switch added at run time is followed and reconciled, removed,
// and kept across a restart; a dry-run policy set through the API holds changes until a plan is
// approved at the version shown; the journal names who did each.
#include <catch2/catch.hpp>
#include <string>

#include "lab.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using nlohmann::json;

namespace {

json body_of(const net::HttpResponse& r, int status) {
  INFO(r.body);
  REQUIRE(r.status == status);
  return r.body.empty() ? json() : json::parse(r.body);
}

// The journal rows whose actor is `actor`, newest first.
std::vector<json> changes_by(E2eLab& lab, const std::string& actor) {
  std::vector<json> out;
  const json changes = body_of(lab.api_get("/api/v1/changes?limit=1000"), 200);
  for (const json& item : changes["items"]) {
    if (item["actor"] == actor) out.push_back(item);
  }
  return out;
}

}  // namespace

TEST_CASE("a switch added through the API is followed and kept across a restart", "[e2e]") {
  E2eLab::Options options;
  options.left_out_switches = {"leaf2b"};
  E2eLab lab(options);
  const std::string admin = lab.create_token("e2e-admin", "admin");
  CHECK(lab.api_get("/api/v1/switches/leaf2b").status == 404);
  const std::string entry = lab.switch_entry("leaf2b").dump();

  CHECK(lab.api_request("POST", "/api/v1/switches", entry, lab.api_token()).status == 403);
  const json added = body_of(lab.api_request("POST", "/api/v1/switches", entry, admin), 201);
  CHECK(added["name"] == "leaf2b");
  CHECK(lab.api_request("POST", "/api/v1/switches", entry, admin).status == 409);
  // Polled, then reconciled: web-2 on esx-a2 needs VLAN 120 on pod2's MLAG port-channel.
  CHECK(lab.eventually([&] { return lab.allows("leaf2b", "Port-Channel11", 120); }));
  CHECK(body_of(lab.api_get("/api/v1/switches/leaf2b"), 200)["reachability"] == "reachable");

  CHECK(lab.api_request("DELETE", "/api/v1/switches/leaf1a", "", admin).status == 409);
  CHECK(lab.api_request("DELETE", "/api/v1/vcenters/vc1", "", admin).status == 409);
  CHECK(lab.api_request("DELETE", "/api/v1/switches/leaf2b", "", admin).status == 204);
  CHECK(lab.api_get("/api/v1/switches/leaf2b").status == 404);
  CHECK(lab.api_request("DELETE", "/api/v1/switches/leaf2b", "", admin).status == 404);

  body_of(lab.api_request("POST", "/api/v1/switches", entry, admin), 201);
  lab.stop_controller();
  const int requests = lab.fabric().stats()["leaf2b"]["requests"].get<int>();
  lab.start_controller();
  CHECK(lab.api_get("/api/v1/switches/leaf2b").status == 200);
  // Polled again by the restarted vmfabricd.
  CHECK(lab.eventually(
      [&] { return lab.fabric().stats()["leaf2b"]["requests"].get<int>() >= requests + 2; }));
  const auto rows = changes_by(lab, "e2e-admin");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["commands"][0].get<std::string>().starts_with("add switch leaf2b (127.0.0.1:"));
  CHECK(rows[1]["commands"][0] == "remove switch leaf2b");
  CHECK(rows[2]["result"] == "applied");
}

TEST_CASE("a dry-run policy set through the API holds changes until the plan is approved",
          "[e2e]") {
  E2eLab lab{E2eLab::Options{}};
  const std::string admin = lab.create_token("e2e-admin", "admin");
  const std::string operator_token = lab.create_token("e2e-operator", "operator");
  REQUIRE(lab.eventually([&] { return lab.allows("leaf1a", "Port-Channel11", 120); }));
  const std::size_t commits = lab.wait_quiet();

  json policy = body_of(lab.api_get("/api/v1/policy"), 200);
  CHECK(policy["source"] == "config");
  policy = {{"managed_vlans", policy["managed_vlans"]},
            {"mode", policy["mode"]},
            {"prune_delay_s", policy["prune_delay_s"]},
            {"max_removals_per_cycle", policy["max_removals_per_cycle"]},
            {"apply", "dry-run"}};
  const json set = body_of(lab.api_request("PUT", "/api/v1/policy", policy.dump(), admin), 200);
  CHECK(set["source"] == "api");
  CHECK(set["updated_by"] == "e2e-admin");

  lab.vcenter().client({"set-dvportgroup-vlan", "dv-web", "125"});
  json plan;
  REQUIRE(lab.eventually([&] {
    plan = body_of(lab.api_get("/api/v1/plan?switch=leaf1a"), 200);
    return plan["items"][0]["create_vlans"].dump().find("125") != std::string::npos;
  }));
  CHECK(plan["apply"] == "dry-run");
  CHECK(lab.wait_quiet() == commits);  // planned, not sent
  CHECK_FALSE(lab.allows("leaf1a", "Port-Channel11", 125));

  const json stale = {{"version", "0000000000000000"}};
  CHECK(lab.api_request("POST", "/api/v1/plan/approve", stale.dump(), operator_token).status ==
        409);
  json approved;
  REQUIRE(lab.eventually([&] {
    const std::string version = body_of(lab.api_get("/api/v1/plan"), 200)["version"];
    const auto r = lab.api_request("POST", "/api/v1/plan/approve",
                                   json{{"version", version}}.dump(), operator_token);
    if (r.status == 202) approved = json::parse(r.body);
    return r.status == 202;
  }));
  CHECK(approved["approved_by"] == "e2e-operator");
  CHECK(lab.eventually([&] { return lab.allows("leaf1a", "Port-Channel11", 125); }));
  bool journaled = false;
  for (const json& row : changes_by(lab, "e2e-operator")) {
    if (row["switch"] == "leaf1a" &&
        row["cause"].get<std::string>().starts_with("approved by e2e-operator")) {
      journaled = true;
    }
  }
  CHECK(journaled);

  // The policy set through the API outlives a restart.
  lab.stop_controller();
  lab.start_controller();
  const json after = body_of(lab.api_get("/api/v1/policy"), 200);
  CHECK(after["source"] == "api");
  CHECK(after["apply"] == "dry-run");
}
