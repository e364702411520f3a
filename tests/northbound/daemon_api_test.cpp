// vmfabricd's API as a process: `vmfabricd token create`, the server the daemon starts (HTTP on
// loopback and HTTPS), tokens created while it runs, a graceful stop, and refusals at start.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/http_client.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/run_coroutine.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

using namespace vmfabric;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::RawConnection;
using testing::TempDir;

namespace {

std::string config(const TempDir& dir, const json& api) {
  return dir.write(
      "vmfabric.json",
      json{{"database", "vmfabric.db"}, {"api", api}, {"policy", {{"managed_vlans", "100-3999"}}}}
          .dump(2));
}

json plain_api() {
  return {{"listen", "127.0.0.1:" + std::to_string(testing::free_port())},
          {"tokens_file", "tokens.json"}};
}

// Runs `vmfabricd token create`; returns {exit code, stdout lines}.
std::pair<int, std::vector<std::string>> create_token(const std::string& cfg,
                                                      const std::string& name,
                                                      const std::string& role) {
  ChildProcess p({VMFABRICD, "token", "create", "--config", cfg, "--name", name, "--role", role});
  std::vector<std::string> out;
  while (auto line = p.read_line(10s)) out.push_back(*line);
  const auto rc = p.wait(10s);
  p.drain_stderr();
  return {rc.value_or(-1), out};
}

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Waits for vmfabricd to be ready and returns its API port (from the api.listening line).
std::uint16_t start(ChildProcess& p) {
  const auto listening = p.wait_for_stderr("event=api.listening", 20s);
  REQUIRE(listening);
  const auto at = listening->find("address=127.0.0.1:");
  REQUIRE(at != std::string::npos);
  REQUIRE(p.wait_for_stderr("event=vmfabricd.ready", 20s));
  return static_cast<std::uint16_t>(std::stoi(listening->substr(at + 18)));
}

int status_of(std::uint16_t port, const std::string& target, const std::string& token = "") {
  RawConnection c(port);
  c.send(testing::get_request(target, token));
  const auto r = c.read_response();
  REQUIRE(r);
  return r->status;
}

}  // namespace

