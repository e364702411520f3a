// The vmfabric CLI without sockets: the command line, the API targets, paging over a fake API,
// the error messages and the tables rendered from JSON shaped like the API's.
#include "northbound/cli/cli.h"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

using namespace vmfabric::cli;
using nlohmann::json;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));

Invocation parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return parse_args(
      args,
      [env](const char* name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      kNow);
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("no UsageError");
  return "";
}

// Lines of `text` whose first column is `first`.
std::vector<std::string> rows_of(const std::string& text, const std::string& first) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(first + " ", 0) == 0 || line == first) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("vmfabric parses show commands with filters", "[cli]") {
  SECTION("a list with filters, in the order given") {
    const Invocation inv = parse({"show", "vms", "--vlan", "120", "--state=running"});
    CHECK(inv.what == "vms");
    CHECK(inv.query == Query{{"vlan", "120"}, {"state", "running"}});
    CHECK(api_target(inv) == "/api/v1/vms?vlan=120&state=running");
    CHECK(inv.options.api == kDefaultApi);
    CHECK_FALSE(inv.options.json);
  }
  SECTION("a name makes it the singular form; names are percent-encoded") {
    const Invocation inv = parse({"show", "vm", "web 1/a"});
    CHECK(inv.what == "vm");
    CHECK(api_target(inv) == "/api/v1/vms/web%201%2Fa");
    CHECK(api_target(parse({"show", "vlan", "120"})) == "/api/v1/vlans/120");
    CHECK(api_target(parse({"show", "vlans", "120"})) == "/api/v1/vlans/120");
    CHECK(api_target(parse({"show", "switch", "leaf1a"})) == "/api/v1/switches/leaf1a");
    CHECK(api_target(parse({"show", "host", "esx-a1", "--vcenter", "vc1"})) ==
          "/api/v1/hosts/esx-a1?vcenter=vc1");
    CHECK(parse({"show", "vm"}).what == "vms");
  }
  SECTION("interfaces take the switch into the path") {
    const Invocation inv =
        parse({"show", "interfaces", "--switch", "leaf1a", "--role", "esx-facing"});
    CHECK(inv.switch_name == "leaf1a");
    CHECK(api_target(inv) == "/api/v1/switches/leaf1a/interfaces?role=esx-facing");
  }
  SECTION("global options anywhere, flags over the environment") {
    const Invocation env_only = parse(
        {"show", "switches"}, {{"VMFABRIC_API", "https://api:9443"}, {"VMFABRIC_TOKEN", "t"}});
    CHECK(env_only.options.api == "https://api:9443");
    CHECK(env_only.options.token == "t");
    const Invocation flags = parse({"--json", "show", "--api", "http://h:1", "switches", "--token",
                                    "u", "--limit", "5", "--ca-file", "ca.pem"},
                                   {{"VMFABRIC_API", "https://api:9443"}, {"VMFABRIC_TOKEN", "t"}});
    CHECK(flags.options.api == "http://h:1");
    CHECK(flags.options.token == "u");
    CHECK(flags.options.json);
    CHECK(flags.options.limit == 5u);
    CHECK(flags.options.ca_file == "ca.pem");
  }
  SECTION("plan --pending and changes --since with a relative time") {
    CHECK(api_target(parse({"show", "plan", "--pending"})) == "/api/v1/plan?pending=true");
    // 1795000000 - 7200 s = 2026-11-18T09:06:40Z
    CHECK(api_target(parse({"show", "changes", "--switch", "leaf1a", "--since", "2h"})) ==
          "/api/v1/changes?switch=leaf1a&since=2026-11-18T09%3A06%3A40Z");
    CHECK(api_target(parse({"show", "changes", "--since", "2026-11-25T13:00:00Z"})) ==
          "/api/v1/changes?since=2026-11-25T13%3A00%3A00Z");
  }
  SECTION("help") {
    CHECK(parse({"--help"}).help);
    CHECK(parse({"--help"}).help_text.find("vmfabric show vms") != std::string::npos);
    CHECK(parse({"help"}).help);
    const Invocation vms = parse({"show", "vms", "--help"});
    CHECK(vms.help);
    CHECK(vms.help_text.find("--state STATE") != std::string::npos);
    CHECK(parse({"help", "show"}).help_text.find("sessions") != std::string::npos);
  }
}

