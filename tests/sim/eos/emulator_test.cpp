// vmfabric-eos over real HTTP and HTTPS on 127.0.0.1, driven through the harness: transport,
// authentication, TLS, fault injection and the control endpoint.
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "support/run_coroutine.h"
#include "tests/sim/eos/harness.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

namespace asio = boost::asio;

const std::string kTopology = VMFABRIC_SOURCE_DIR "/tests/sim/eos/testdata/topology.json";

EosEmulator::Options plain_options() {
  EosEmulator::Options o;
  o.topology_file = kTopology;
  o.users = {"admin:admin", "viewer:view:ro"};
  return o;
}

std::string run_cmds_body(const std::vector<std::string>& cmds) {
  return nlohmann::json{{"jsonrpc", "2.0"},
                        {"method", "runCmds"},
                        {"params", {{"version", 1}, {"cmds", cmds}, {"format", "json"}}},
                        {"id", "emulator-test"}}
      .dump();
}

// One keep-alive eAPI connection to one switch, as `user`.
class Eapi {
 public:
  Eapi(net::HttpTarget target, std::string user = "admin", std::string password = "admin")
      : client_(io_.get_executor(), std::move(target)),
        authorization_(net::basic_auth(user, password)) {}

  net::HttpResponse post(const std::vector<std::string>& cmds) {
    return run_coroutine(io_, client_.request(request(cmds)));
  }
  // The JSON-RPC response body of a 200 answer.
  nlohmann::json run_cmds(const std::vector<std::string>& cmds) {
    const net::HttpResponse response = post(cmds);
    REQUIRE(response.status == 200);
    CHECK(response.header("Content-Type") == "application/json");
    return nlohmann::json::parse(response.body);
  }
  net::HttpRequest request(const std::vector<std::string>& cmds) const {
    net::HttpRequest r;
    r.target = "/command-api";
    r.headers = {{"Content-Type", "application/json-rpc"}, {"Authorization", authorization_}};
    r.body = run_cmds_body(cmds);
    return r;
  }
  net::HttpError error(const std::vector<std::string>& cmds) {
    try {
      const net::HttpResponse r = post(cmds);
      FAIL("expected an HttpError, got HTTP " << r.status);
    } catch (const net::HttpError& e) {
      return e;
    }
    throw std::logic_error("unreachable");
  }
  net::HttpClient& client() { return client_; }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  net::HttpClient client_;
  std::string authorization_;
};

const std::vector<std::string> kShowHostname = {"enable", "show hostname"};

std::string hostname_of(const nlohmann::json& response) {
  return response.at("result").at(1).at("hostname").get<std::string>();
}

std::uint64_t stat(EosEmulator& emulator, const std::string& name, const std::string& key) {
  return emulator.stats().at(name).at(key).get<std::uint64_t>();
}

}  // namespace

TEST_CASE("the ready line gives one port per switch and a control port", "[eos]") {
  EosEmulator emulator(plain_options());
  const std::vector<std::string> expected = {"spine1", "spine2", "leaf1a",
                                             "leaf1b", "leaf2a", "leaf2b"};
  CHECK(emulator.switch_names() == expected);
  CHECK_FALSE(emulator.tls());
  std::set<std::uint16_t> ports = {emulator.control_port()};
  for (const auto& name : expected) ports.insert(emulator.port(name));
  CHECK(ports.size() == expected.size() + 1);
  const auto listed = nlohmann::json::parse(emulator.control("GET", "/switches").body);
  for (const auto& name : expected) CHECK(listed.at(name).at("port") == emulator.port(name));
  for (const auto& name : expected) {
    Eapi eapi(emulator.target(name));
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == name);
  }
}

TEST_CASE("one keep-alive connection serves many requests", "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("leaf1a"));
  for (int i = 0; i < 5; ++i) CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "leaf1a");
  CHECK(eapi.client().connected());
  CHECK(stat(emulator, "leaf1a", "connections") == 1);
  CHECK(stat(emulator, "leaf1a", "requests") == 5);
}