TEST_CASE("token create prints the token alone, once, and stores only its hash", "[daemon]") {
  TempDir dir;
  const auto cfg = config(dir, plain_api());
  const auto [rc, out] = create_token(cfg, "ci", "viewer");
  REQUIRE(rc == 0);
  REQUIRE(out.size() == 1);
  const std::string token = out[0];
  CHECK(token.rfind("vmf_", 0) == 0);
  struct stat st {};
  REQUIRE(::stat(dir.file("tokens.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::stringstream text;
  text << std::ifstream(dir.file("tokens.json")).rdbuf();
  CHECK(text.str().find(token.substr(21)) == std::string::npos);

  CHECK(create_token(cfg, "ci", "admin").first == 1);         // the name is taken
  CHECK(create_token(cfg, "other", "superuser").first == 2);  // no such role
  ChildProcess bad({VMFABRICD, "token", "create", "--name", "x", "--role", "viewer"});
  CHECK(bad.wait(10s) == 2);
  bad.drain_stderr();
  CHECK(any_contains(bad.stderr_lines(), "usage: vmfabricd token create --config FILE"));
}

TEST_CASE("vmfabricd serves the API with tokens, picks up new ones and stops gracefully",
          "[daemon]") {
  TempDir dir;
  const auto cfg = config(dir, plain_api());
  const std::string viewer = create_token(cfg, "viewer", "viewer").second.at(0);
  ChildProcess p({VMFABRICD, "--config", cfg});
  const std::uint16_t port = start(p);

  CHECK(status_of(port, "/healthz") == 200);
  CHECK(status_of(port, "/api/v1/switches") == 401);
  CHECK(status_of(port, "/api/v1/switches", "vmf_0000000000000000_" + std::string(64, '0')) == 401);
  CHECK(status_of(port, "/api/v1/switches", viewer) == 200);
  CHECK(status_of(port, "/api/v1/changes?switch=leaf1", viewer) == 200);
  CHECK(status_of(port, "/api/v1/plan", viewer) == 200);
  CHECK(status_of(port, "/api/v1/nothing", viewer) == 404);

  // A token created now works without a restart.
  const std::string late = create_token(cfg, "late", "admin").second.at(0);
  bool accepted = false;
  for (int i = 0; i < 200 && !accepted; ++i) {  // the file is looked at once a second
    accepted = status_of(port, "/api/v1/vcenters", late) == 200;
    if (!accepted) p.wait_for_stderr("event=api.tokens_loaded", 100ms);
  }
  CHECK(accepted);

  p.signal(SIGTERM);
  REQUIRE(p.wait(20s) == 0);
  p.drain_stderr();
  CHECK(any_contains(p.stderr_lines(), "event=api.stopped"));
  CHECK(any_contains(p.stderr_lines(), "event=api.unauthorized"));
  CHECK_FALSE(any_contains(p.stderr_lines(), viewer.substr(21)));
  CHECK_FALSE(any_contains(p.stderr_lines(), late.substr(21)));
  CHECK(testing::connection_refused(port));
}

TEST_CASE("vmfabricd serves HTTPS when api.tls is set", "[daemon]") {
  TempDir dir;
  const testing::TestPki pki = testing::make_test_pki(dir);
  json api = plain_api();
  api["tls"] = {{"cert_file", pki.cert_file}, {"key_file", pki.key_file}};
  const auto cfg = config(dir, api);
  const std::string token = create_token(cfg, "tls", "viewer").second.at(0);
  ChildProcess p({VMFABRICD, "--config", cfg});
  const std::uint16_t port = start(p);
  CHECK(any_contains(p.stderr_lines(), "tls=true"));

  boost::asio::io_context io;
  net::HttpTarget target;
  target.peer = "vmfabricd";
  target.host = "127.0.0.1";
  target.port = port;
  target.tls.ca_file = pki.ca_file;
  net::HttpClient client(io.get_executor(), target);
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/api/v1/vcenters";
  req.headers = {{"Authorization", "Bearer " + token}};
  const auto r = testing::run_coroutine(io, client.request(req));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["items"] == json::array());
  p.signal(SIGTERM);
  CHECK(p.wait(20s) == 0);
}

TEST_CASE("vmfabricd refuses a bad tokens file and retries a busy port", "[daemon]") {
  TempDir dir;
  SECTION("a malformed tokens file") {
    const auto cfg = config(dir, plain_api());
    dir.write("tokens.json", "{oops");
    ChildProcess p({VMFABRICD, "--config", cfg});
    CHECK(p.wait(20s) == 1);
    p.drain_stderr();
    CHECK(any_contains(p.stderr_lines(), "level=error event=api.failed"));
    CHECK(any_contains(p.stderr_lines(), dir.file("tokens.json") + ": not valid JSON"));
  }
  SECTION("a port in use: the controller runs, the API retries") {
    const auto first_cfg = config(dir, plain_api());
    ChildProcess first({VMFABRICD, "--config", first_cfg});
    const std::uint16_t port = start(first);
    TempDir other;
    const auto cfg = config(
        other, {{"listen", "127.0.0.1:" + std::to_string(port)}, {"tokens_file", "tokens.json"}});
    ChildProcess p({VMFABRICD, "--config", cfg});
    const auto failed = p.wait_for_stderr("event=api.listen_failed", 20s);
    REQUIRE(failed);
    CHECK(failed->find("cannot listen") != std::string::npos);
    CHECK(failed->find("retry_in_s=1") != std::string::npos);
    CHECK(p.wait_for_stderr("event=vmfabricd.ready", 20s));
    // Once the port is free the API comes up.
    first.signal(SIGTERM);
    CHECK(first.wait(20s) == 0);
    CHECK(p.wait_for_stderr("event=api.listen_recovered", 30s));
    CHECK(status_of(port, "/healthz") == 200);
    p.signal(SIGTERM);
    CHECK(p.wait(20s) == 0);
  }
}
