// schema/openapi.yaml against the server: the routes the API registers are the spec's operations
// (methods, paths and roles, both ways), and real responses of vmfabricd on the lab, successes and
// errors, validate against the spec's schemas (tests/js/validate-responses.mjs, Ajv), every GET
// of the spec exercised.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/viewer_routes.h"
#include "lab.h"
#include "northbound/api/control.h"
#include "northbound/api/routes.h"
#include "northbound/auth/tokens.h"
#include "northbound/events/events.h"
#include "support/process.h"
#include "support/stream_client.h"
#include "support/temp_dir.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kSpec = std::string(VMFABRIC_SOURCE_DIR) + "/schema/openapi.yaml";

struct NodeRun {
  int exit_code = -1;
  std::string output;
};

// Runs `node SCRIPT ARGS...` (a script of ${build}/js, beside its node_modules) to its end.
NodeRun run_node(const std::string& script, std::vector<std::string> args) {
  args.insert(args.begin(), {VMFABRIC_NODE, std::string(VMFABRIC_JS_DIR) + "/" + script});
  ChildProcess node(args);
  NodeRun run;
  while (const auto line = node.read_line(60s)) run.output += *line + "\n";
  run.exit_code = node.wait(10s).value_or(-1);
  node.drain_stderr();
  for (const auto& line : node.stderr_lines()) run.output += line + "\n";
  return run;
}

void write_file(const std::string& path, const json& content) {
  std::ofstream out(path);
  out << content.dump(1);
  REQUIRE(out.good());
}

// Mutations that are never called: the routes only need to be registered.
class UnusedControl : public northbound::api::ApiControl {
 public:
  std::string base_dir() const override { return "/"; }
  void add_switch(const SwitchConfig&, const std::string&, const std::string&) override {}
  void add_vcenter(const VCenterConfig&, const std::string&, const std::string&) override {}
  void remove_switch(const std::string&, const std::string&) override {}
  void remove_vcenter(const std::string&, const std::string&) override {}
  northbound::api::EffectivePolicy policy() const override { return {}; }
  northbound::api::EffectivePolicy set_policy(const PolicyConfig&, const std::string&) override {
    return {};
  }
  void approve_plan(const std::string&) override {}
  std::int64_t run_audit(const std::string&) override { return 0; }
};

// An ApiSource of an empty graph, with events and mutations: every route of the API registers.
class EmptySource : public northbound::api::ApiSource {
 public:
  std::shared_ptr<const Snapshot> graph() const override { return graph_; }
  std::shared_ptr<const planner::Plan> plan() const override { return plan_; }
  PolicyConfig policy() const override { return {}; }
  std::vector<JournalEntry> journal(const JournalQuery&) const override { return {}; }
  std::map<std::string, VlanSet> created_vlans() const override { return {}; }
  std::int64_t now_ms() const override { return 0; }
  northbound::events::EventHub* events() const override { return &events_; }
  northbound::api::ApiControl* control() const override { return &control_; }

 private:
  std::shared_ptr<const Snapshot> graph_ = std::make_shared<const Snapshot>(Graph().current());
  std::shared_ptr<const planner::Plan> plan_ = std::make_shared<const planner::Plan>();
  mutable northbound::events::EventHub events_;
  mutable UnusedControl control_;
};

}  // namespace

TEST_CASE("the spec describes every route of the API with the role it needs", "[openapi]") {
  EmptySource source;
  northbound::api::Endpoints endpoints(source);
  ViewerRoutes routes(endpoints);
  json listed = json::array();
  for (const auto& r : routes.router().routes()) {
    listed.push_back({{"method", r.method},
                      {"path", r.pattern},
                      {"role", r.role ? northbound::auth::to_string(*r.role) : "public"}});
  }
  TempDir dir;
  write_file(dir.file("routes.json"), listed);
  const NodeRun run = run_node("check-routes.mjs", {kSpec, dir.file("routes.json")});
  INFO(run.output);
  CHECK(run.exit_code == 0);
}