TEST_CASE("eAPI answers 404 off /command-api and 405 to other methods and 431 to big headers",
          "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("spine1"));
  net::HttpRequest r = eapi.request(kShowHostname);
  r.target = "/command-api/";
  CHECK(run_coroutine(eapi.io(), eapi.client().request(r)).status == 200);
  r.target = "/other";
  CHECK(run_coroutine(eapi.io(), eapi.client().request(r)).status == 404);
  r.target = "/command-api";
  r.method = "GET";
  CHECK(run_coroutine(eapi.io(), eapi.client().request(r)).status == 405);
  r.method = "POST";
  r.headers.emplace_back("X-Padding", std::string(9000, 'x'));
  CHECK(run_coroutine(eapi.io(), eapi.client().request(r)).status == 431);
}

TEST_CASE("bad or missing credentials get 401 with a Basic challenge", "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi bad_password(emulator.target("spine1"), "admin", "wrong");
  const net::HttpResponse refused = bad_password.post(kShowHostname);
  CHECK(refused.status == 401);
  CHECK(refused.header("WWW-Authenticate") == "Basic realm=\"eAPI\"");

  Eapi anonymous(emulator.target("spine1"));
  net::HttpRequest r = anonymous.request(kShowHostname);
  r.headers = {{"Content-Type", "application/json"}};
  CHECK(run_coroutine(anonymous.io(), anonymous.client().request(r)).status == 401);
  CHECK(stat(emulator, "spine1", "unauthenticated") == 2);
}

TEST_CASE("a read-only user may show but gets error 1005 on configuration", "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi viewer(emulator.target("leaf1a"), "viewer", "view");
  CHECK(hostname_of(viewer.run_cmds(kShowHostname)) == "leaf1a");
  const auto denied = viewer.run_cmds({"enable", "configure", "vlan 301"});
  CHECK(denied.at("error").at("code") == 1005);
  CHECK_FALSE(emulator.state("leaf1a").at("vlans").contains("301"));
}

TEST_CASE("a cookie session from /login authenticates eAPI until /logout", "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("leaf1a"));
  net::HttpRequest login;
  login.target = "/login";
  login.body = R"({"username": "admin", "password": "admin"})";
  const net::HttpResponse session = run_coroutine(eapi.io(), eapi.client().request(login));
  REQUIRE(session.status == 200);
  const std::string set_cookie = session.header("Set-Cookie").value_or("");
  REQUIRE(set_cookie.rfind("Session=", 0) == 0);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  net::HttpRequest command = eapi.request(kShowHostname);
  command.headers = {{"Cookie", cookie}};
  CHECK(run_coroutine(eapi.io(), eapi.client().request(command)).status == 200);
  net::HttpRequest logout;
  logout.target = "/logout";
  logout.headers = {{"Cookie", cookie}};
  CHECK(run_coroutine(eapi.io(), eapi.client().request(logout)).status == 200);
  CHECK(run_coroutine(eapi.io(), eapi.client().request(command)).status == 401);

  login.body = R"({"username": "admin", "password": "wrong"})";
  CHECK(run_coroutine(eapi.io(), eapi.client().request(login)).status == 401);
}

TEST_CASE("HTTPS serves the given certificate and clients verify it", "[eos][tls]") {
  TempDir dir;
  const TestPki pki = make_test_pki(dir);
  EosEmulator::Options options = plain_options();
  options.use_tls(pki);
  EosEmulator emulator(options);
  CHECK(emulator.tls());
  net::HttpTarget target = emulator.target("spine2");

  SECTION("verified against the test CA") {
    target.tls.ca_file = pki.ca_file;
    Eapi eapi(target);
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "spine2");
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "spine2");
    CHECK(stat(emulator, "spine2", "connections") == 1);
  }
  SECTION("refused against an unrelated CA") {
    target.tls.ca_file = pki.other_ca_file;
    Eapi eapi(target);
    CHECK(eapi.error(kShowHostname).kind() == net::HttpError::Kind::kTls);
  }
  SECTION("pinned by fingerprint") {
    target.tls.fingerprint_sha256 = pki.fingerprint_sha256;
    Eapi eapi(target);
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "spine2");
  }
  SECTION("refused with another fingerprint") {
    std::string wrong = pki.fingerprint_sha256;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    target.tls.fingerprint_sha256 = wrong;
    Eapi eapi(target);
    CHECK(eapi.error(kShowHostname).kind() == net::HttpError::Kind::kTls);
  }
  SECTION("plain HTTP to the HTTPS port gets no HTTP answer") {
    target.tls.enabled = false;
    Eapi eapi(target);
    CHECK_THROWS_AS(eapi.post(kShowHostname), net::HttpError);
  }
}

