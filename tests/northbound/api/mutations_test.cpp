// The API's mutations over a fake ApiControl: the roles each needs, the bodies they accept (and
// the 400s, 409s and 415s they answer), plan approval against the plan's version, and starting
// drift audits (202 and where to follow it, 409 while one runs, 503 without audits).
#include <catch2/catch.hpp>
#include <set>

#include "audit/runner.h"
#include "controller/planner/lab.h"
#include "fixed_source.h"
#include "northbound/api/control.h"
#include "northbound/api/routes.h"

using namespace vmfabric;
using namespace vmfabric::planner::testing;
namespace api = vmfabric::northbound::api;
namespace auth = vmfabric::northbound::auth;
namespace http = vmfabric::northbound::http;
using nlohmann::json;

namespace {

class FakeControl : public api::ApiControl {
 public:
  std::string base_dir() const override { return "/etc/vmfabric"; }
  void add_switch(const SwitchConfig& config, const std::string& entry,
                  const std::string& actor) override {
    add(config.name, actor);
    switch_entry = entry;
    added_switch = config;
  }
  void add_vcenter(const VCenterConfig& config, const std::string&,
                   const std::string& actor) override {
    add(config.name, actor);
  }
  void remove_switch(const std::string& name, const std::string& actor) override {
    remove(name, actor);
  }
  void remove_vcenter(const std::string& name, const std::string& actor) override {
    remove(name, actor);
  }
  api::EffectivePolicy policy() const override { return effective; }
  api::EffectivePolicy set_policy(const PolicyConfig& policy, const std::string& actor) override {
    effective = {policy, true, 1'700'000'000'000, actor};
    return effective;
  }
  void approve_plan(const std::string& actor) override { approved_by = actor; }
  // Audit 8 by `actor`, unless audit `running` runs or audits are not available.
  std::int64_t run_audit(const std::string& actor) override {
    if (running) throw audit::AuditBusy(*running);
    if (!audits_available) {
      throw api::ControlError(api::ControlError::Kind::kConflict, "audits are not available");
    }
    audit_actors.push_back(actor);
    return 8;
  }

  std::set<std::string> from_config{"leaf1a"};
  std::set<std::string> from_api;
  std::vector<std::string> actors;
  std::string switch_entry;
  SwitchConfig added_switch;
  api::EffectivePolicy effective;
  std::string approved_by;
  std::optional<std::int64_t> running;
  bool audits_available = true;
  std::vector<std::string> audit_actors;

 private:
  void add(const std::string& name, const std::string& actor) {
    if (from_config.count(name) != 0 || !from_api.insert(name).second) {
      throw api::ControlError(api::ControlError::Kind::kConflict, name + " exists");
    }
    actors.push_back(actor);
  }
  void remove(const std::string& name, const std::string& actor) {
    if (from_config.count(name) != 0) {
      throw api::ControlError(api::ControlError::Kind::kConflict, name + " is in the config");
    }
    if (from_api.erase(name) == 0) {
      throw api::ControlError(api::ControlError::Kind::kNotFound, "no " + name);
    }
    actors.push_back(actor);
  }
};

// The fixed source, with `control`'s policy and mutations.
class FakeSource : public vmfabric::testing::FixedSource {
 public:
  FakeSource(const Snapshot& graph, FakeControl& control) : FixedSource(graph), control_(control) {
    control_.effective.policy.managed_vlans = VlanSet::parse("100-3999");
  }
  PolicyConfig policy() const override { return control_.effective.policy; }
  api::ApiControl* control() const override { return &control_; }

 private:
  FakeControl& control_;
};

// Tokens "v", "o" and "a": a viewer, an operator and an admin named after their role.
struct Api {
  explicit Api(const Snapshot& graph)
      : source(graph, control),
        endpoints(source),
        router([](std::string_view token) -> std::optional<auth::Principal> {
          if (token == "v") return auth::Principal{"viewer-1", auth::Role::kViewer};
          if (token == "o") return auth::Principal{"operator-1", auth::Role::kOperator};
          if (token == "a") return auth::Principal{"admin-1", auth::Role::kAdmin};
          return std::nullopt;
        }) {
    endpoints.add_to(router);
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& token = "a",
                      const std::string& content_type = "application/json") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
    return router.handle(r);
  }
  json detail(const http::Response& r) { return json::parse(r.body)["detail"]; }

  FakeControl control;
  FakeSource source;
  api::Endpoints endpoints;
  northbound::router::Router router;
};

const std::string kSwitch =
    R"({"name": "leaf1a", "address": "10.0.0.9", "port": 8443, "username": "admin",
        "password_env": "EOS_PASSWORD", "poll_interval_s": 5})";

}  // namespace

