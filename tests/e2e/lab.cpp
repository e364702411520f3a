#include "lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <stdexcept>

#include "model/vlan_set.h"
#include "support/run_coroutine.h"

namespace vmfabric::testing {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A loopback port free right now, for vmfabricd's API.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 &&
                  ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("no free loopback port for the API");
  return ntohs(addr.sin_port);
}

}  // namespace

void cable_every_pnic_with_lldp(json& topology) {
  for (json& cluster : topology.at("vcenters")[0].at("clusters")) {
    for (json& host : cluster.at("hosts")) {
      for (json& pnic : host.at("pnics")) {
        if (host.at("name") == "esx-b2.lab.local" && pnic.at("device") == "vmnic3") {
          pnic["switch"] = "leaf2b";
          pnic["interface"] = "Ethernet12";
        }
        pnic["lldp"] = true;
      }
    }
  }
}

E2eLab::E2eLab(Options options) : options_(std::move(options)) {
  if (options_.topology.empty()) {
    options_.topology = VMFABRIC_SOURCE_DIR "/tests/sim/eos/testdata/topology.json";
  }
  if (options_.adjust_topology) {
    json topology = json::parse(std::ifstream(options_.topology));
    options_.adjust_topology(topology);
    options_.topology = dir_.file("topology.json");
    std::ofstream(options_.topology) << topology.dump(2);
  }
  if (options_.vcenter) {
    vcsim_options_.topology = options_.topology;
    vcsim_options_.vmotion_delay = options_.vmotion_delay;
    vcsim_ = std::make_unique<Vcsim>(vcsim_options_);
    vcsim_options_.port = vcsim_->port();  // start_vcenter() comes back on the same URL
  }
  EosEmulator::Options eos;
  eos.topology_file = options_.topology;
  eos_ = std::make_unique<EosEmulator>(eos);

  ::setenv("VMFABRIC_E2E_VC_PASSWORD", "vc-password", 1);
  ::setenv("VMFABRIC_E2E_EOS_PASSWORD", "admin", 1);
  json switches = json::array();
  for (const std::string& name : eos_->switch_names()) {
    const auto& out = options_.left_out_switches;
    if (std::find(out.begin(), out.end(), name) == out.end())
      switches.push_back(switch_entry(name));
  }
  json vcenters = json::array();
  if (vcsim_) {
    vcenters.push_back({{"name", "vc1"},
                        {"url", vcsim_->url()},
                        {"username", "svc-vmfabric"},
                        {"password_env", "VMFABRIC_E2E_VC_PASSWORD"}});
  }
  database_ = options_.database_dir.empty() ? dir_.file("vmfabric.db")
                                            : options_.database_dir + "/vmfabric.db";
  const json config = {
      {"database", database_},
      {"log_level", options_.log_level},
      {"vcenters", vcenters},
      {"switches", switches},
      {"api",
       {{"listen", "127.0.0.1:" + std::to_string(free_port())},
        {"tokens_file", dir_.file("tokens.json")}}},
      {"policy",
       {{"managed_vlans", options_.managed_vlans},
        {"mode", options_.mode},
        {"prune_delay_s", options_.prune_delay_s},
        {"apply", options_.apply}}},
      {"audit", {{"interval_s", options_.audit_interval_s}, {"remediate", options_.remediate}}}};
  config_file_ = dir_.file("vmfabric.json");
  std::ofstream(config_file_) << config.dump(2);
  api_token_ = create_token("e2e-viewer", "viewer");
  start_controller();
}

E2eLab::~E2eLab() {
  if (controller_) {
    controller_->signal(SIGTERM);
    controller_->wait(30s);
    keep_log();
  }
}

void E2eLab::keep_log() {
  controller_->drain_stderr();
  if (const char* path = std::getenv("VMFABRIC_E2E_LOG")) {
    std::ofstream out(path, std::ios::app);
    for (const std::string& line : controller_->stderr_lines()) out << line << '\n';
  }
}

