// The vmfabric binary against a small HTTPS stand-in for the API (the northbound HTTP server with
// a test CA): --ca-file, the bearer token on the wire, paging one item per page, the 401, 403
// and 404 messages, and `audit run --wait` (a POST, then polls until the audit ended).
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>

#include "northbound/http/server.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

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

Result run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), VMFABRIC_CLI);
  ChildProcess p(args, {"VMFABRIC_API=", "VMFABRIC_TOKEN="});
  Result r;
  while (const auto line = p.read_line(30s)) r.out += *line + "\n";
  const auto code = p.wait(30s);
  REQUIRE(code.has_value());
  r.code = *code;
  p.drain_stderr();
  for (const std::string& l : p.stderr_lines()) r.err += l + "\n";
  return r;
}

// GETs of /api/v1/audits/8 so far: it runs for the first two.
std::atomic<int> audit_polls{0};

// /api/v1/switches: three switches, one per page (the cursor is the next index). POST
// /api/v1/audits (with the JSON body {}) starts audit 8.
northbound::http::Response fake_api(const northbound::http::Request& req) {
  namespace http = northbound::http;
  if (req.header("authorization") != "Bearer good") {
    return http::problem(401, "unauthorized", "the bearer token is not valid", req.target);
  }
  if (req.method == "POST" && req.target == "/api/v1/audits") {
    if (req.header("content-type") != "application/json" || req.body != "{}") {
      return http::problem(400, "invalid-body", "expected {} as application/json", req.target);
    }
    return http::json_response(202, R"({"id": 8, "status": "running", "href": "/api/v1/audits/8"})")
        .set("Location", "/api/v1/audits/8");
  }
  if (req.method == "GET" && req.target == "/api/v1/audits/8") {
    const bool running = ++audit_polls <= 2;
    json audit = {{"id", 8},
                  {"started", "2026-11-26T02:00:00.000Z"},
                  {"finished", nullptr},
                  {"trigger", "api"},
                  {"actor", "ci"},
                  {"remediate", "none"},
                  {"status", running ? "running" : "done"},
                  {"error", nullptr},
                  {"switches", 3},
                  {"unreadable", 0},
                  {"finding_count", 0},
                  {"counts", json::object()},
                  {"repairs", json::array()},
                  {"findings", json::array()}};
    return http::json_response(200, audit.dump());
  }
  if (req.target.rfind("/api/v1/plan", 0) == 0) {
    return http::problem(403, "forbidden",
                         "token \"ci\" has role viewer; GET /api/v1/plan needs role operator",
                         req.target);
  }
  if (req.target.rfind("/api/v1/switches?", 0) == 0) {
    std::size_t start = 0;
    if (const auto c = req.target.find("cursor="); c != std::string::npos) {
      start = std::stoul(req.target.substr(c + 7));
    }
    const std::vector<std::string> names = {"leaf1a", "leaf1b", "spine1"};
    json body = {{"items", json::array()}, {"total", names.size()}, {"next_cursor", nullptr}};
    body["items"].push_back({{"name", names.at(start)}, {"reachability", "reachable"}});
    if (start + 1 < names.size()) body["next_cursor"] = std::to_string(start + 1);
    return http::json_response(200, body.dump());
  }
  return http::problem(404, "not-found", "no VM named \"x\" (names are case-sensitive)",
                       req.target);
}

}  // namespace

TEST_CASE("vmfabric talks HTTPS with --ca-file and reports refusals", "[cli]") {
  TempDir dir;
  const TestPki pki = make_test_pki(dir);
  northbound::http::ServerOptions options;
  options.port = 0;
  options.tls_cert_file = pki.cert_file;
  options.tls_key_file = pki.key_file;
  options.threads = 1;
  northbound::http::Server server(options, fake_api);
  server.start();
  const std::string api = "https://127.0.0.1:" + std::to_string(server.port());

  SECTION("every page, over TLS verified with --ca-file") {
    const Result r =
        run_cli({"show", "switches", "--api", api, "--token", "good", "--ca-file", pki.ca_file});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("leaf1a") != std::string::npos);
    CHECK(r.out.find("leaf1b") != std::string::npos);
    CHECK(r.out.find("spine1") != std::string::npos);
    const Result j = run_cli(
        {"show", "switches", "--json", "--api", api, "--token", "good", "--ca-file", pki.ca_file});
    REQUIRE(j.code == 0);
    CHECK(json::parse(j.out)["items"].size() == 3);
  }
  SECTION("a certificate it cannot verify") {
    const Result r = run_cli({"show", "switches", "--api", api, "--token", "good"});
    CHECK(r.code == 1);
    CHECK(r.err.find("TLS with vmfabricd at " + api + " failed") != std::string::npos);
    CHECK(r.err.find("--ca-file") != std::string::npos);
    const Result other = run_cli(
        {"show", "switches", "--api", api, "--token", "good", "--ca-file", pki.other_ca_file});
    CHECK(other.code == 1);
  }
  SECTION("401, 403 and 404") {
    const Result wrong =
        run_cli({"show", "switches", "--api", api, "--token", "bad", "--ca-file", pki.ca_file});
    CHECK(wrong.code == 1);
    CHECK(wrong.err.find("refused the token (401") != std::string::npos);
    const Result forbidden =
        run_cli({"show", "plan", "--api", api, "--token", "good", "--ca-file", pki.ca_file});
    CHECK(forbidden.code == 1);
    CHECK(forbidden.err ==
          "vmfabric: forbidden (403): token \"ci\" has role viewer; GET /api/v1/plan needs role "
          "operator; use a token with a higher role\n");
    const Result missing =
        run_cli({"show", "vm", "x", "--api", api, "--token", "good", "--ca-file", pki.ca_file});
    CHECK(missing.code == 1);
    CHECK(missing.err == "vmfabric: no VM named \"x\" (names are case-sensitive)\n");
  }
  SECTION("audit run, and --wait until it ended") {
    const std::vector<std::string> common = {"--api", api,         "--token",
                                             "good",  "--ca-file", pki.ca_file};
    std::vector<std::string> args = {"audit", "run"};
    args.insert(args.end(), common.begin(), common.end());
    const Result started = run_cli(args);
    INFO(started.out << started.err);
    CHECK(started.code == 0);
    CHECK(started.out == "8\n");
    CHECK(audit_polls == 0);
    args.push_back("--wait");
    const Result waited = run_cli(args);
    INFO(waited.out << waited.err);
    CHECK(waited.code == 0);
    CHECK(audit_polls == 3);
    CHECK(waited.out.find("Status:    done\n") != std::string::npos);
    CHECK(waited.out.find("No findings.") != std::string::npos);
  }
  server.stop();
}
