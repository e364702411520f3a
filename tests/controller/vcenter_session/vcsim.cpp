#include "vcsim.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <future>

namespace vmfabric::testing {

using namespace std::chrono_literals;

Vcsim::Vcsim(Options options) : options_(std::move(options)) {
  std::vector<std::string> argv = {
      VCSIM_BINARY,      "serve",           "--topology",
      options_.topology, "--listen",        "127.0.0.1:" + std::to_string(options_.port),
      "--username",      options_.username, "--password",
      options_.password, "--vmotion-delay", options_.vmotion_delay};
  if (!options_.vcenter.empty()) argv.insert(argv.end(), {"--vcenter", options_.vcenter});
  if (!options_.session_idle.empty()) {
    argv.insert(argv.end(), {"--session-idle", options_.session_idle});
  }
  if (!options_.cert.empty())
    argv.insert(argv.end(), {"--tls", "--cert", options_.cert, "--key", options_.key});
  process_ = std::make_unique<ChildProcess>(argv);
  const auto line = process_->read_line(60s);
  if (!line || line->rfind("VCSIM_URL=", 0) != 0) {
    process_->drain_stderr();
    std::string err;
    for (const auto& l : process_->stderr_lines()) err += l + "\n";
    FAIL("vmfabric-vcsim serve did not start: " << err);
  }
  url_ = line->substr(10);
  const auto colon = url_.rfind(':');
  port_ = static_cast<std::uint16_t>(std::stoi(url_.substr(colon + 1)));
}

void Vcsim::kill() {
  process_->signal(SIGKILL);
  process_->wait(10s);
}

std::string Vcsim::client(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {VCSIM_BINARY, args.at(0),       "--url",
                                   url_,         "--username",     options_.username,
                                   "--password", options_.password};
  if (!options_.cert.empty()) argv.emplace_back("--insecure");
  argv.insert(argv.end(), args.begin() + 1, args.end());
  ChildProcess p(argv);
  std::string out;
  while (auto line = p.read_line(60s)) out += *line + "\n";
  const auto rc = p.wait(60s);
  if (rc != 0) {
    p.drain_stderr();
    std::string err;
    for (const auto& l : p.stderr_lines()) err += l + "\n";
    FAIL("vmfabric-vcsim " << args.at(0) << " failed: " << err);
  }
  return out;
}

VCenterConfig vcenter_config(const std::string& name, const Vcsim& sim, TlsTrust tls) {
  setenv("VMFABRIC_TEST_VC_PASSWORD", "vc-password", 1);
  VCenterConfig c;
  c.name = name;
  c.url = sim.url();
  c.https = sim.url().rfind("https://", 0) == 0;
  c.endpoint = {"127.0.0.1", sim.port()};
  c.path = "/sdk";
  c.credential.username = "svc-vmfabric";
  c.credential.password_env = "VMFABRIC_TEST_VC_PASSWORD";
  c.tls = std::move(tls);
  return c;
}

Pipeline::~Pipeline() { stop_sessions(); }

vcenter::SessionOptions Pipeline::fast_options() {
  vcenter::SessionOptions o;
  o.max_wait = std::chrono::seconds(5);
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(500);
  o.limits.connect_timeout = std::chrono::milliseconds(2000);
  o.limits.request_timeout = std::chrono::milliseconds(10000);
  return o;
}

void Pipeline::add_session(VCenterConfig config, vcenter::SessionOptions options) {
  const std::string source = "vcenter " + config.name;
  sessions_.push_back(std::make_unique<vcenter::VCenterSession>(
      executor(), std::move(config),
      [this, source](Delta d) { writer().submit(std::move(d), source); }, options));
  sessions_.back()->start();
}

void Pipeline::stop_sessions() {
  for (auto& s : sessions_) {
    std::promise<void> stopped;
    s->stop([&] { stopped.set_value(); });
    stopped.get_future().wait_for(30s);
  }
  sessions_.clear();
  flush();
}

const Vm* vm_named(const Snapshot& g, const std::string& vcenter, const std::string& name) {
  for (const Vm& vm : g.all<Vm>()) {
    if (vm.id.vcenter.str() == vcenter && vm.name == name) return &vm;
  }
  return nullptr;
}

const Host* host_named(const Snapshot& g, const std::string& vcenter, const std::string& name) {
  for (const Host& h : g.all<Host>()) {
    if (h.id.vcenter.str() == vcenter && h.name == name) return &h;
  }
  return nullptr;
}

const VCenter* vcenter_of(const Snapshot& g, const std::string& name) {
  return g.find<VCenter>(VCenterId(name));
}

}  // namespace vmfabric::testing