void E2eLab::start_controller() {
  controller_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{VMFABRICD_BINARY, "--config", config_file_});
  if (!controller_->wait_for_stderr("event=vmfabricd.ready", 30s)) {
    std::string err;
    for (const auto& l : controller_->stderr_lines()) err += l + "\n";
    throw std::runtime_error("vmfabricd did not start:\n" + err);
  }
  // "... event=api.listening address=127.0.0.1:PORT ..."
  const std::string needle = "event=api.listening address=127.0.0.1:";
  for (const std::string& line : controller_->stderr_lines()) {
    const auto at = line.find(needle);
    if (at != std::string::npos)
      api_port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at + needle.size())));
  }
  if (api_port_ == 0) throw std::runtime_error("vmfabricd logged no api.listening line");
}

std::string E2eLab::create_token(const std::string& name, const std::string& role) {
  ChildProcess p({VMFABRICD_BINARY, "token", "create", "--config", config_file_, "--name", name,
                  "--role", role});
  const auto token = p.read_line(30s);
  const auto rc = p.wait(30s);
  p.drain_stderr();
  if (!token || rc != 0) {
    std::string err;
    for (const auto& l : p.stderr_lines()) err += l + "\n";
    throw std::runtime_error("vmfabricd token create failed:\n" + err);
  }
  // A running vmfabricd reloads its tokens file within a second: wait until it takes this one.
  if (controller_ &&
      !eventually([&] { return api_get("/api/v1/vcenters", *token).status != 401; }, 10s)) {
    throw std::runtime_error("vmfabricd did not take the new token " + name + " within 10 s");
  }
  return *token;
}

const std::string& E2eLab::operator_token() {
  if (operator_token_.empty()) operator_token_ = create_token("e2e-operator", "operator");
  return operator_token_;
}

json E2eLab::run_audit(std::chrono::milliseconds timeout) {
  const net::HttpResponse started = api_request("POST", "/api/v1/audits", "", operator_token());
  if (started.status != 202) {
    throw std::runtime_error("POST /api/v1/audits answered " + std::to_string(started.status) +
                             ": " + started.body);
  }
  const std::string target = json::parse(started.body).at("href").get<std::string>();
  json audit;
  const bool ended = eventually(
      [&] {
        const net::HttpResponse r = api_get(target);
        if (r.status != 200) return false;
        audit = json::parse(r.body);
        return audit.at("status") != "running";
      },
      timeout);
  if (!ended) throw std::runtime_error(target + " did not end in time");
  return audit;
}

bool E2eLab::standard_plan_applied() {
  return eventually([&] {
    return allows("leaf1a", "Port-Channel11", 120) && allows("leaf1b", "Port-Channel11", 120) &&
           allows("leaf1a", "Ethernet12", 30) && allows("spine1", "Ethernet1", 120) &&
           allows("leaf1a", "Port-Channel1000", 120);
  });
}

json E2eLab::switch_entry(const std::string& name) {
  return {{"name", name},
          {"address", "127.0.0.1"},
          {"port", eos_->port(name)},
          {"transport", "http"},
          {"poll_interval_s", options_.poll_interval_s},
          {"username", "admin"},
          {"password_env", "VMFABRIC_E2E_EOS_PASSWORD"}};
}

net::HttpResponse E2eLab::api_get(const std::string& target,
                                  const std::optional<std::string>& token) {
  return api_request("GET", target, "", token.value_or(api_token_));
}

net::HttpResponse E2eLab::api_request(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& token) {
  if (controller_) controller_->collect_stderr();  // vmfabricd must not wait on its log to answer
  boost::asio::io_context io;
  net::HttpTarget where;
  where.peer = "vmfabricd api";
  where.host = "127.0.0.1";
  where.port = api_port_;
  where.tls.enabled = false;
  net::HttpClient client(io.get_executor(), where);
  net::HttpRequest req;
  req.method = method;
  req.target = target;
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  return run_coroutine(io, client.request(std::move(req)));
}

