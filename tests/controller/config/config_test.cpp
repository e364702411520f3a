// Config: the minimal config of DESIGN.md (with comments) parsed field by field, defaults and
// path anchoring; every kind of bad config with its exact message; several problems reported
// together in order; credentials resolved from the environment and from files; load_config on
// real files.
#include "config/config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.h"

namespace vmfabric {
namespace {

// DESIGN.md's minimal shape, with comments (JSON with comments is accepted).
const std::string kMinimal = R"json(// vmfabric: minimal configuration
{
  "database": "vmfabric.db",  // relative: taken from the config's directory
  "api": { "listen": "127.0.0.1:8080", "tokens_file": "tokens.json" },
  "vcenters": [ { "name": "vc1", "url": "https://vc1.example.com/sdk",
                  "username": "svc-vmfabric", "password_env": "VC1_PASSWORD",
                  "tls": { "ca_file": "vc1-ca.pem" } } ],
  // one leaf for now
  "switches": [ { "name": "leaf1", "address": "10.0.0.11", "port": 443,
                  "transport": "https", "username": "vmfabric",
                  "password_env": "EOS_PASSWORD" } ],
  "policy": { "managed_vlans": "100-3999", "mode": "on-demand",
              "prune_delay_s": 300 },
  "audit": { "interval_s": 900, "remediate": false }
}
)json";

// Three switches, so that problems can be placed on switches[2].
const std::string kThreeSwitches = R"json({
  "database": "vmfabric.db",
  "switches": [
    { "name": "leaf1", "address": "10.0.0.11", "username": "vmfabric", "password_env": "EOS_PW" },
    { "name": "leaf2", "address": "10.0.0.12", "username": "vmfabric", "password_env": "EOS_PW" },
    { "name": "leaf3", "address": "10.0.0.13", "port": 443, "username": "vmfabric",
      "password_env": "EOS_PW" }
  ],
  "policy": { "managed_vlans": "100-3999" }
})json";

const std::string kFingerprint = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Config parse(const std::string& text) { return parse_config(text, "config.json", "/etc/vmfabric"); }

// `text` with the single occurrence of `from` replaced by `to` (the test fails when `from` is
// missing or not unique, so an edit can never silently do nothing).
std::string edit(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  INFO("editing \"" << from << "\"");
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

// The problems parse_config reports for `text`; when it accepts the text, the single entry
// "(accepted)", which no expected list contains.
std::vector<std::string> problems(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {"(accepted)"};
}

using Problems = std::vector<std::string>;

// Credential::problem() as text ("(none)" when there is no problem), for readable failures.
std::string problem_of(const Credential& c) { return c.problem().value_or("(none)"); }

}  // namespace

TEST_CASE("The minimal config parses with every field as written", "[config]") {
  const Config cfg = parse(kMinimal);
  REQUIRE(cfg.path == "");
  REQUIRE(cfg.database == "/etc/vmfabric/vmfabric.db");
  REQUIRE(cfg.log_level == "info");

  REQUIRE(cfg.api.listen.host == "127.0.0.1");
  REQUIRE(cfg.api.listen.port == 8080);
  REQUIRE(cfg.api.tokens_file == "/etc/vmfabric/tokens.json");
  REQUIRE(cfg.api.tls_cert_file == "");
  REQUIRE(cfg.api.tls_key_file == "");
  REQUIRE_FALSE(cfg.api.tls());
  REQUIRE_FALSE(cfg.api.allow_insecure_http);

  REQUIRE(cfg.vcenters.size() == 1);
  const VCenterConfig& vc = cfg.vcenters[0];
  REQUIRE(vc.name == "vc1");
  REQUIRE(vc.url == "https://vc1.example.com/sdk");
  REQUIRE(vc.https);
  REQUIRE(vc.endpoint.host == "vc1.example.com");
  REQUIRE(vc.endpoint.port == 443);
  REQUIRE(vc.path == "/sdk");
  REQUIRE(vc.credential.username == "svc-vmfabric");
  REQUIRE(vc.credential.password_env == "VC1_PASSWORD");
  REQUIRE(vc.credential.password_file == "");
  REQUIRE(vc.tls.ca_file == "/etc/vmfabric/vc1-ca.pem");
  REQUIRE(vc.tls.fingerprint_sha256 == "");
  REQUIRE_FALSE(vc.tls.insecure);

  REQUIRE(cfg.switches.size() == 1);
  const SwitchConfig& sw = cfg.switches[0];
  REQUIRE(sw.name == "leaf1");
  REQUIRE(sw.address == "10.0.0.11");
  REQUIRE(sw.port == 443);
  REQUIRE(sw.transport == Transport::kHttps);
  REQUIRE(sw.credential.username == "vmfabric");
  REQUIRE(sw.credential.password_env == "EOS_PASSWORD");
  REQUIRE(sw.credential.password_file == "");
  REQUIRE(sw.tls.ca_file == "");
  REQUIRE(sw.tls.fingerprint_sha256 == "");
  REQUIRE_FALSE(sw.tls.insecure);

  REQUIRE(cfg.policy.managed_vlans == VlanSet::parse("100-3999"));
  REQUIRE(cfg.policy.managed_vlans.to_string() == "100-3999");
  REQUIRE(cfg.policy.mode == PlanMode::kOnDemand);
  REQUIRE(cfg.policy.prune_delay_s == 300);
  REQUIRE(cfg.policy.max_removals_per_cycle == 200);  // default
  REQUIRE(cfg.policy.apply == ApplyMode::kAuto);      // default

  REQUIRE(cfg.audit.interval_s == 900);
  REQUIRE(cfg.audit.remediate == Remediation::kNone);
  REQUIRE(cfg.audit.retention_days == 30);  // default
}