TEST_CASE("vmfabric refuses a bad command line with what to do", "[cli]") {
  CHECK(usage_error({}).find("vmfabric --help") != std::string::npos);
  CHECK(usage_error({"list", "vms"}).find("unknown command \"list\"") != std::string::npos);
  CHECK(usage_error({"show"}).find("show what?") != std::string::npos);
  CHECK(usage_error({"show", "cats"}).find("cannot show \"cats\"") != std::string::npos);
  CHECK(usage_error({"show", "vms", "--colour", "red"}).find("has no option --colour") !=
        std::string::npos);
  CHECK(usage_error({"show", "vm", "x", "--host", "h"}).find("has no option --host") !=
        std::string::npos);
  CHECK(usage_error({"show", "vms", "--vlan", "5000"}).find("1-4094") != std::string::npos);
  CHECK(usage_error({"show", "vms", "--state", "on"}).find("running, moving") != std::string::npos);
  CHECK(usage_error({"show", "vlan", "abc"}).find("VLAN id") != std::string::npos);
  CHECK(usage_error({"show", "vms", "--host"}).find("needs a value") != std::string::npos);
  CHECK(usage_error({"show", "vms", "--limit", "0"}).find("--limit") != std::string::npos);
  CHECK(usage_error({"show", "vms", "--api", "ftp://x"}).find("http or https") !=
        std::string::npos);
  CHECK(usage_error({"show", "interfaces", "eth1"}).find("unexpected \"eth1\"") !=
        std::string::npos);
  CHECK(usage_error({"show", "vms", "-x"}).find("unknown option \"-x\"") != std::string::npos);
}

TEST_CASE("vmfabric reads API URLs", "[cli]") {
  const ApiUrl plain = parse_api_url("http://127.0.0.1:8080");
  CHECK_FALSE(plain.tls);
  CHECK(plain.host == "127.0.0.1");
  CHECK(plain.port == 8080);
  CHECK(plain.prefix.empty());
  const ApiUrl tls = parse_api_url("https://vmfabric.example.com/proxy/");
  CHECK(tls.tls);
  CHECK(tls.port == 443);
  CHECK(tls.prefix == "/proxy");
  const ApiUrl v6 = parse_api_url("[::1]:9000");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 9000);
  CHECK_THROWS_AS(parse_api_url("http://:80"), UsageError);
  CHECK_THROWS_AS(parse_api_url("http://h:99999"), UsageError);
}

TEST_CASE("vmfabric follows cursors until done or --limit", "[cli]") {
  // A fake /vms of 5 VMs answering pages of `limit`, cursors being the index to start at.
  std::vector<std::string> asked;
  const Fetch fetch = [&](const std::string& target) {
    asked.push_back(target);
    std::size_t limit = 100, start = 0;
    if (const auto l = target.find("limit="); l != std::string::npos) {
      limit = std::stoul(target.substr(l + 6));
    }
    if (const auto c = target.find("cursor="); c != std::string::npos) {
      start = std::stoul(target.substr(c + 7));
    }
    limit = std::min<std::size_t>(limit, 2);  // the fake's own page size
    json body = {{"items", json::array()}, {"total", 5}, {"next_cursor", nullptr}};
    std::size_t i = start;
    for (; i < 5 && i < start + limit; ++i) {
      body["items"].push_back({{"name", "vm-" + std::to_string(i)},
                               {"vcenter", "vc1"},
                               {"state", "running"},
                               {"host", "esx-1"},
                               {"migrating_to", nullptr},
                               {"nics", json::array()}});
    }
    if (i < 5) body["next_cursor"] = std::to_string(i);
    return ApiResponse{200, body.dump()};
  };

  SECTION("every page") {
    std::ostringstream out;
    run(parse({"show", "vms", "--host", "esx-1", "--json"}), fetch, out);
    const json all = json::parse(out.str());
    CHECK(all["items"].size() == 5);
    CHECK(all["next_cursor"].is_null());
    REQUIRE(asked.size() == 3);
    CHECK(asked[0] == "/api/v1/vms?host=esx-1&limit=1000");
    CHECK(asked[1] == "/api/v1/vms?host=esx-1&limit=1000&cursor=2");
  }
  SECTION("up to --limit, saying that more exist") {
    std::ostringstream out;
    run(parse({"show", "vms", "--limit", "3"}), fetch, out);
    CHECK(asked.size() == 2);
    CHECK(asked[1] == "/api/v1/vms?limit=1&cursor=2");
    CHECK(rows_of(out.str(), "vm-2").size() == 1);
    CHECK(rows_of(out.str(), "vm-3").empty());
    CHECK(out.str().find("(3 of 5 shown") != std::string::npos);
  }
}