TEST_CASE("mutations need their role: admin for inventory and policy, operator to approve",
          "[api][mutations]") {
  Api a(pod_lab().snapshot());
  a.control.from_config.clear();
  CHECK(a.call("POST", "/api/v1/switches", kSwitch, "").status == 401);
  CHECK(a.call("POST", "/api/v1/switches", kSwitch, "v").status == 403);
  CHECK(a.call("POST", "/api/v1/switches", kSwitch, "o").status == 403);
  CHECK(a.call("DELETE", "/api/v1/switches/leaf1a", "", "o").status == 403);
  CHECK(a.call("POST", "/api/v1/vcenters", "{}", "o").status == 403);
  CHECK(a.call("PUT", "/api/v1/policy", "{}", "o").status == 403);
  CHECK(a.call("POST", "/api/v1/plan/approve", "{}", "v").status == 403);
  CHECK(a.call("GET", "/api/v1/policy", "", "v").status == 200);
  CHECK(a.control.actors.empty());

  const auto added = a.call("POST", "/api/v1/switches", kSwitch, "a");
  INFO(added.body);
  REQUIRE(added.status == 201);
  CHECK(json::parse(added.body)["name"] == "leaf1a");
  CHECK(added.header("location") == "/api/v1/switches/leaf1a");
  CHECK(a.control.added_switch.port == 8443);
  CHECK(a.control.added_switch.credential.password_env == "EOS_PASSWORD");
  CHECK(json::parse(a.control.switch_entry)["address"] == "10.0.0.9");
  CHECK(a.call("DELETE", "/api/v1/switches/leaf1a", "", "a").status == 204);
  CHECK(a.control.actors == std::vector<std::string>{"admin-1", "admin-1"});
}

TEST_CASE(
    "inventory mutations answer 409 for names taken or from the config file and 404 for "
    "unknown ones",
    "[api][mutations]") {
  Api a(pod_lab().snapshot());
  const auto taken = a.call("POST", "/api/v1/switches", kSwitch);
  CHECK(taken.status == 409);
  CHECK(taken.header("content-type") == "application/problem+json");
  CHECK(a.detail(taken) == "leaf1a exists");
  CHECK(a.call("DELETE", "/api/v1/switches/leaf1a").status == 409);
  CHECK(a.call("DELETE", "/api/v1/switches/leaf9").status == 404);
  CHECK(a.call("DELETE", "/api/v1/vcenters/vc9").status == 404);
}

TEST_CASE("inventory bodies are validated as config file entries", "[api][mutations]") {
  Api a(pod_lab().snapshot());
  const auto malformed = a.call("POST", "/api/v1/switches", "{\n  \"name\": \"leaf9\",,\n}");
  CHECK(malformed.status == 400);
  CHECK_THAT(a.detail(malformed).get<std::string>(),
             Catch::StartsWith("line 2, column 19: invalid JSON"));

  const auto bad =
      a.call("POST", "/api/v1/switches",
             R"({"name": "leaf9", "address": "10.0.0.9", "port": "abc", "colour": "red",
          "username": "admin", "password": "secret"})");
  CHECK(bad.status == 400);
  const std::string detail = a.detail(bad);
  CHECK_THAT(detail, Catch::Contains("switches[].port: expected an integer 1-65535, got \"abc\""));
  CHECK_THAT(detail, Catch::Contains("switches[].colour: unknown key"));
  CHECK_THAT(detail, Catch::Contains("switches[].password: literal passwords are not accepted"));

  const auto vc = a.call("POST", "/api/v1/vcenters",
                         R"({"name": "vc9", "url": "ftp://vc9", "username": "u",
                             "password_file": "vc9.pw"})");
  CHECK(vc.status == 400);
  CHECK_THAT(a.detail(vc).get<std::string>(), Catch::StartsWith("vcenters[].url: expected"));

  CHECK(a.call("POST", "/api/v1/switches", kSwitch, "a", "").status == 415);
  CHECK(a.call("POST", "/api/v1/switches", kSwitch, "a", "text/plain").status == 415);
  CHECK(a.call("POST", "/api/v1/switches", "[]").status == 400);
  CHECK(a.control.actors.empty());
}

TEST_CASE("the policy is read by viewers and replaced whole by admins", "[api][mutations]") {
  Api a(pod_lab().snapshot());
  const json before = json::parse(a.call("GET", "/api/v1/policy", "", "v").body);
  CHECK(before["source"] == "config");
  CHECK(before["managed_vlans"] == "100-3999");
  CHECK(before["updated_by"].is_null());

  const auto partial = a.call("PUT", "/api/v1/policy", R"({"managed_vlans": "100-200"})");
  CHECK(partial.status == 400);
  CHECK_THAT(a.detail(partial).get<std::string>(), Catch::Contains("policy.apply: required"));
  CHECK(a.call("PUT", "/api/v1/policy",
               R"({"managed_vlans": "100-200", "mode": "cluster", "prune_delay_s": 60,
                   "max_removals_per_cycle": 10, "apply": "dry-run", "extra": 1})")
            .status == 400);

  const auto put = a.call("PUT", "/api/v1/policy",
                          R"({"managed_vlans": "100-200", "mode": "cluster", "prune_delay_s": 60,
                              "max_removals_per_cycle": 10, "apply": "dry-run"})");
  INFO(put.body);
  REQUIRE(put.status == 200);
  const json after = json::parse(put.body);
  CHECK(after["source"] == "api");
  CHECK(after["updated_by"] == "admin-1");
  CHECK(after["updated"] == "2023-11-14T22:13:20.000Z");
  CHECK(after["apply"] == "dry-run");
  CHECK(json::parse(a.call("GET", "/api/v1/policy", "", "v").body) == after);

  // What GET answers can be PUT back as it is: its read-only members are ignored.
  json edited = after;
  edited["prune_delay_s"] = 90;
  const auto round_trip = a.call("PUT", "/api/v1/policy", edited.dump());
  INFO(round_trip.body);
  REQUIRE(round_trip.status == 200);
  CHECK(json::parse(round_trip.body)["prune_delay_s"] == 90);
}