TEST_CASE("Optional sections and keys take their defaults", "[config]") {
  const Config cfg = parse(R"({
    "database": "state/db.sqlite",
    "switches": [ { "name": "leaf1", "address": "leaf1.example.com", "username": "u",
                    "password_file": "secrets/eos.pw" },
                  { "name": "lab-2", "address": "fd00::2", "transport": "http", "username": "u",
                    "password_env": "P" } ],
    "policy": { "managed_vlans": "ALL" }
  })");
  REQUIRE(cfg.database == "/etc/vmfabric/state/db.sqlite");
  REQUIRE(cfg.log_level == "info");
  REQUIRE(cfg.api.listen.host == "127.0.0.1");
  REQUIRE(cfg.api.listen.port == 8080);
  REQUIRE(cfg.api.tokens_file == "/etc/vmfabric/tokens.json");
  REQUIRE(cfg.vcenters.empty());
  REQUIRE(cfg.switches.size() == 2);
  REQUIRE(cfg.switches[0].port == 443);
  REQUIRE(cfg.switches[0].transport == Transport::kHttps);
  REQUIRE(cfg.switches[0].credential.password_env == "");
  REQUIRE(cfg.switches[0].credential.password_file == "/etc/vmfabric/secrets/eos.pw");
  REQUIRE(cfg.switches[1].address == "fd00::2");
  REQUIRE(cfg.switches[1].transport == Transport::kHttp);
  REQUIRE(cfg.switches[1].port == 80);  // the http default
  REQUIRE(cfg.policy.managed_vlans.is_all());
  REQUIRE(cfg.policy.mode == PlanMode::kOnDemand);
  REQUIRE(cfg.policy.prune_delay_s == 300);
  REQUIRE(cfg.policy.max_removals_per_cycle == 200);
  REQUIRE(cfg.policy.apply == ApplyMode::kAuto);
  REQUIRE(cfg.audit.interval_s == 900);
  REQUIRE(cfg.audit.remediate == Remediation::kNone);
  REQUIRE(cfg.audit.retention_days == 30);
}