TEST_CASE("HTTP faults apply for their count and until cleared", "[eos][faults]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("leaf2a"));

  SECTION("latency delays the answer") {
    emulator.inject({{"switch", "leaf2a"}, {"kind", "latency"}, {"latency_ms", 300}, {"count", 1}});
    auto start = Clock::now();
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "leaf2a");
    CHECK(Clock::now() - start >= 300ms);
    start = Clock::now();
    eapi.run_cmds(kShowHostname);
    CHECK(Clock::now() - start < 300ms);
    CHECK(emulator.stats().at("leaf2a").at("faults").at("latency") == 1);
  }
  SECTION("http500 answers 500 for count requests") {
    emulator.inject({{"switch", "leaf2a"}, {"kind", "http500"}, {"count", 2}});
    CHECK(eapi.post(kShowHostname).status == 500);
    CHECK(eapi.post(kShowHostname).status == 500);
    CHECK(eapi.post(kShowHostname).status == 200);
  }
  SECTION("drop closes the connection without an answer") {
    emulator.inject({{"switch", "leaf2a"}, {"kind", "drop"}, {"count", 1}});
    CHECK(eapi.error(kShowHostname).kind() == net::HttpError::Kind::kClosed);
    CHECK(hostname_of(eapi.run_cmds(kShowHostname)) == "leaf2a");
    CHECK(stat(emulator, "leaf2a", "requests") == 2);
  }
  SECTION("unauthorized refuses good credentials until cleared") {
    emulator.inject({{"switch", "*"}, {"kind", "unauthorized"}});
    for (int i = 0; i < 3; ++i) CHECK(eapi.post(kShowHostname).status == 401);
    Eapi other(emulator.target("spine1"));
    CHECK(other.post(kShowHostname).status == 401);
    emulator.clear_faults();
    CHECK(eapi.post(kShowHostname).status == 200);
    CHECK(other.post(kShowHostname).status == 200);
  }
  SECTION("faults on one switch leave the others alone") {
    emulator.inject({{"switch", "leaf2a"}, {"kind", "http500"}});
    Eapi other(emulator.target("leaf2b"));
    CHECK(other.post(kShowHostname).status == 200);
    CHECK(eapi.post(kShowHostname).status == 500);
    const auto cleared = emulator.control("DELETE", "/faults?switch=leaf2a");
    CHECK(cleared.status == 200);
    CHECK(eapi.post(kShowHostname).status == 200);
  }
}

TEST_CASE("fail_commit makes commits fail with error 1000 and changes nothing", "[eos][faults]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("leaf1b"));
  const nlohmann::json before = emulator.state("leaf1b").at("vlans");
  emulator.inject({{"switch", "leaf1b"}, {"kind", "fail_commit"}, {"count", 1}});
  const auto failed =
      eapi.run_cmds({"enable", "configure session vmf1", "vlan 777", "name x", "commit"});
  CHECK(failed.at("error").at("code") == 1000);
  CHECK(emulator.state("leaf1b").at("vlans") == before);

  const auto committed =
      eapi.run_cmds({"enable", "configure session vmf2", "vlan 777", "name x", "commit"});
  CHECK_FALSE(committed.contains("error"));
  CHECK(emulator.state("leaf1b").at("vlans").contains("777"));
}

TEST_CASE("the control endpoint answers errors as JSON", "[eos][control]") {
  EosEmulator emulator(plain_options());
  const auto error_of = [&](const net::HttpResponse& r) {
    return nlohmann::json::parse(r.body).at("error").get<std::string>();
  };
  const auto unknown = emulator.control("GET", "/switches/leaf9");
  CHECK(unknown.status == 404);
  CHECK_THAT(error_of(unknown), Catch::Contains("leaf9"));
  CHECK(emulator.control("POST", "/faults", "{not json").status == 400);
  const auto bad_kind = emulator.control("POST", "/faults", R"({"switch":"*","kind":"melt"})");
  CHECK(bad_kind.status == 400);
  CHECK_THAT(error_of(bad_kind), Catch::Contains("melt"));
  CHECK(emulator.control("POST", "/faults", R"({"switch":"leaf9","kind":"drop"})").status == 404);
  CHECK(emulator.control("POST", "/faults", R"({"switch":"*","kind":"latency"})").status == 400);
  CHECK(emulator.control("GET", "/nowhere").status == 404);
  CHECK(emulator.control("DELETE", "/stats").status == 405);
  const auto bad_line =
      emulator.control("POST", "/switches/leaf1a/console", R"({"lines": ["frobnicate now"]})");
  CHECK(bad_line.status == 400);
  CHECK_THAT(error_of(bad_line), Catch::Contains("frobnicate"));
}