TEST_CASE("vmfabric turns API errors into what to do", "[cli]") {
  Options o;
  o.api = "http://127.0.0.1:8080";
  const std::string no_token = api_error_message(o, 401, R"({"status":401})");
  CHECK(no_token.find("wants a token") != std::string::npos);
  CHECK(no_token.find("VMFABRIC_TOKEN") != std::string::npos);
  CHECK(no_token.find("vmfabricd token create") != std::string::npos);
  o.token = "bad";
  CHECK(api_error_message(o, 401, "").find("refused the token") != std::string::npos);
  CHECK(api_error_message(o, 403, R"({"detail":"token \"ci\" has role viewer"})")
            .find("forbidden (403): token \"ci\" has role viewer") != std::string::npos);
  CHECK(api_error_message(o, 404, R"({"detail":"no VM named \"x\""})") == "no VM named \"x\"");
  CHECK(api_error_message(o, 500, R"({"detail":"boom"})") ==
        "vmfabricd at http://127.0.0.1:8080 answered 500: boom");

  const Fetch not_found = [](const std::string&) {
    return ApiResponse{404, R"({"status":404,"detail":"no VM named \"x\""})"};
  };
  std::ostringstream out;
  CHECK_THROWS_WITH(run(parse({"show", "vm", "x"}), not_found, out), "no VM named \"x\"");
  const Fetch html = [](const std::string&) { return ApiResponse{200, "<html>"}; };
  CHECK_THROWS_AS(run(parse({"show", "vms"}), html, out), ApiError);
}

TEST_CASE("vmfabric renders aligned tables", "[cli]") {
  Table t{{"A", "Longer"}, {{"x", "1"}, {"yyyy", ""}}};
  CHECK(format_table(t) ==
        "A     Longer\n"
        "----  ------\n"
        "x     1\n"
        "yyyy\n");
  CHECK(cell(nullptr) == "-");
  CHECK(cell("") == "-");
  CHECK(cell(true) == "yes");
  CHECK(cell(3) == "3");
  CHECK(cell("2026-11-25T13:51:24.881Z") == "2026-11-25 13:51:24");
  CHECK(cell(json::array({"a", "b"})) == "a,b");
}