TEST_CASE("Every optional key is read when given", "[config]") {
  const Config cfg = parse(R"({
    "database": "/var/lib/vmfabric/vmfabric.db",
    "log_level": "debug",
    "api": { "listen": "0.0.0.0:8443", "tokens_file": "../shared/tokens.json",
             "tls": { "cert_file": "api.crt", "key_file": "/etc/ssl/private/api.key" } },
    "vcenters": [ { "name": "vc-lab_1.a", "url": "http://[fd00::10]:8989/custom/sdk",
                    "username": "u", "password_file": "/run/secrets/vc",
                    "tls": { "fingerprint_sha256":
                    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef" } },
                  { "name": "vc2", "url": "https://vc2:8443", "username": "u",
                    "password_env": "VC2", "tls": { "insecure": true } } ],
    "switches": [ { "name": "spine1", "address": "10.0.0.1", "port": 8443, "transport": "http",
                    "username": "admin", "password_env": "SPINE_PW",
                    "tls": { "ca_file": "ca/eos.pem" } } ],
    "policy": { "managed_vlans": " 10-20 , 30 ", "mode": "portgroup", "prune_delay_s": 0,
                "max_removals_per_cycle": 1000000, "apply": "dry-run" },
    "audit": { "interval_s": 0, "remediate": "add-only", "retention_days": 3650 }
  })");
  REQUIRE(cfg.database == "/var/lib/vmfabric/vmfabric.db");
  REQUIRE(cfg.log_level == "debug");
  REQUIRE(cfg.api.listen.host == "0.0.0.0");
  REQUIRE(cfg.api.listen.port == 8443);
  REQUIRE(cfg.api.tokens_file == "/etc/shared/tokens.json");
  REQUIRE(cfg.api.tls_cert_file == "/etc/vmfabric/api.crt");
  REQUIRE(cfg.api.tls_key_file == "/etc/ssl/private/api.key");
  REQUIRE(cfg.api.tls());

  REQUIRE(cfg.vcenters.size() == 2);
  REQUIRE(cfg.vcenters[0].name == "vc-lab_1.a");
  REQUIRE_FALSE(cfg.vcenters[0].https);
  REQUIRE(cfg.vcenters[0].endpoint.host == "fd00::10");
  REQUIRE(cfg.vcenters[0].endpoint.port == 8989);
  REQUIRE(cfg.vcenters[0].path == "/custom/sdk");
  REQUIRE(cfg.vcenters[0].credential.password_file == "/run/secrets/vc");
  REQUIRE(cfg.vcenters[0].tls.fingerprint_sha256 == kFingerprint);
  REQUIRE_FALSE(cfg.vcenters[0].tls.insecure);
  REQUIRE(cfg.vcenters[1].https);
  REQUIRE(cfg.vcenters[1].endpoint.host == "vc2");
  REQUIRE(cfg.vcenters[1].endpoint.port == 8443);
  REQUIRE(cfg.vcenters[1].path == "/sdk");
  REQUIRE(cfg.vcenters[1].tls.insecure);

  REQUIRE(cfg.switches[0].port == 8443);
  REQUIRE(cfg.switches[0].transport == Transport::kHttp);
  REQUIRE(cfg.switches[0].tls.ca_file == "/etc/vmfabric/ca/eos.pem");

  REQUIRE(cfg.policy.managed_vlans.to_string() == "10-20,30");
  REQUIRE(cfg.policy.mode == PlanMode::kPortgroup);
  REQUIRE(cfg.policy.prune_delay_s == 0);
  REQUIRE(cfg.policy.max_removals_per_cycle == 1000000);
  REQUIRE(cfg.policy.apply == ApplyMode::kDryRun);
  REQUIRE(cfg.audit.interval_s == 0);
  REQUIRE(cfg.audit.remediate == Remediation::kAddOnly);
  REQUIRE(cfg.audit.retention_days == 3650);
}

TEST_CASE("Accepted variants of URLs, listen addresses and enums", "[config]") {
  SECTION("vCenter URLs") {
    const auto vc = [](const std::string& url) {
      return parse(edit(kMinimal, "https://vc1.example.com/sdk", url)).vcenters.at(0);
    };
    VCenterConfig c = vc("http://vc1.example.com");
    REQUIRE_FALSE(c.https);
    REQUIRE(c.endpoint.host == "vc1.example.com");
    REQUIRE(c.endpoint.port == 80);
    REQUIRE(c.path == "/sdk");
    c = vc("https://[::1]/sdk");
    REQUIRE(c.endpoint.host == "::1");
    REQUIRE(c.endpoint.port == 443);
    c = vc("https://127.0.0.1:8989/sdk");
    REQUIRE(c.endpoint.host == "127.0.0.1");
    REQUIRE(c.endpoint.port == 8989);
    REQUIRE(c.url == "https://127.0.0.1:8989/sdk");
  }
  SECTION("loopback listen addresses need no TLS") {
    for (const std::string listen :
         {"localhost:9000", "[::1]:8080", "127.0.0.2:1", "127.0.0.1:65535"}) {
      INFO(listen);
      const Config cfg = parse(edit(kMinimal, "127.0.0.1:8080", listen));
      REQUIRE(cfg.api.listen.port == std::stoi(listen.substr(listen.rfind(':') + 1)));
    }
    REQUIRE(parse(edit(kMinimal, "127.0.0.1:8080", "[::1]:8080")).api.listen.host == "::1");
  }
  SECTION("plain HTTP on a public address when explicitly allowed") {
    const Config cfg = parse(edit(kMinimal, R"("listen": "127.0.0.1:8080")",
                                  R"("listen": "10.1.2.3:80", "allow_insecure_http": true)"));
    REQUIRE(cfg.api.listen.host == "10.1.2.3");
    REQUIRE(cfg.api.listen.port == 80);
    REQUIRE(cfg.api.allow_insecure_http);
  }
  SECTION("enums") {
    REQUIRE(parse(edit(kMinimal, "\"on-demand\"", "\"cluster\"")).policy.mode ==
            PlanMode::kCluster);
    REQUIRE(
        parse(edit(kMinimal, "\"remediate\": false", "\"remediate\": \"full\"")).audit.remediate ==
        Remediation::kFull);
    REQUIRE(
        parse(edit(kMinimal, "\"remediate\": false", "\"remediate\": \"none\"")).audit.remediate ==
        Remediation::kNone);
    for (const std::string level : {"debug", "info", "warn", "error"}) {
      REQUIRE(parse(edit(kMinimal, "{\n", "{\n\"log_level\": \"" + level + "\",\n")).log_level ==
              level);
    }
    REQUIRE(std::string(to_string(PlanMode::kOnDemand)) == "on-demand");
    REQUIRE(std::string(to_string(PlanMode::kCluster)) == "cluster");
    REQUIRE(std::string(to_string(PlanMode::kPortgroup)) == "portgroup");
    REQUIRE(std::string(to_string(ApplyMode::kAuto)) == "auto");
    REQUIRE(std::string(to_string(ApplyMode::kDryRun)) == "dry-run");
    REQUIRE(std::string(to_string(Remediation::kNone)) == "none");
    REQUIRE(std::string(to_string(Remediation::kAddOnly)) == "add-only");
    REQUIRE(std::string(to_string(Remediation::kFull)) == "full");
  }
  SECTION("null is the same as absent") {
    const Config cfg =
        parse(edit(kMinimal, "\"audit\": { \"interval_s\": 900, \"remediate\": false }",
                   "\"audit\": null, \"log_level\": null"));
    REQUIRE(cfg.audit.interval_s == 900);
    REQUIRE(cfg.log_level == "info");
  }
}

TEST_CASE("Invalid JSON is reported with line and column", "[config]") {
  REQUIRE(problems("{\n  \"database\": \"x.db\",\n  \"api\": }\n") ==
          Problems{"config.json:3:10: invalid JSON: syntax error while parsing value - unexpected "
                   "'}'; expected '[', '{', or a literal"});
  REQUIRE(problems("{ \"database\": \"x.db\", }") ==
          Problems{"config.json:1:23: invalid JSON: syntax error while parsing object key - "
                   "unexpected '}'; expected string literal"});
  REQUIRE(problems("") ==
          Problems{"config.json:1:1: invalid JSON: syntax error while parsing value - unexpected "
                   "end of input; expected '[', '{', or a literal"});
  // A number beyond a double has no position to report (found by tests/fuzz/fuzz_config).
  REQUIRE(problems("{ \"audit\": { \"interval_s\": 1e999 } }") ==
          Problems{"config.json: invalid JSON: number overflow parsing '1e999'"});
  // A comment does not shift the reported position.
  REQUIRE(problems("// header\n{\n  \"a\": 1 2\n}") ==
          Problems{"config.json:3:10: invalid JSON: syntax error while parsing object - "
                   "unexpected number literal; expected '}'"});
  try {
    parse("[");
    FAIL("accepted \"[\"");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()) ==
            "config.json:1:2: invalid JSON: syntax error while parsing value - unexpected end of "
            "input; expected '[', '{', or a literal");
  }
}