void E2eLab::stop_controller() {
  controller_->signal(SIGTERM);
  const auto rc = controller_->wait(30s);
  keep_log();
  controller_.reset();
  if (rc != 0) {
    throw std::runtime_error("vmfabricd did not stop cleanly: exit " +
                             (rc ? std::to_string(*rc) : std::string("timeout")));
  }
}

void E2eLab::kill_vcenter() { vcsim_->kill(); }

void E2eLab::start_vcenter() { vcsim_ = std::make_unique<Vcsim>(vcsim_options_); }

void E2eLab::kill_controller() {
  controller_->signal(SIGKILL);
  const auto rc = controller_->wait(30s);
  keep_log();
  controller_.reset();
  if (!rc) throw std::runtime_error("vmfabricd did not die within 30 s of SIGKILL");
}

std::vector<json> E2eLab::changes() {
  std::vector<json> out;
  std::string target = "/api/v1/changes?limit=1000";
  for (;;) {
    const net::HttpResponse r = api_get(target);
    if (r.status != 200) {
      throw std::runtime_error("GET " + target + " answered " + std::to_string(r.status) + ": " +
                               r.body);
    }
    const json page = json::parse(r.body);
    for (const json& item : page.at("items")) out.push_back(item);
    if (page.at("next_cursor").is_null()) return out;
    target = "/api/v1/changes?limit=1000&cursor=" + page.at("next_cursor").get<std::string>();
  }
}

E2eLab::JournalCheck E2eLab::check_journal() {
  JournalCheck out;
  std::set<std::string> journaled;
  for (const json& c : changes()) {
    journaled.insert(c.at("session").get<std::string>());
    const std::string result = c.at("result").get<std::string>();
    if (result == "pending") ++out.pending;
    if (result == "failed" || result == "aborted") ++out.failed;
    if (c.at("detail") ==
        "vmfabricd stopped during this session; the switch was read again at start") {
      ++out.closed_at_restart;
    }
  }
  for (const std::string& sw : eos_->switch_names()) {
    for (const json& commit : eos_->journal(sw)) {
      const std::string session = commit.at("session").get<std::string>();
      if (!session.starts_with("vmfabric-")) continue;
      ++out.committed;
      if (!journaled.contains(session)) out.lost.push_back(sw + " " + session);
    }
  }
  return out;
}

std::string E2eLab::allowed(const std::string& sw, const std::string& interface) {
  const json state = eos_->state(sw);
  const char* table = interface.starts_with("Port-Channel") ? "port_channels" : "interfaces";
  return state.at(table).at(interface).at("allowed").get<std::string>();
}

bool E2eLab::allows(const std::string& sw, const std::string& interface, int vlan) {
  return VlanSet::parse(allowed(sw, interface)).contains(VlanId::checked(vlan));
}

std::size_t E2eLab::commits() {
  std::size_t n = 0;
  for (const std::string& sw : eos_->switch_names()) n += eos_->journal(sw).size();
  return n;
}

std::size_t E2eLab::wait_quiet(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t before = commits();
    const json requests = eos_->stats();
    const bool read_twice = eventually(
        [&] {
          const json now = eos_->stats();
          for (const std::string& sw : eos_->switch_names()) {
            if (now[sw]["requests"].get<int>() < requests[sw]["requests"].get<int>() + 2) {
              return false;
            }
          }
          return true;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                              std::chrono::steady_clock::now()));
    if (read_twice && commits() == before) return before;
  }
  throw std::runtime_error("vmfabricd kept changing the switches");
}

bool E2eLab::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Between checks, read vmfabricd's log (so that its stderr pipe never fills up).
    if (controller_) controller_->wait_for_stderr("\n", 50ms);
  }
  return true;
}

}  // namespace vmfabric::testing