TEST_CASE("the lab's responses validate against the spec", "[openapi][e2e]") {
  E2eLab::Options options;
  options.left_out_switches = {"leaf2b"};  // added through the API below
  E2eLab lab(options);
  // Converged, so that the journal, the plan and the uplinks have content to validate.
  REQUIRE(lab.eventually([&] { return lab.allows("leaf1a", "Port-Channel11", 120); }));

  json records = json::array();
  // Records the answer `r` to `method` `target` (made from the spec's `path` template).
  auto record = [&](const std::string& method, const std::string& path, const std::string& target,
                    const net::HttpResponse& r, int expected_status) {
    INFO(method << " " << target << ": " << r.body);
    CHECK(r.status == expected_status);
    records.push_back({{"method", method},
                       {"path", path},
                       {"status", r.status},
                       {"content_type", r.header("content-type").value_or("")},
                       {"body", r.body}});
  };
  // GET `target` with `token` (default: the lab's viewer token; "" sends none).
  auto get = [&](const std::string& path, const std::string& target, int expected_status,
                 const std::optional<std::string>& token = std::nullopt) {
    record("GET", path, target, lab.api_get(target, token), expected_status);
  };
  get("/healthz", "/healthz", 200, "");
  get("/metrics", "/metrics", 200);
  get("/api/v1/switches", "/api/v1/switches", 200);
  get("/api/v1/switches", "/api/v1/switches?reachability=reachable&limit=2", 200);
  get("/api/v1/switches/{name}", "/api/v1/switches/leaf1a", 200);
  get("/api/v1/switches/{name}/interfaces", "/api/v1/switches/leaf1a/interfaces", 200);
  get("/api/v1/hosts", "/api/v1/hosts", 200);
  get("/api/v1/hosts/{name}", "/api/v1/hosts/esx-a1.lab.local", 200);
  get("/api/v1/vms", "/api/v1/vms", 200);
  get("/api/v1/vms/{name}", "/api/v1/vms/web-1", 200);
  get("/api/v1/vcenters", "/api/v1/vcenters", 200);
  get("/api/v1/vlans", "/api/v1/vlans", 200);
  get("/api/v1/vlans/{id}", "/api/v1/vlans/120", 200);
  get("/api/v1/plan", "/api/v1/plan", 200);
  get("/api/v1/changes", "/api/v1/changes", 200);
  get("/api/v1/topology", "/api/v1/topology", 200);
  get("/api/v1/topology", "/api/v1/topology?vms=false", 200);
  get("/api/v1/events", "/api/v1/events", 200);
  get("/api/v1/events", "/api/v1/events?type=graph,change&limit=5", 200);
  get("/api/v1/policy", "/api/v1/policy", 200);
  get("/api/v1/audits", "/api/v1/audits?limit=5", 200);
  // Errors: each a problem of the spec.
  get("/healthz", "/healthz?verbose=1", 400, "");
  get("/metrics", "/metrics", 401, "");
  get("/api/v1/vms", "/api/v1/vms", 401, "");
  get("/api/v1/vms", "/api/v1/vms?state=sleeping", 400);
  get("/api/v1/vms/{name}", "/api/v1/vms/no-such-vm", 404);
  get("/api/v1/switches/{name}", "/api/v1/switches/no-such-switch", 404);
  get("/api/v1/vlans/{id}", "/api/v1/vlans/4095", 404);
  get("/api/v1/changes", "/api/v1/changes?since=yesterday", 400);
  get("/api/v1/topology", "/api/v1/topology?vms=maybe", 400);
  get("/api/v1/events", "/api/v1/events?after=latest", 400);
  get("/api/v1/audits", "/api/v1/audits?cursor=x", 400);
  get("/api/v1/audits/{id}", "/api/v1/audits/abc", 400);
  get("/api/v1/audits/{id}", "/api/v1/audits/999999", 404);

  // The stream: its headers and first frame (it never ends).
  {
    StreamClient stream(lab.api_port());
    stream.send(stream_request("/api/v1/events/stream?access_token=" + lab.api_token()));
    const auto head = stream.read_until("\r\n\r\n");
    REQUIRE(head);
    const auto first = stream.read_until("\n\n");
    REQUIRE(first);
    const auto type_at = head->find("Content-Type: ");
    REQUIRE(type_at != std::string::npos);
    records.push_back(
        {{"method", "GET"},
         {"path", "/api/v1/events/stream"},
         {"status", std::stoi(head->substr(9, 3))},
         {"content_type", head->substr(type_at + 14, head->find("\r\n", type_at) - type_at - 14)},
         {"body", *first}});
  }

  // Mutations, successes and refusals.
  const std::string admin = lab.create_token("openapi-admin", "admin");
  auto call = [&](const std::string& method, const std::string& path, const std::string& target,
                  const std::string& body, int expected_status) {
    record(method, path, target, lab.api_request(method, target, body, admin), expected_status);
  };
  const std::string entry = lab.switch_entry("leaf2b").dump();
  call("POST", "/api/v1/switches", "/api/v1/switches", entry, 201);
  call("POST", "/api/v1/switches", "/api/v1/switches", entry, 409);
  call("POST", "/api/v1/switches", "/api/v1/switches", R"({"name": "x", "port": "abc"})", 400);
  call("DELETE", "/api/v1/switches/{name}", "/api/v1/switches/leaf1a", "", 409);
  call("DELETE", "/api/v1/switches/{name}", "/api/v1/switches/leaf2b", "", 204);
  call("DELETE", "/api/v1/switches/{name}", "/api/v1/switches/leaf2b", "", 404);
  call("POST", "/api/v1/vcenters", "/api/v1/vcenters", R"({"name": "vc9"})", 400);
  call("DELETE", "/api/v1/vcenters/{name}", "/api/v1/vcenters/vc1", "", 409);
  call("POST", "/api/v1/plan/approve", "/api/v1/plan/approve", R"({"version": "x"})", 409);
  const json policy = json::parse(lab.api_get("/api/v1/policy").body);
  const json same = {{"managed_vlans", policy["managed_vlans"]},
                     {"mode", policy["mode"]},
                     {"prune_delay_s", policy["prune_delay_s"]},
                     {"max_removals_per_cycle", policy["max_removals_per_cycle"]},
                     {"apply", policy["apply"]}};
  call("PUT", "/api/v1/policy", "/api/v1/policy", same.dump(), 200);
  call("PUT", "/api/v1/policy", "/api/v1/policy", R"({"mode": "sometimes"})", 400);
  call("POST", "/api/v1/audits", "/api/v1/audits", R"({"now": true})", 400);
  // An audit, followed until it ended: the detail with its findings.
  const auto started = lab.api_request("POST", "/api/v1/audits", "", admin);
  record("POST", "/api/v1/audits", "/api/v1/audits", started, 202);
  REQUIRE(started.status == 202);
  const std::string audit =
      "/api/v1/audits/" + std::to_string(json::parse(started.body)["id"].get<int>());
  REQUIRE(
      lab.eventually([&] { return json::parse(lab.api_get(audit).body)["status"] != "running"; }));
  get("/api/v1/audits/{id}", audit, 200);
  get("/api/v1/audits", "/api/v1/audits", 200);
  get("/api/v1/events", "/api/v1/events?type=audit", 200);

  TempDir dir;
  write_file(dir.file("records.json"), records);
  const NodeRun run = run_node("validate-responses.mjs", {kSpec, dir.file("records.json")});
  INFO(run.output);
  CHECK(run.exit_code == 0);
}