TEST_CASE("Bad configs are reported with their exact messages", "[config]") {
  SECTION("top level not an object") {
    REQUIRE(problems("[1, 2]") == Problems{"config.json: expected an object, got [1,2]"});
    REQUIRE(problems("\"text\"") == Problems{"config.json: expected an object, got \"text\""});
    REQUIRE(problems("null") == Problems{"config.json: expected an object, got null"});
  }
  SECTION("missing required keys") {
    REQUIRE(problems(edit(
                kMinimal,
                R"("database": "vmfabric.db",  // relative: taken from the config's directory)",
                "")) == Problems{"config.json: database: required key missing"});
    REQUIRE(problems(R"({"database": "x.db"})") ==
            Problems{"config.json: policy: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("managed_vlans": "100-3999", )", "")) ==
            Problems{"config.json: policy.managed_vlans: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("username": "vmfabric",)", "")) ==
            Problems{"config.json: switches[0].username: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("address": "10.0.0.11", )", "")) ==
            Problems{"config.json: switches[0].address: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("url": "https://vc1.example.com/sdk",)", "")) ==
            Problems{"config.json: vcenters[0].url: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("name": "vc1", )", "")) ==
            Problems{"config.json: vcenters[0].name: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("database": "vmfabric.db")", R"("database": null)")) ==
            Problems{"config.json: database: required key missing"});
    REQUIRE(problems(edit(kMinimal, R"("tokens_file": "tokens.json" })",
                          R"("tokens_file": "tokens.json", "tls": { "cert_file": "a.crt" } })")) ==
            Problems{"config.json: api.tls.key_file: required key missing"});
  }
  SECTION("wrong types") {
    REQUIRE(problems(edit(kMinimal, R"("database": "vmfabric.db")", R"("database": 42)")) ==
            Problems{"config.json: database: expected a string, got 42"});
    REQUIRE(problems(edit(kMinimal, R"("database": "vmfabric.db")", R"("database": "")")) ==
            Problems{"config.json: database: must not be empty"});
    REQUIRE(problems(edit(kMinimal, R"("database": "vmfabric.db")", R"("database": ["a", "b"])")) ==
            Problems{"config.json: database: expected a string, got [\"a\",\"b\"]"});
    REQUIRE(
        problems(edit(kMinimal, "\"prune_delay_s\": 300", "\"prune_delay_s\": \"300\"")) ==
        Problems{"config.json: policy.prune_delay_s: expected an integer 0-604800, got \"300\""});
    REQUIRE(problems(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 900.5")) ==
            Problems{"config.json: audit.interval_s: expected an integer 0-604800, got 900.5"});
    REQUIRE(problems(edit(kMinimal, R"("audit": { "interval_s": 900, "remediate": false })",
                          R"("audit": "daily")")) ==
            Problems{"config.json: audit: expected an object, got \"daily\""});
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })", R"("tls": true)")) ==
            Problems{"config.json: vcenters[0].tls: expected an object, got true"});
    REQUIRE(problems(R"({"database": "x", "vcenters": {}, "policy": {"managed_vlans": "1"}})") ==
            Problems{"config.json: vcenters: expected an array, got {}"});
    REQUIRE(
        problems(
            R"({"database": "x", "switches": [5, "leaf"], "policy": {"managed_vlans": "1"}})") ==
        Problems{"config.json: switches[0]: expected an object, got 5",
                 "config.json: switches[1]: expected an object, got \"leaf\""});
    REQUIRE(problems(edit(kMinimal, "\"prune_delay_s\": 300",
                          "\"prune_delay_s\": 300, "
                          "\"max_removals_per_cycle\": 0")) ==
            Problems{"config.json: policy.max_removals_per_cycle: expected an integer 1-1000000, "
                     "got 0"});
    REQUIRE(problems(edit(kMinimal, "\"remediate\": false", "\"retention_days\": true")) ==
            Problems{"config.json: audit.retention_days: expected an integer 1-3650, got true"});
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "insecure": "yes" })")) ==
            Problems{"config.json: vcenters[0].tls.insecure: expected true or false, got \"yes\""});
  }
  SECTION("long values are shortened in messages") {
    REQUIRE(problems(edit(kMinimal, R"("database": "vmfabric.db")",
                          R"("database": [1111111111, 2222222222, 3333333333, 4444444444])")) ==
            Problems{"config.json: database: expected a string, got "
                     "[1111111111,2222222222,3333333333,444..."});
  }
  SECTION("switch ports") {
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": "abc")")) ==
            Problems{R"(config.json: switches[2].port: expected an integer 1-65535, got "abc")"});
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": 0)")) ==
            Problems{"config.json: switches[2].port: expected an integer 1-65535, got 0"});
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": 70000)")) ==
            Problems{"config.json: switches[2].port: expected an integer 1-65535, got 70000"});
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": 65536)")) ==
            Problems{"config.json: switches[2].port: expected an integer 1-65535, got 65536"});
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": -443)")) ==
            Problems{"config.json: switches[2].port: expected an integer 1-65535, got -443"});
    REQUIRE(problems(edit(kThreeSwitches, R"("port": 443)", R"("port": 443.0)")) ==
            Problems{"config.json: switches[2].port: expected an integer 1-65535, got 443.0"});
    REQUIRE(parse(edit(kThreeSwitches, R"("port": 443)", R"("port": 65535)")).switches[2].port ==
            65535);
    REQUIRE(parse(edit(kThreeSwitches, R"("port": 443)", R"("port": 1)")).switches[2].port == 1);
  }
  SECTION("unknown keys, with a hint when one is close") {
    REQUIRE(problems(edit(kMinimal, R"("address": "10.0.0.11")", R"("adress": "10.0.0.11")")) ==
            Problems{"config.json: switches[0].address: required key missing",
                     "config.json: switches[0].adress: unknown key (did you mean \"address\"?)"});
    REQUIRE(problems(edit(kMinimal, "\"database\"", "\"databse\"")) ==
            Problems{"config.json: database: required key missing",
                     "config.json: databse: unknown key (did you mean \"database\"?)"});
    REQUIRE(
        problems(edit(kMinimal, "\"prune_delay_s\"", "\"prune_delay\"")) ==
        Problems{"config.json: policy.prune_delay: unknown key (did you mean \"prune_delay_s\"?)"});
    REQUIRE(
        problems(edit(kMinimal, "\"ca_file\"", "\"cafile\"")) ==
        Problems{"config.json: vcenters[0].tls.cafile: unknown key (did you mean \"ca_file\"?)"});
    REQUIRE(problems(edit(kMinimal, "{\n", "{\n  \"colour\": \"blue\",\n")) ==
            Problems{"config.json: colour: unknown key"});
    REQUIRE(problems(edit(kMinimal, "\"listen\"", "\"bind\"")) ==
            Problems{"config.json: api.bind: unknown key"});
  }
  SECTION("passwords") {
    REQUIRE(
        problems(edit(kMinimal, R"("password_env": "EOS_PASSWORD")", R"("password": "hunter2")")) ==
        Problems{"config.json: switches[0].password: literal passwords are not accepted; set "
                 "password_env (the name of an environment variable) or password_file (a file "
                 "readable only by vmfabricd)"});
    REQUIRE(problems(edit(kMinimal, R"("password_env": "EOS_PASSWORD")",
                          R"("password_env": "EOS_PASSWORD", "password": "hunter2")")) ==
            Problems{"config.json: switches[0].password: literal passwords are not accepted; set "
                     "password_env (the name of an environment variable) or password_file (a file "
                     "readable only by vmfabricd)"});
    REQUIRE(problems(edit(kMinimal, R"("password_env": "VC1_PASSWORD")",
                          R"("password_env": "VC1_PASSWORD", "password_file": "vc1.pw")")) ==
            Problems{"config.json: vcenters[0].password_env: set password_env or password_file, "
                     "not both"});
    REQUIRE(problems(edit(kMinimal, R"(,
                  "password_env": "EOS_PASSWORD")",
                          "")) ==
            Problems{"config.json: switches[0].password_env: required key missing: set "
                     "password_env or password_file"});
  }
  SECTION("duplicate names") {
    REQUIRE(problems(edit(kThreeSwitches, R"("name": "leaf3")", R"("name": "leaf1")")) ==
            Problems{"config.json: switches[2].name: duplicate name \"leaf1\" (also switches[0])"});
    REQUIRE(problems(edit(edit(kThreeSwitches, R"("name": "leaf3")", R"("name": "leaf2")"),
                          R"("name": "leaf1")", R"("name": "leaf2")")) ==
            Problems{"config.json: switches[1].name: duplicate name \"leaf2\" (also switches[0])",
                     "config.json: switches[2].name: duplicate name \"leaf2\" (also switches[0])"});
    // The same name for a vCenter and a switch is fine: they are different lists.
    REQUIRE(parse(edit(kMinimal, R"("name": "leaf1")", R"("name": "vc1")")).switches[0].name ==
            "vc1");
  }
  SECTION("names") {
    REQUIRE(problems(edit(kMinimal, R"("name": "leaf1")", R"("name": "leaf 1")")) ==
            Problems{"config.json: switches[0].name: expected letters, digits, '.', '-' or '_' (at "
                     "most 64), got \"leaf 1\""});
    const std::string long_name(65, 'a');
    REQUIRE(problems(edit(kMinimal, R"("name": "leaf1")", "\"name\": \"" + long_name + "\"")) ==
            Problems{"config.json: switches[0].name: expected letters, digits, '.', '-' or '_' (at "
                     "most 64), got \"" +
                     long_name + "\""});
  }
  SECTION("managed VLANs") {
    REQUIRE(problems(edit(kMinimal, "\"100-3999\"", "\"100-abc\"")) ==
            Problems{"config.json: policy.managed_vlans: VLAN list \"100-abc\": bad token "
                     "\"100-abc\": expected a VLAN id 1-4094 or a range like 10-20"});
    REQUIRE(problems(edit(kMinimal, "\"100-3999\"", "\"100-4095\"")) ==
            Problems{"config.json: policy.managed_vlans: VLAN list \"100-4095\": bad token "
                     "\"100-4095\": VLAN 4095 is outside 1-4094"});
    REQUIRE(problems(edit(kMinimal, "\"100-3999\"", "\"\"")) ==
            Problems{"config.json: policy.managed_vlans: must not be empty"});
  }
  SECTION("enums") {
    REQUIRE(problems(edit(kMinimal, "\"on-demand\"", "\"fast\"")) ==
            Problems{"config.json: policy.mode: expected one of \"on-demand\", \"cluster\", "
                     "\"portgroup\", got \"fast\""});
    REQUIRE(problems(edit(kMinimal, "\"on-demand\"", "1")) ==
            Problems{"config.json: policy.mode: expected one of \"on-demand\", \"cluster\", "
                     "\"portgroup\", got 1"});
    REQUIRE(problems(edit(kMinimal, "\"transport\": \"https\"", "\"transport\": \"ssh\"")) ==
            Problems{"config.json: switches[0].transport: expected one of \"https\", \"http\", got "
                     "\"ssh\""});
    REQUIRE(problems(edit(kMinimal, "\"transport\": \"https\"", "\"transport\": \"HTTPS\"")) ==
            Problems{"config.json: switches[0].transport: expected one of \"https\", \"http\", got "
                     "\"HTTPS\""});
    REQUIRE(problems(edit(kMinimal, "{\n", "{\n  \"log_level\": \"verbose\",\n")) ==
            Problems{"config.json: log_level: expected one of \"debug\", \"info\", \"warn\", "
                     "\"error\", got \"verbose\""});
    REQUIRE(
        problems(edit(kMinimal, "\"prune_delay_s\": 300", "\"apply\": \"yes\"")) ==
        Problems{"config.json: policy.apply: expected one of \"auto\", \"dry-run\", got \"yes\""});
  }
  SECTION("vCenter URLs") {
    for (const std::string url :
         {"vc1.example.com/sdk", "ftp://vc1.example.com/sdk", "https://", "https:///sdk",
          "https://vc1.example.com:/sdk", "https://vc1.example.com:99999/sdk",
          "https://user@vc1.example.com/sdk", "https://fd00::1/sdk"}) {
      INFO(url);
      REQUIRE(problems(edit(kMinimal, "https://vc1.example.com/sdk", url)) ==
              Problems{"config.json: vcenters[0].url: expected an http(s) URL like "
                       "https://vc1.example.com/sdk, got \"" +
                       url + "\""});
    }
  }
  SECTION("switch addresses") {
    for (const std::string address :
         {"https://10.0.0.11", "10.0.0.11/24", "leaf 1", "[fd00::1]", "http://leaf1"}) {
      INFO(address);
      REQUIRE(problems(edit(kMinimal, "\"10.0.0.11\"", "\"" + address + "\"")) ==
              Problems{"config.json: switches[0].address: expected a host name or IP address (no "
                       "scheme or port), got \"" +
                       address + "\""});
    }
  }
  SECTION("TLS trust") {
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "fingerprint_sha256": ")" + kFingerprint +
                              R"(", "insecure": true })")) ==
            Problems{"config.json: vcenters[0].tls.insecure: insecure: true cannot be combined "
                     "with ca_file or fingerprint_sha256"});
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "ca_file": "vc1-ca.pem", "insecure": true })")) ==
            Problems{"config.json: vcenters[0].tls.insecure: insecure: true cannot be combined "
                     "with ca_file or fingerprint_sha256"});
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "fingerprint_sha256": "ab:cd" })")) ==
            Problems{"config.json: vcenters[0].tls.fingerprint_sha256: expected a SHA-256 "
                     "fingerprint (64 hex digits, colons allowed), got \"ab:cd\""});
    const std::string not_hex = std::string(63, 'a') + "g";
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "fingerprint_sha256": ")" + not_hex + R"(" })")) ==
            Problems{"config.json: vcenters[0].tls.fingerprint_sha256: expected a SHA-256 "
                     "fingerprint (64 hex digits, colons allowed), got \"" +
                     not_hex + "\""});
    REQUIRE(problems(edit(kMinimal, R"("tls": { "ca_file": "vc1-ca.pem" })",
                          R"("tls": { "fingerprint_sha256": ")" + kFingerprint + R"(0" })")) ==
            Problems{"config.json: vcenters[0].tls.fingerprint_sha256: expected a SHA-256 "
                     "fingerprint (64 hex digits, colons allowed), got \"" +
                     kFingerprint + "0\""});
  }
  SECTION("API listen address") {
    for (const std::string listen :
         {"localhost", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:0", "127.0.0.1:65536",
          "127.0.0.1:80a", "::1:8080", "[::1]8080", "[::1", "127.0.0.1:123456"}) {
      INFO(listen);
      REQUIRE(problems(edit(kMinimal, "127.0.0.1:8080", listen)) ==
              Problems{"config.json: api.listen: expected host:port (or [v6]:port), got \"" +
                       listen + "\""});
    }
  }
  SECTION("plain HTTP on a non-loopback address") {
    REQUIRE(problems(edit(kMinimal, "127.0.0.1:8080", "0.0.0.0:8080")) ==
            Problems{"config.json: api.listen: plain HTTP on the non-loopback address 0.0.0.0 "
                     "would expose API tokens; set api.tls (cert_file, key_file), or "
                     "allow_insecure_http: true"});
    REQUIRE(problems(edit(kMinimal, "127.0.0.1:8080", "[fd00::1]:8080")) ==
            Problems{"config.json: api.listen: plain HTTP on the non-loopback address fd00::1 "
                     "would expose API tokens; set api.tls (cert_file, key_file), or "
                     "allow_insecure_http: true"});
  }
  SECTION("audit") {
    REQUIRE(problems(edit(kMinimal, "\"remediate\": false", "\"remediate\": true")) ==
            Problems{"config.json: audit.remediate: expected one of \"none\", \"add-only\", "
                     "\"full\", got true"});
    REQUIRE(problems(edit(kMinimal, "\"remediate\": false", "\"remediate\": \"all\"")) ==
            Problems{"config.json: audit.remediate: expected one of \"none\", \"add-only\", "
                     "\"full\", got \"all\""});
    REQUIRE(problems(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 5")) ==
            Problems{"config.json: audit.interval_s: expected 0 (no scheduled audits) or at least "
                     "10, got 5"});
    REQUIRE(problems(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 9")) ==
            Problems{"config.json: audit.interval_s: expected 0 (no scheduled audits) or at least "
                     "10, got 9"});
    REQUIRE(parse(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 10")).audit.interval_s ==
            10);
    REQUIRE(problems(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 604801")) ==
            Problems{"config.json: audit.interval_s: expected an integer 0-604800, got 604801"});
    REQUIRE(problems(edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": -1")) ==
            Problems{"config.json: audit.interval_s: expected an integer 0-604800, got -1"});
  }
}

TEST_CASE("A config with several problems reports all of them in order", "[config]") {
  const std::string text = R"({
    "log_level": "loud",
    "api": { "listen": "0.0.0.0:8080", "tokenfile": "t.json" },
    "vcenters": [ { "name": "vc1", "url": "vc1.example.com", "username": "u",
                    "password": "secret" } ],
    "switches": [ { "name": "leaf1", "address": "10.0.0.11", "port": "abc", "username": "u",
                    "password_env": "P" },
                  { "name": "leaf1", "address": "10.0.0.12", "username": "u" } ],
    "policy": { "managed_vlans": "ALL,5", "mode": "fast" },
    "audit": { "interval_s": 5, "remediate": true },
    "extra": 1
  })";
  const Problems want{
      "config.json: database: required key missing",
      "config.json: log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", got "
      "\"loud\"",
      "config.json: api.listen: plain HTTP on the non-loopback address 0.0.0.0 would expose API "
      "tokens; set api.tls (cert_file, key_file), or allow_insecure_http: true",
      "config.json: api.tokenfile: unknown key (did you mean \"tokens_file\"?)",
      "config.json: vcenters[0].url: expected an http(s) URL like https://vc1.example.com/sdk, got "
      "\"vc1.example.com\"",
      "config.json: vcenters[0].password: literal passwords are not accepted; set password_env "
      "(the name of an environment variable) or password_file (a file readable only by "
      "vmfabricd)",
      "config.json: switches[0].port: expected an integer 1-65535, got \"abc\"",
      "config.json: switches[1].password_env: required key missing: set password_env or "
      "password_file",
      "config.json: switches[1].name: duplicate name \"leaf1\" (also switches[0])",
      "config.json: policy.managed_vlans: VLAN list \"ALL,5\": bad token \"ALL\": ALL and NONE "
      "must stand alone",
      "config.json: policy.mode: expected one of \"on-demand\", \"cluster\", \"portgroup\", got "
      "\"fast\"",
      "config.json: audit.interval_s: expected 0 (no scheduled audits) or at least 10, got 5",
      "config.json: audit.remediate: expected one of \"none\", \"add-only\", \"full\", got true",
      "config.json: extra: unknown key",
  };
  REQUIRE(problems(text) == want);

  // what() is every problem, one per line.
  try {
    parse(text);
    FAIL("accepted");
  } catch (const ConfigError& e) {
    std::string joined;
    for (const auto& p : want) joined += (joined.empty() ? "" : "\n") + p;
    REQUIRE(std::string(e.what()) == joined);
  }
}