TEST_CASE("a slow switch does not delay the others", "[eos][faults]") {
  EosEmulator emulator(plain_options());
  emulator.inject({{"switch", "spine1"}, {"kind", "latency"}, {"latency_ms", 3000}, {"count", 1}});
  asio::io_context io;
  net::HttpClient slow(io.get_executor(), emulator.target("spine1"));
  net::HttpClient fast(io.get_executor(), emulator.target("spine2"));
  Eapi request_maker(emulator.target("spine1"));
  const auto start = Clock::now();
  Clock::duration slow_took{}, fast_took{};
  int fast_status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await slow.request(request_maker.request(kShowHostname));
        slow_took = Clock::now() - start;
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Wait until the slow request is in flight on the emulator.
        asio::steady_timer tick(io);
        while (stat(emulator, "spine1", "requests") == 0) {
          tick.expires_after(5ms);
          co_await tick.async_wait(asio::use_awaitable);
        }
        const auto sent = Clock::now();
        fast_status = (co_await fast.request(request_maker.request(kShowHostname))).status;
        fast_took = Clock::now() - sent;
      },
      asio::detached);
  io.run();
  CHECK(fast_status == 200);
  CHECK(fast_took < 500ms);
  CHECK(slow_took >= 3000ms);
}

TEST_CASE("console changes, journal and links round trip", "[eos][control]") {
  EosEmulator emulator(plain_options());
  emulator.console("leaf2b", {"vlan 555", "name drift"}, "ops");
  CHECK(emulator.state("leaf2b").at("vlans").at("555") == "drift");
  const nlohmann::json journal = emulator.journal("leaf2b");
  REQUIRE_FALSE(journal.empty());
  const nlohmann::json& last = journal.back();
  CHECK(last.at("user") == "ops");
  CHECK(last.at("switch") == "leaf2b");
  CHECK(emulator.journal("leaf2b", last.at("seq").get<std::uint64_t>()).empty());

  Eapi eapi(emulator.target("leaf2b"));
  eapi.run_cmds({"enable", "configure", "vlan 556", "end"});
  const nlohmann::json newer = emulator.journal("leaf2b", last.at("seq").get<std::uint64_t>());
  REQUIRE(newer.size() == 1);
  CHECK(newer[0].at("user") == "admin");

  CHECK(emulator.state("leaf2b").at("interfaces").at("Ethernet1").at("link") == "connected");
  emulator.set_link("leaf2b", "Ethernet1", false);
  CHECK(emulator.state("leaf2b").at("interfaces").at("Ethernet1").at("link") == "notconnect");
  emulator.set_link("leaf2b", "Ethernet1", true);
  CHECK(emulator.state("leaf2b").at("interfaces").at("Ethernet1").at("link") == "connected");
}

TEST_CASE("SIGTERM stops the emulator with exit status 0", "[eos]") {
  EosEmulator emulator(plain_options());
  Eapi eapi(emulator.target("spine1"));
  eapi.run_cmds(kShowHostname);  // with a connection open
  CHECK(emulator.stop() == 0);
  CHECK(emulator.process().wait_for_stderr("event=server.stopping", 5s).has_value());
}

TEST_CASE("bad arguments exit with status 2 and say why", "[eos]") {
  const auto exit_of = [](std::vector<std::string> argv, const std::string& needle) {
    argv.insert(argv.begin(), eos_emulator_binary());
    ChildProcess p(argv);
    CHECK(p.wait_for_stderr(needle, 10s).has_value());
    return p.wait(10s);
  };
  CHECK(exit_of({"--topology"}, "missing value") == 2);
  CHECK(exit_of({"--topology", "/nonexistent.json"}, "/nonexistent.json") == 2);
  CHECK(exit_of({"--topology", kTopology, "--threads", "zero"}, "--threads") == 2);
  CHECK(exit_of({"--bogus", "1"}, "--bogus") == 2);
}
