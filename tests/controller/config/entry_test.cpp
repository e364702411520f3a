// One switch, vCenter or policy entry parsed alone (the API's request bodies): the same values
// and the same messages as in a config file, named by the entry's path.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"

namespace vmfabric {
namespace {

std::vector<std::string> problems_of(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const ConfigError& e) {
    return e.problems();
  }
  FAIL("no ConfigError");
  return {};
}

}  // namespace

TEST_CASE("a switch entry alone parses as in a config file", "[config][entry]") {
  const SwitchConfig sw = parse_switch_entry(
      R"({"name": "leaf9", "address": "10.0.0.9", "transport": "http", "username": "admin",
          "password_file": "secrets/leaf9", "tls": {"insecure": true}})",
      "/etc/vmfabric");
  CHECK(sw.name == "leaf9");
  CHECK(sw.port == 80);
  CHECK(sw.transport == Transport::kHttp);
  CHECK(sw.poll_interval_s == 30);
  CHECK(sw.credential.password_file == "/etc/vmfabric/secrets/leaf9");
  CHECK(sw.tls.insecure);
}

TEST_CASE("a bad switch entry names every problem by its path", "[config][entry]") {
  CHECK(problems_of([] {
          parse_switch_entry(R"({"name": "leaf 9", "address": "10.0.0.9", "port": 0,
                                 "username": "admin", "password": "x", "pol_interval_s": 5})",
                             "/");
        }) == std::vector<std::string>{
                  "switches[].name: expected letters, digits, '.', '-' or '_' (at most 64), got "
                  "\"leaf 9\"",
                  "switches[].port: expected an integer 1-65535, got 0",
                  "switches[].password: literal passwords are not accepted; set password_env "
                  "(the name of an environment variable) or password_file (a file readable only "
                  "by vmfabricd)",
                  "switches[].pol_interval_s: unknown key (did you mean \"poll_interval_s\"?)"});
  CHECK(problems_of([] { parse_switch_entry("[1]", "/"); }) ==
        std::vector<std::string>{"switches[]: expected an object, got [1]"});
  CHECK(problems_of([] { parse_switch_entry("{\"name\": }", "/"); })[0].starts_with(
      "line 1, column 10: invalid JSON: "));
  CHECK(problems_of([] { parse_switch_entry("{\"port\": -1e400}", "/"); }) ==
        std::vector<std::string>{"invalid JSON: number overflow parsing '-1e400'"});
}

TEST_CASE("a vCenter entry alone parses as in a config file", "[config][entry]") {
  const VCenterConfig vc = parse_vcenter_entry(
      R"({"name": "vc2", "url": "https://vc2.example.com", "username": "svc",
          "password_env": "VC2_PASSWORD"})",
      "/");
  CHECK(vc.endpoint.host == "vc2.example.com");
  CHECK(vc.endpoint.port == 443);
  CHECK(vc.path == "/sdk");
  CHECK(problems_of([] { parse_vcenter_entry(R"({"name": "vc2", "url": "vc2"})", "/"); }) ==
        std::vector<std::string>{
            "vcenters[].url: expected an http(s) URL like https://vc1.example.com/sdk, got \"vc2\"",
            "vcenters[].username: required key missing",
            "vcenters[].password_env: required key missing: set password_env or password_file"});
}

TEST_CASE("a policy entry needs every key and round-trips", "[config][entry]") {
  CHECK(problems_of([] { parse_policy_entry(R"({"managed_vlans": "100-200"})"); }) ==
        std::vector<std::string>{"policy.mode: required key missing",
                                 "policy.prune_delay_s: required key missing",
                                 "policy.max_removals_per_cycle: required key missing",
                                 "policy.apply: required key missing"});
  PolicyConfig p;
  p.managed_vlans = VlanSet::parse("100-200,300");
  p.mode = PlanMode::kPortgroup;
  p.prune_delay_s = 0;
  p.max_removals_per_cycle = 7;
  p.apply = ApplyMode::kDryRun;
  const PolicyConfig back = parse_policy_entry(policy_entry(p));
  CHECK(back.managed_vlans == p.managed_vlans);
  CHECK(back.mode == p.mode);
  CHECK(back.prune_delay_s == 0);
  CHECK(back.max_removals_per_cycle == 7);
  CHECK(back.apply == ApplyMode::kDryRun);
}

}  // namespace vmfabric