TEST_CASE("The name given to parse_config prefixes every message", "[config]") {
  try {
    parse_config("{}", "/etc/vmfabric/vmfabric.json", "/etc/vmfabric");
    FAIL("accepted {}");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems() == Problems{"/etc/vmfabric/vmfabric.json: database: required key missing",
                                     "/etc/vmfabric/vmfabric.json: policy: required key missing"});
  }
}

// Regression: check_unique_names indexed the parsed switches, but entries
// that are not objects are skipped when parsing, so after a bad entry the duplicate was reported
// at the wrong array indices ("switches[1]" / "switches[0]" instead of switches[2] / [1]).
TEST_CASE("Duplicate names are reported at their array index after a bad entry", "[config]") {
  const std::string text = R"({
    "database": "x.db",
    "switches": [ 7,
      { "name": "leaf1", "address": "10.0.0.11", "username": "u", "password_env": "P" },
      { "name": "leaf1", "address": "10.0.0.12", "username": "u", "password_env": "P" } ],
    "policy": { "managed_vlans": "1-10" }
  })";
  REQUIRE(problems(text) ==
          Problems{"config.json: switches[0]: expected an object, got 7",
                   "config.json: switches[2].name: duplicate name \"leaf1\" (also switches[1])"});
}

// Regression: the address check says "no scheme or port" but valid_host
// accepted ':' (for IPv6), so "host:port" passed and the port silently became part of the host.
TEST_CASE("A switch address with a port is refused", "[config]") {
  REQUIRE(problems(edit(kMinimal, "\"10.0.0.11\"", "\"10.0.0.11:443\"")) ==
          Problems{"config.json: switches[0].address: expected a host name or IP address (no "
                   "scheme or port), got \"10.0.0.11:443\""});
}