TEST_CASE("vmfabric renders the API's JSON as EOS-like tables", "[cli]") {
  SECTION("vms: a row per vNIC") {
    const json vms = json::parse(R"J({"items": [
      {"name": "web-1", "vcenter": "vc1", "id": "vm-1", "state": "running",
       "host": "esx-a1.lab.local", "migrating_to": null,
       "nics": [{"key": 4000, "label": "Network adapter 1", "mac": "00:50:56:80:00:01",
                 "connected": true, "portgroup": "dv-web", "distributed": true,
                 "vlan_mode": "vlan", "vlans": "120"},
                {"key": 4001, "label": "Network adapter 2", "mac": "00:50:56:80:00:02",
                 "connected": false, "portgroup": "dv-db", "distributed": true,
                 "vlan_mode": "vlan", "vlans": "130"}]},
      {"name": "db-1", "vcenter": "vc1", "id": "vm-2", "state": "moving",
       "host": "esx-a1.lab.local", "migrating_to": "esx-b1.lab.local", "nics": []}],
      "total": 2, "next_cursor": null})J");
    const std::string text = render("vms", vms);
    INFO(text);
    CHECK(text.rfind("VM     Host", 0) == 0);
    const auto web = rows_of(text, "web-1");
    REQUIRE(web.size() == 2);
    CHECK(web[0].find("running") != std::string::npos);
    CHECK(web[0].find("00:50:56:80:00:01") != std::string::npos);
    CHECK(web[0].find("dv-web") != std::string::npos);
    CHECK(web[1].find("dv-db (disconnected)") != std::string::npos);
    CHECK(rows_of(text, "db-1")[0].find("esx-a1.lab.local -> esx-b1.lab.local") !=
          std::string::npos);
    CHECK(text.find("shown") == std::string::npos);
  }
  SECTION("switches") {
    const json sws = json::parse(R"J({"items": [
      {"name": "leaf1a", "address": "127.0.0.1:4001", "hostname": "leaf1a",
       "model": "DCS-7050SX3-48YC8", "eos_version": "4.31.2F", "serial": "S1",
       "system_mac": "00:1c:73:00:00:01", "reachability": "reachable",
       "last_poll": "2026-11-25T13:51:24.881Z", "last_error": null,
       "mlag": {"domain": "pod1", "peer": "leaf1b", "peer_link": "Port-Channel1000",
                "active": true},
       "interfaces": 52, "esx_facing_interfaces": 2, "inter_switch_interfaces": 3}],
      "total": 1, "next_cursor": null})J");
    const std::string text = render("switches", sws);
    INFO(text);
    const auto row = rows_of(text, "leaf1a");
    REQUIRE(row.size() == 1);
    CHECK(row[0].find("reachable") != std::string::npos);
    CHECK(row[0].find("leaf1b (pod1)") != std::string::npos);
    CHECK(row[0].find("2026-11-25 13:51:24") != std::string::npos);
  }
  SECTION("vlan: a row per reason") {
    const json v = json::parse(R"J({"id": 120, "name": "web", "managed": true,
      "portgroups": ["dv-web"], "vms": ["web-1", "web-2"],
      "switches": [{"name": "leaf1a", "in_database": true, "database_name": "web",
                    "planned_in_database": true,
                    "interfaces": [{"name": "Port-Channel11", "role": "esx-facing",
                                    "mode": "trunk", "desired": true, "observed": true,
                                    "reasons": ["VM web-1 on esx-a1.lab.local via dv-web (VLAN 120)",
                                                "VM web-2 on esx-a1.lab.local via dv-web (VLAN 120)"]},
                                   {"name": "Ethernet9", "role": "other", "mode": "trunk",
                                    "desired": false, "observed": true, "reasons": []}]
  }]
  })J");
    const std::string text = render("vlan", v);
    INFO(text);
    CHECK(text.find("VMs:        web-1,web-2") != std::string::npos);
    const auto rows = rows_of(text, "leaf1a");
    REQUIRE(rows.size() == 4);  // the database row, two reasons, one observed-only interface
    CHECK(rows[1].find("Port-Channel11") != std::string::npos);
    CHECK(rows[1].find("VM web-1 on esx-a1.lab.local via dv-web (VLAN 120)") != std::string::npos);
    CHECK(rows[2].find("VM web-2") != std::string::npos);
    CHECK(rows[3].find("observed, not planned") != std::string::npos);
  }
  SECTION("interfaces of every switch, with what is cabled there") {
    const json ifs = json::parse(R"J({"items": [
      {"switch": "leaf1a", "name": "Port-Channel11", "description": "", "oper_up": true,
       "mode": "trunk", "role": "esx-facing",
       "allowed_vlans": {"observed": "10,120", "desired": "120", "to_add": "", "to_remove": ""},
       "access_vlan": null, "native_vlan": 1, "channel_group": null, "members": ["Ethernet11"],
       "lldp_neighbors": [], "links": [],
       "esx_uplinks": [{"host": "esx-a1.lab.local", "pnic": "vmnic2", "port": "Ethernet11",
                        "learned_by": "host-lldp"}]},
      {"switch": "leaf1a", "name": "Ethernet49", "description": "", "oper_up": true,
       "mode": "trunk", "role": "inter-switch",
       "allowed_vlans": {"observed": "1-4094", "desired": "120", "to_add": "",
                         "to_remove": "130"},
       "access_vlan": null, "native_vlan": 1, "channel_group": null, "members": null,
       "lldp_neighbors": [], "links": [{"switch": "spine1", "interface": "Ethernet1"}],
       "esx_uplinks": []}], "total": 2, "next_cursor": null})J");
    const std::string text = render("interfaces", ifs);
    INFO(text);
    const auto rows = rows_of(text, "leaf1a");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].find("esx-a1.lab.local vmnic2") != std::string::npos);
    CHECK(rows[1].find("spine1 Ethernet1") != std::string::npos);
    CHECK(rows[1].find("130") != std::string::npos);
  }
  SECTION("sessions and plan") {
    const json sessions = {{"vcenters",
                            {{"items",
                              {{{"name", "vc1"},
                                {"url", "https://127.0.0.1:8989/sdk"},
                                {"session", "connected"},
                                {"in_sync", true},
                                {"last_update", nullptr},
                                {"last_error", nullptr},
                                {"hosts", 4},
                                {"vms", 6}}}},
                             {"total", 1},
                             {"next_cursor", nullptr}}},
                           {"switches",
                            {{"items",
                              {{{"name", "spine1"},
                                {"address", "a"},
                                {"reachability", "unreachable"},
                                {"last_poll", nullptr},
                                {"last_error", "timeout"}}}},
                             {"total", 1},
                             {"next_cursor", nullptr}}}};
    const std::string text = render("sessions", sessions);
    INFO(text);
    CHECK(rows_of(text, "vc1")[0].find("connected") != std::string::npos);
    CHECK(rows_of(text, "spine1")[0].find("unreachable") != std::string::npos);

    const json plan = json::parse(R"J({"items": [
      {"switch": "leaf1a", "reachable": true, "in_sync": false,
       "create_vlans": [{"id": 130, "name": "db"}], "delete_vlans": "",
       "interfaces": [{"name": "Port-Channel11", "role": "esx-facing", "add": "130",
                       "remove": ""}],
       "reasons": ["VM db-1 on esx-a1.lab.local via dv-db (VLAN 130)"]
  },
      {"switch": "leaf1b", "reachable": true, "in_sync": true, "create_vlans": [],
       "delete_vlans": "", "interfaces": [], "reasons": []}],
      "total": 2, "next_cursor": null, "apply": "auto", "prune_delay_s": 300,
      "removals_frozen": null, "skipped": []
  })J");
    const std::string p = render("plan", plan);
    INFO(p);
    CHECK(p.find("Removals frozen: no") != std::string::npos);
    CHECK(rows_of(p, "leaf1a")[0].find("Port-Channel11") != std::string::npos);
    CHECK(rows_of(p, "leaf1b")[0].find("yes") != std::string::npos);
    CHECK(p.find("leaf1a: VM db-1") != std::string::npos);
  }
}