TEST_CASE("a plan is approved only in dry-run and only at the version shown", "[api][mutations]") {
  Api a(pod_lab().snapshot());
  const json plan = json::parse(a.call("GET", "/api/v1/plan", "", "v").body);
  REQUIRE(plan["version"].is_string());
  CHECK(plan["apply"] == "auto");
  const std::string body = json{{"version", plan["version"]}}.dump();
  CHECK(a.call("POST", "/api/v1/plan/approve", body, "o").status == 409);

  a.control.effective.policy.apply = ApplyMode::kDryRun;
  CHECK(json::parse(a.call("GET", "/api/v1/plan", "", "v").body)["version"] == plan["version"]);
  const auto stale = a.call("POST", "/api/v1/plan/approve", R"({"version": "0123"})", "o");
  CHECK(stale.status == 409);
  CHECK_THAT(a.detail(stale).get<std::string>(), Catch::Contains("the plan changed"));
  CHECK(a.call("POST", "/api/v1/plan/approve", R"({"version": 1})", "o").status == 400);
  CHECK(a.call("POST", "/api/v1/plan/approve", R"({"version": "x", "force": true})", "o").status ==
        400);
  CHECK(a.call("POST", "/api/v1/plan/approve", "{", "o").status == 400);
  CHECK(a.control.approved_by.empty());

  const auto approved = a.call("POST", "/api/v1/plan/approve", body, "o");
  INFO(approved.body);
  REQUIRE(approved.status == 202);
  const json answer = json::parse(approved.body);
  CHECK(answer["approved_by"] == "operator-1");
  CHECK(answer["switches"].size() > 0);
  CHECK(a.control.approved_by == "operator-1");
}

TEST_CASE("POST /audits starts an audit for an operator and says where to follow it",
          "[api][mutations][audits]") {
  Api a(pod_lab().snapshot());
  CHECK(a.call("POST", "/api/v1/audits", "", "").status == 401);
  CHECK(a.call("POST", "/api/v1/audits", "", "v").status == 403);
  CHECK(a.control.audit_actors.empty());

  const auto started = a.call("POST", "/api/v1/audits", "", "o", "");
  INFO(started.body);
  REQUIRE(started.status == 202);
  CHECK(json::parse(started.body) ==
        json::parse(R"({"id": 8, "status": "running", "href": "/api/v1/audits/8"})"));
  CHECK(started.header("location") == "/api/v1/audits/8");
  CHECK(a.call("POST", "/api/v1/audits", "{}", "a").status == 202);
  CHECK(a.control.audit_actors == std::vector<std::string>{"operator-1", "admin-1"});

  const auto with_body = a.call("POST", "/api/v1/audits", R"({"remediate": "full"})", "o");
  CHECK(with_body.status == 400);
  CHECK(a.detail(with_body).get<std::string>().find("takes no body") != std::string::npos);
  CHECK(a.call("POST", "/api/v1/audits?now=1", "", "o").status == 400);

  a.control.running = 7;
  const auto busy = a.call("POST", "/api/v1/audits", "", "o");
  CHECK(busy.status == 409);
  CHECK(a.detail(busy) == audit::AuditBusy(7).what());
  CHECK(a.detail(busy).get<std::string>().find("/api/v1/audits/7") != std::string::npos);

  a.control.running.reset();
  a.control.audits_available = false;
  const auto unavailable = a.call("POST", "/api/v1/audits", "", "o");
  CHECK(unavailable.status == 503);
  CHECK(a.detail(unavailable) == "audits are not available");
  CHECK(a.control.audit_actors.size() == 2);
}

TEST_CASE("POST /audits without mutations answers 503", "[api][audits]") {
  vmfabric::testing::FixedSource source(pod_lab().snapshot());
  api::Endpoints endpoints(source);
  northbound::router::Router router([](std::string_view) -> std::optional<auth::Principal> {
    return auth::Principal{"operator-1", auth::Role::kOperator};
  });
  endpoints.add_to(router);
  http::Request r;
  r.method = "POST";
  r.target = "/api/v1/audits";
  r.headers.emplace_back("authorization", "Bearer o");
  const auto answer = router.handle(r);
  CHECK(answer.status == 503);
  CHECK(json::parse(answer.body)["detail"].get<std::string>().find("audits are not available") ==
        0);
}