// Regression: is_loopback treated any host starting with "127." as loopback,
// so a DNS name such as "127.example.com" escaped the plain-HTTP check.
TEST_CASE("A host name that merely starts with 127. is not loopback", "[config]") {
  REQUIRE(problems(edit(kMinimal, "127.0.0.1:8080", "127.example.com:8080")) ==
          Problems{"config.json: api.listen: plain HTTP on the non-loopback address "
                   "127.example.com would expose API tokens; set api.tls (cert_file, key_file), "
                   "or allow_insecure_http: true"});
}

TEST_CASE("Credential from an environment variable", "[config]") {
  const char* const var = "VMFABRIC_CONFIG_TEST_PASSWORD_4F2A9C";
  Credential c;
  c.username = "svc";
  c.password_env = var;

  ::unsetenv(var);
  REQUIRE(problem_of(c) == "environment variable VMFABRIC_CONFIG_TEST_PASSWORD_4F2A9C is not set");
  try {
    c.resolve("vcenter vc1");
    FAIL("resolved an unset variable");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems() ==
            Problems{"vcenter vc1: environment variable VMFABRIC_CONFIG_TEST_PASSWORD_4F2A9C is "
                     "not set"});
  }

  REQUIRE(::setenv(var, "", 1) == 0);
  REQUIRE(problem_of(c) == "environment variable VMFABRIC_CONFIG_TEST_PASSWORD_4F2A9C is empty");
  REQUIRE_THROWS_WITH(c.resolve("switch leaf1"),
                      "switch leaf1: environment variable VMFABRIC_CONFIG_TEST_PASSWORD_4F2A9C is "
                      "empty");

  REQUIRE(::setenv(var, "s3cret value\n", 1) == 0);
  REQUIRE_FALSE(c.problem().has_value());
  REQUIRE(c.resolve("vcenter vc1").reveal() == "s3cret value\n");  // taken as is
  REQUIRE_FALSE(c.resolve("vcenter vc1").empty());

  ::unsetenv(var);
  REQUIRE(c.problem().has_value());
}

