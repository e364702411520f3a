// The vmfabric binary against a running vmfabricd on the lab (the vCenter simulator harness and
// the EOS fabric emulator serving tests/sim/eos/testdata/topology.json): its tables hold the rows
// the API returns, --json is the API's JSON, and a wrong token or an unreachable daemon give
// exit code 1 with what to do.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "lab.h"
#include "support/process.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs vmfabric with `args`; `env` adds to the environment (VMFABRIC_API / VMFABRIC_TOKEN are
// always set, to "" unless given, so that the test's own environment does not leak in).
Result run_cli(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
  std::vector<std::string> argv = {VMFABRIC_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  bool api = false, token = false;
  for (const std::string& e : env) {
    api |= e.rfind("VMFABRIC_API=", 0) == 0;
    token |= e.rfind("VMFABRIC_TOKEN=", 0) == 0;
  }
  if (!api) env.emplace_back("VMFABRIC_API=");
  if (!token) env.emplace_back("VMFABRIC_TOKEN=");
  ChildProcess p(argv, env);
  Result r;
  while (const auto line = p.read_line(30s)) r.out += *line + "\n";
  const auto code = p.wait(30s);
  REQUIRE(code.has_value());
  r.code = *code;
  p.drain_stderr();
  for (const std::string& l : p.stderr_lines()) r.err += l + "\n";
  return r;
}

std::vector<std::string> lab_env(E2eLab& lab) {
  return {"VMFABRIC_API=http://127.0.0.1:" + std::to_string(lab.api_port()),
          "VMFABRIC_TOKEN=" + lab.api_token()};
}

json get(E2eLab& lab, const std::string& target) {
  const auto r = lab.api_get(target);
  INFO(target << ": " << r.body);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

// The first words of a table's rows (after the header and its dashes).
std::set<std::string> first_column(const std::string& table) {
  std::set<std::string> out;
  std::istringstream in(table);
  std::string line;
  std::getline(in, line);  // header
  std::getline(in, line);  // dashes
  // Rows end at an empty line or the "(N of M shown ...)" footer.
  while (std::getline(in, line) && !line.empty() && line.front() != '(') {
    out.insert(line.substr(0, line.find(' ')));
  }
  return out;
}

std::string row_of(const std::string& text, const std::string& first, const std::string& has) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(first + " ", 0) == 0 && line.find(has) != std::string::npos) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("vmfabric shows the converged lab", "[e2e]") {
  E2eLab lab{E2eLab::Options{}};
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 120) &&
           lab.allows("leaf1b", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 120);
  }));
  lab.wait_quiet();
  const auto env = lab_env(lab);

  SECTION("show vms: a row per vNIC of every VM the API lists") {
    const Result r = run_cli({"show", "vms"}, env);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    std::set<std::string> api;
    const json vms = get(lab, "/api/v1/vms?limit=1000");
    for (const json& vm : vms["items"]) {
      api.insert(vm["name"].get<std::string>());
    }
    CHECK(first_column(r.out) == api);
    const std::string web = row_of(r.out, "web-1", "dv-web");
    CHECK(web.find("esx-a1.lab.local") != std::string::npos);
    CHECK(web.find("running") != std::string::npos);
    CHECK(web.find("00:50:56:80:00:01") != std::string::npos);
    CHECK(row_of(r.out, "app-1", "powered-off").find("esx-b1.lab.local") != std::string::npos);

    const Result filtered = run_cli({"show", "vms", "--vlan", "120", "--state", "running"}, env);
    REQUIRE(filtered.code == 0);
    std::set<std::string> api120;
    const json vms120 = get(lab, "/api/v1/vms?vlan=120&state=running");
    for (const json& vm : vms120["items"]) {
      api120.insert(vm["name"].get<std::string>());
    }
    CHECK(first_column(filtered.out) == api120);

    // Paging: one VM per page still gives them all; --limit cuts.
    const Result limited = run_cli({"show", "vms", "--limit", "1"}, env);
    REQUIRE(limited.code == 0);
    CHECK(first_column(limited.out).size() == 1);
    CHECK(limited.out.find("shown; more without --limit") != std::string::npos);
  }

  SECTION("show switches and show switch") {
    const Result r = run_cli({"show", "switches"}, env);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    std::set<std::string> api;
    const json switches = get(lab, "/api/v1/switches");
    for (const json& s : switches["items"]) {
      api.insert(s["name"].get<std::string>());
    }
    CHECK(api.size() == 6);
    CHECK(first_column(r.out) == api);
    const std::string leaf = row_of(r.out, "leaf1a", "reachable");
    CHECK(leaf.find("DCS-7050SX3-48YC8") != std::string::npos);
    CHECK(leaf.find("leaf1b (pod1)") != std::string::npos);

    const Result one = run_cli({"show", "switch", "spine1"}, env);
    REQUIRE(one.code == 0);
    CHECK(one.out.find("SSJ0001") != std::string::npos);
  }

  SECTION("show vlan 120: where and why") {
    const Result r = run_cli({"show", "vlan", "120"}, env);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    const std::string pc = row_of(r.out, "leaf1a", "Port-Channel11");
    CHECK(pc.find("VM web-1 on esx-a1.lab.local") != std::string::npos);
    const json v = get(lab, "/api/v1/vlans/120");
    for (const json& s : v["switches"]) {
      for (const json& i : s["interfaces"]) {
        CHECK_FALSE(
            row_of(r.out, s["name"].get<std::string>(), i["name"].get<std::string>()).empty());
      }
    }
  }

  SECTION("show interfaces, hosts, sessions, plan and changes") {
    const Result ifs =
        run_cli({"show", "interfaces", "--switch", "leaf1a", "--role", "esx-facing"}, env);
    INFO(ifs.out << ifs.err);
    REQUIRE(ifs.code == 0);
    CHECK(row_of(ifs.out, "Port-Channel11", "esx-facing").find("esx-a1.lab.local") !=
          std::string::npos);
    const Result all_ifs = run_cli({"show", "interfaces", "--role", "inter-switch"}, env);
    REQUIRE(all_ifs.code == 0);
    CHECK(row_of(all_ifs.out, "leaf1a", "Ethernet49").find("spine1") != std::string::npos);

    const Result hosts = run_cli({"show", "hosts", "--cluster", "cluster-b"}, env);
    REQUIRE(hosts.code == 0);
    CHECK(first_column(hosts.out).size() >= 2);
    const Result host = run_cli({"show", "host", "esx-a1.lab.local"}, env);
    REQUIRE(host.code == 0);
    CHECK(host.out.find("cluster-a") != std::string::npos);

    const Result sessions = run_cli({"show", "sessions"}, env);
    REQUIRE(sessions.code == 0);
    CHECK(row_of(sessions.out, "vc1", "connected").find("yes") != std::string::npos);
    CHECK_FALSE(row_of(sessions.out, "spine1", "reachable").empty());

    const Result plan = run_cli({"show", "plan"}, env);
    REQUIRE(plan.code == 0);
    CHECK(plan.out.find("Removals frozen: no") != std::string::npos);

    const Result changes = run_cli({"show", "changes", "--switch", "leaf1a", "--since", "1h"}, env);
    REQUIRE(changes.code == 0);
    CHECK_FALSE(first_column(changes.out).empty());
    CHECK(changes.out.find("applied") != std::string::npos);
  }

  SECTION("--json is the API's JSON") {
    const Result r = run_cli({"show", "vms", "--json"}, env);
    REQUIRE(r.code == 0);
    const json cli = json::parse(r.out);
    const json api = get(lab, "/api/v1/vms?limit=1000");
    CHECK(cli["items"] == api["items"]);
    CHECK(cli["total"] == api["total"]);
    const Result v = run_cli({"--json", "show", "vlan", "120"}, env);
    REQUIRE(v.code == 0);
    CHECK(json::parse(v.out) == get(lab, "/api/v1/vlans/120"));
  }

  SECTION("errors: wrong token, no token, no such VM") {
    const std::string api = "VMFABRIC_API=http://127.0.0.1:" + std::to_string(lab.api_port());
    const Result wrong =
        run_cli({"show", "vms", "--token", "vmf_0000000000000000_" + std::string(64, '0')}, {api});
    CHECK(wrong.code == 1);
    CHECK(wrong.out.empty());
    CHECK(wrong.err.find("refused the token (401") != std::string::npos);
    CHECK(wrong.err.find("VMFABRIC_TOKEN") != std::string::npos);
    const Result none = run_cli({"show", "vms"}, {api});
    CHECK(none.code == 1);
    CHECK(none.err.find("wants a token (401") != std::string::npos);
    const Result missing = run_cli({"show", "vm", "no-such-vm"}, env);
    CHECK(missing.code == 1);
    CHECK(missing.err.find("no VM named \"no-such-vm\"") != std::string::npos);
  }
}

TEST_CASE("vmfabric says clearly when vmfabricd cannot be reached", "[cli]") {
  // Port 1 on loopback: nothing listens there.
  const Result r = run_cli({"show", "vms", "--api", "http://127.0.0.1:1", "--token", "t"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "vmfabric: cannot reach vmfabricd at http://127.0.0.1:1: connection refused; is it "
        "running? check --api / VMFABRIC_API\n");

  const Result usage = run_cli({"show", "nothing"});
  CHECK(usage.code == 2);
  CHECK(usage.err.find("cannot show \"nothing\"") != std::string::npos);
  const Result help = run_cli({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("vmfabric show vms") != std::string::npos);
}
