#include "tests/sim/vcsim/cpp/harness.h"

#include <signal.h>

#include <cstdlib>
#include <stdexcept>

namespace vmfabric::testing {

using namespace std::chrono_literals;

std::string default_vcsim_topology() { return VCSIM_TOPOLOGY; }

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
  const auto line = process_->read_line(options_.start_timeout);
  if (!line || line->rfind("VCSIM_URL=", 0) != 0) {
    process_->drain_stderr();
    std::string err;
    for (const auto& l : process_->stderr_lines()) err += l + "\n";
    throw std::runtime_error("vmfabric-vcsim serve did not start: " + err);
  }
  url_ = line->substr(10);
  const auto colon = url_.rfind(':');
  port_ = static_cast<std::uint16_t>(std::stoi(url_.substr(colon + 1)));
}

int Vcsim::pid() const { return process_->pid(); }

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
    throw std::runtime_error("vmfabric-vcsim " + args.at(0) + " failed: " + err);
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

}  // namespace vmfabric::testing