TEST_CASE("Credential from a password file", "[config]") {
  testing::TempDir dir;
  Credential c;
  c.username = "svc";

  SECTION("trailing newline dropped") {
    c.password_file = dir.write("pw", "hunter2\n");
    REQUIRE_FALSE(c.problem().has_value());
    REQUIRE(c.resolve("switch leaf1").reveal() == "hunter2");
  }
  SECTION("CRLF and several newlines dropped, inner whitespace kept") {
    c.password_file = dir.write("pw", " a b\r\n\n");
    REQUIRE(c.resolve("switch leaf1").reveal() == " a b");
  }
  SECTION("no newline") {
    c.password_file = dir.write("pw", "x");
    REQUIRE(c.resolve("switch leaf1").reveal() == "x");
  }
  SECTION("empty file") {
    c.password_file = dir.write("pw", "");
    REQUIRE(problem_of(c) == "password_file " + c.password_file + " is empty");
    try {
      c.resolve("switch leaf1");
      FAIL("resolved an empty file");
    } catch (const ConfigError& e) {
      REQUIRE(e.problems() ==
              Problems{"switch leaf1: password_file " + c.password_file + " is empty"});
    }
  }
  SECTION("missing file") {
    c.password_file = dir.file("absent.pw");
    REQUIRE(problem_of(c) == "cannot read password_file " + c.password_file);
    REQUIRE_THROWS_WITH(c.resolve("vcenter vc1"),
                        "vcenter vc1: cannot read password_file " + c.password_file);
  }
}