namespace {

const char* const kAuditSummary = R"({"id": 8, "started": "2026-11-26T02:00:00.000Z",
  "finished": "2026-11-26T02:00:03.000Z", "trigger": "api", "actor": "ops",
  "remediate": "add-only", "status": "done", "error": null, "switches": 4, "unreadable": 1,
  "finding_count": 2, "counts": {"uplink-unlocated": 1, "vlan-missing": 1}, "repairs": [12, 13]})";

// Audit 8 as GET /audits/8 answers it once `status` is set: the summary and two findings.
json audit_detail(const std::string& status) {
  json a = json::parse(kAuditSummary);
  a["status"] = status;
  if (status == "failed") a["error"] = "the database is locked";
  a["findings"] = json::parse(R"([
    {"kind": "vlan-missing", "switch": "leaf1a", "interface": "Port-Channel11", "host": null,
     "uplink": null, "vlans": "120,130", "why": ["VM web-3"], "undone": "", "last_change": null,
     "detail": "VLANs 120,130 are not allowed on leaf1a Port-Channel11"},
    {"kind": "uplink-unlocated", "switch": null, "interface": null, "host": "esx-a2",
     "uplink": "vmnic3", "vlans": "", "why": [], "undone": "", "last_change": null,
     "detail": "no LLDP or CDP neighbour"}])");
  return a;
}

