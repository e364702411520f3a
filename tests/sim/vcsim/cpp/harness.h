// C++ test helpers around the vCenter simulator harness (`vmfabric-vcsim`, README.md here): a
// `serve` process, its client subcommands, and a VCenterConfig pointing at it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "support/process.h"

namespace vmfabric::testing {

// tests/sim/vcsim/testdata/topology.json, the harness's own test topology.
std::string default_vcsim_topology();

// A `vmfabric-vcsim serve` process.
class Vcsim {
 public:
  struct Options {
    std::string topology = default_vcsim_topology();
    std::string vcenter;     // empty: the first of the file
    std::uint16_t port = 0;  // 0: any free port
    std::string cert, key;   // both set: HTTPS
    std::string username = "svc-vmfabric";
    std::string password = "vc-password";
    std::string vmotion_delay = "1500ms";
    std::string session_idle;  // empty: sessions never expire
    // How long `serve` may take to print its URL: about 1 s per 1,000 VMs on a busy machine.
    std::chrono::seconds start_timeout{60};
  };
  explicit Vcsim(Options options);
  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }
  int pid() const;
  void kill();

  // Runs a client subcommand against this server; returns its stdout. Throws std::runtime_error
  // with its stderr when it fails.
  std::string client(const std::vector<std::string>& args) const;
  nlohmann::json inventory() const { return nlohmann::json::parse(client({"inventory"})); }

 private:
  Options options_;
  std::unique_ptr<ChildProcess> process_;
  std::string url_;
  std::uint16_t port_ = 0;
};

// A VCenterConfig for a simulator; the password comes from VMFABRIC_TEST_VC_PASSWORD.
VCenterConfig vcenter_config(const std::string& name, const Vcsim& sim, TlsTrust tls = {});

}  // namespace vmfabric::testing