// Regression: problem() only checked that the file had a first byte, while
// resolve() stripped trailing newlines afterwards, so a file holding just "\n" resolved to an
// empty password instead of failing as "is empty".
TEST_CASE("A password file holding only a newline is empty", "[config]") {
  testing::TempDir dir;
  Credential c;
  c.username = "svc";
  c.password_file = dir.write("pw", "\n");
  REQUIRE(problem_of(c) == "password_file " + c.password_file + " is empty");
  REQUIRE_THROWS_WITH(c.resolve("switch leaf1"),
                      "switch leaf1: password_file " + c.password_file + " is empty");
}

TEST_CASE("load_config reads a file and anchors paths at its directory", "[config]") {
  testing::TempDir dir;
  SECTION("missing file") {
    const std::string path = dir.file("missing.json");
    try {
      load_config(path);
      FAIL("loaded a missing file");
    } catch (const ConfigError& e) {
      REQUIRE(e.problems() == Problems{path + ": cannot read the config file (no such file)"});
    }
  }
  SECTION("valid file") {
    const std::string path = dir.write("vmfabric.json", kMinimal);
    const Config cfg = load_config(path);
    const std::string base = dir.path().lexically_normal().string();
    REQUIRE(cfg.path == path);
    REQUIRE(cfg.database == base + "/vmfabric.db");
    REQUIRE(cfg.api.tokens_file == base + "/tokens.json");
    REQUIRE(cfg.vcenters.at(0).tls.ca_file == base + "/vc1-ca.pem");
    REQUIRE(cfg.switches.at(0).name == "leaf1");
  }
  SECTION("file with problems: messages name the path") {
    const std::string path =
        dir.write("bad.json", edit(kMinimal, "\"interval_s\": 900", "\"interval_s\": 5"));
    try {
      load_config(path);
      FAIL("loaded a bad file");
    } catch (const ConfigError& e) {
      REQUIRE(e.problems() ==
              Problems{path + ": audit.interval_s: expected 0 (no scheduled audits) or at least "
                              "10, got 5"});
    }
  }
  SECTION("password_file relative to the config's directory resolves") {
    dir.write("eos.pw", "from-file\n");
    const std::string path = dir.write(
        "vmfabric.json",
        edit(kMinimal, R"("password_env": "EOS_PASSWORD")", R"("password_file": "eos.pw")"));
    const Config cfg = load_config(path);
    REQUIRE(cfg.switches.at(0).credential.password_file ==
            (dir.path().lexically_normal() / "eos.pw").string());
    REQUIRE(cfg.switches.at(0).credential.resolve("switch leaf1").reveal() == "from-file");
  }
}

TEST_CASE("api.web_root is taken from the config's directory and must hold the viewer") {
  testing::TempDir dir;
  const std::string text = edit(kMinimal, R"("tokens_file": "tokens.json")",
                                R"("tokens_file": "tokens.json", "web_root": "web")");
  const std::string base = dir.path().string();
  const std::string where = dir.file("web");
  REQUIRE(parse(kMinimal).api.web_root.empty());
  try {
    parse_config(text, "config.json", base);
    FAIL("a web_root without index.html was accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems() == Problems{"config.json: api.web_root: no web viewer in \"" + where +
                                     "\" (no index.html there); point it at the directory the "
                                     "build writes (BUILD_DIR/web), or leave it out"});
  }
  std::filesystem::create_directory(where);
  dir.write("web/index.html", "<!doctype html>");
  REQUIRE(parse_config(text, "config.json", base).api.web_root == where);
}

}  // namespace vmfabric