// A fake API of audit 8: POST starts it (202), GET /audits/8 answers `running` `polls` times,
// then `end`. Counts the requests and the pauses between them.
struct FakeAudits {
  int polls = 0;
  std::string end = "done";
  ApiResponse post_answer{202, R"({"id": 8, "status": "running", "href": "/api/v1/audits/8"})"};
  std::vector<std::string> posted;
  std::vector<std::string> got;
  std::vector<std::chrono::milliseconds> slept;

  Post post() {
    return [this](const std::string& target, const std::string& body) {
      posted.push_back(target + " " + body);
      return post_answer;
    };
  }
  Fetch fetch() {
    return [this](const std::string& target) {
      got.push_back(target);
      const bool running = static_cast<int>(got.size()) <= polls;
      return ApiResponse{200, audit_detail(running ? "running" : end).dump()};
    };
  }
  Follow follow(std::chrono::milliseconds timeout = std::chrono::minutes(10)) {
    Follow f;
    f.timeout = timeout;
    f.sleep = [this](std::chrono::milliseconds d) { slept.push_back(d); };
    return f;
  }
};

}  // namespace

TEST_CASE("vmfabric parses the audit commands", "[cli][audits]") {
  const Invocation list = parse({"show", "audits"});
  CHECK(list.what == "audits");
  CHECK(api_target(list) == "/api/v1/audits");
  const Invocation one = parse({"show", "audits", "8"});
  CHECK(one.what == "audit");
  CHECK(api_target(one) == "/api/v1/audits/8");
  CHECK(api_target(parse({"show", "audit", "8"})) == "/api/v1/audits/8");
  const Invocation run = parse({"audit", "run"});
  CHECK(run.what == "audit-run");
  CHECK_FALSE(run.wait);
  CHECK(parse({"audit", "run", "--wait"}).wait);
  CHECK(parse({"--wait", "audit", "run"}).wait);

  CHECK(parse({"audit", "--help"}).help_text.find("usage: vmfabric audit run [--wait]") == 0);
  CHECK(parse({"help", "audit"}).help_text.find("--wait") != std::string::npos);
  CHECK(general_help().find("vmfabric audit run [--wait]") != std::string::npos);
  CHECK(general_help().find("show audits ID") != std::string::npos);
  CHECK(parse({"show", "--help"}).help_text.find("audits, audit ID") != std::string::npos);

  CHECK(usage_error({"audit"}).find("audit what?") == 0);
  CHECK(usage_error({"audit", "now"}).find("cannot audit \"now\"") == 0);
  CHECK(usage_error({"audit", "run", "7"}).find("unexpected \"7\"") == 0);
  CHECK(usage_error({"audit", "run", "--switch", "leaf1a"}).find("has no option --switch") !=
        std::string::npos);
  CHECK(usage_error({"audit", "run", "--wait=5"}).find("--wait takes no value") == 0);
  CHECK(usage_error({"show", "audits", "x"}).find("expected an audit id") != std::string::npos);
  CHECK(usage_error({"show", "audits", "0"}).find("expected an audit id") != std::string::npos);
  CHECK(usage_error({"show", "cats"}).find("changes or audits") != std::string::npos);
  CHECK(usage_error({"list"}).find("`show`, `audit` and `help`") != std::string::npos);
}

TEST_CASE("vmfabric renders audits and their findings", "[cli][audits]") {
  json list = {{"items", {json::parse(kAuditSummary)}}, {"next_cursor", nullptr}};
  list["items"].push_back(json::parse(kAuditSummary));
  list["items"][1]["id"] = 7;
  list["items"][1]["status"] = "running";
  list["items"][1]["repairs"] = json::array();
  CHECK(render("audits", list) ==
        "ID  Started              Status   Trigger  Remediate  Findings  Repairs\n"
        "--  -------------------  -------  -------  ---------  --------  -------\n"
        "8   2026-11-26 02:00:00  done     api      add-only   2         12,13\n"
        "7   2026-11-26 02:00:00  running  api      add-only   2         -\n");

  CHECK(render("audit", audit_detail("done")) ==
        "Audit:     8\n"
        "Status:    done\n"
        "Started:   2026-11-26 02:00:00\n"
        "Finished:  2026-11-26 02:00:03\n"
        "Trigger:   api (by ops)\n"
        "Remediate: add-only\n"
        "Switches:  4 (1 unreadable)\n"
        "Findings:  2 (uplink-unlocated 1, vlan-missing 1)\n"
        "Repairs:   12,13\n"
        "\n"
        "Kind              Switch/Host  Interface/Uplink  VLANs    Detail\n"
        "----------------  -----------  ----------------  -------  "
        "------------------------------------------------------\n"
        "vlan-missing      leaf1a       Port-Channel11    120,130  "
        "VLANs 120,130 are not allowed on leaf1a Port-Channel11\n"
        "uplink-unlocated  esx-a2       vmnic3            -        no LLDP or CDP neighbour\n");

  json clean = audit_detail("failed");
  clean["findings"] = json::array();
  const std::string text = render("audit", clean);
  CHECK(text.find("Error:     the database is locked\n") != std::string::npos);
  CHECK(text.find("\nNo findings.\n") != std::string::npos);
}

TEST_CASE("vmfabric audit run starts an audit and follows it with --wait", "[cli][audits]") {
  FakeAudits api;
  std::ostringstream out;

  SECTION("without --wait: the id") {
    CHECK(run_audit(parse({"audit", "run"}), api.fetch(), api.post(), api.follow(), out) == 0);
    CHECK(out.str() == "8\n");
    CHECK(api.posted == std::vector<std::string>{"/api/v1/audits {}"});
    CHECK(api.got.empty());
  }
  SECTION("--wait: polls every 200 ms until it ended, then prints it") {
    api.polls = 3;
    CHECK(run_audit(parse({"audit", "run", "--wait"}), api.fetch(), api.post(), api.follow(),
                    out) == 0);
    CHECK(api.got.size() == 4);
    CHECK(api.got.back() == "/api/v1/audits/8");
    CHECK(api.slept == std::vector<std::chrono::milliseconds>(3, std::chrono::milliseconds(200)));
    CHECK(out.str() == render("audit", audit_detail("done")));
  }
  SECTION("--wait: exit 1 when the audit failed") {
    api.end = "failed";
    CHECK(run_audit(parse({"audit", "run", "--wait"}), api.fetch(), api.post(), api.follow(),
                    out) == 1);
    CHECK(out.str().find("Status:    failed") != std::string::npos);
  }
  SECTION("--wait --json: the API's JSON of the ended audit") {
    api.polls = 1;
    CHECK(run_audit(parse({"audit", "run", "--wait", "--json"}), api.fetch(), api.post(),
                    api.follow(), out) == 0);
    CHECK(json::parse(out.str()) == audit_detail("done"));
  }
  SECTION("--wait gives up after the timeout, saying how to follow it") {
    api.polls = 1000;
    CHECK_THROWS_WITH(run_audit(parse({"audit", "run", "--wait"}), api.fetch(), api.post(),
                                api.follow(std::chrono::seconds(1)), out),
                      "audit 8 is still running after 1 s; follow it with "
                      "`vmfabric show audits 8`");
    CHECK(api.slept.size() == 5);
  }
  SECTION("a refusal: 409 while one runs, 403 for a viewer") {
    api.post_answer = {409, R"({"status": 409, "detail": "audit 7 is running; follow it"})"};
    CHECK_THROWS_WITH(
        run_audit(parse({"audit", "run"}), api.fetch(), api.post(), api.follow(), out),
        "vmfabricd at http://127.0.0.1:8080 answered 409: audit 7 is running; follow it");
    api.post_answer = {403, R"({"status": 403, "detail": "token \"v\" has role viewer"})"};
    CHECK_THROWS_WITH(
        run_audit(parse({"audit", "run"}), api.fetch(), api.post(), api.follow(), out),
        "forbidden (403): token \"v\" has role viewer; use a token with a higher role");
    CHECK(out.str().empty());
  }
}
