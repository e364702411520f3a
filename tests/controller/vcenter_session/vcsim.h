// Test helpers around the vCenter simulator harness: a `serve` process, its client subcommands,
// and a live controller pipeline (session -> graph writer -> store) whose graph tests can await.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "support/graph_pipeline.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "vcenter/session.h"

namespace vmfabric::testing {

// A `vmfabric-vcsim serve` process.
class Vcsim {
 public:
  struct Options {
    std::string topology = VCSIM_TOPOLOGY;
    std::string vcenter;     // empty: the first of the file
    std::uint16_t port = 0;  // 0: any free port
    std::string cert, key;   // both set: HTTPS
    std::string username = "svc-vmfabric";
    std::string password = "vc-password";
    std::string vmotion_delay = "1500ms";
    std::string session_idle;  // empty: sessions never expire
  };
  explicit Vcsim(Options options);
  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }
  void kill();

  // Runs a client subcommand against this server; returns its stdout (fails the test on error).
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

// A live graph (GraphPipeline) fed by vCenter sessions.
class Pipeline : public GraphPipeline {
 public:
  ~Pipeline();
  void add_session(VCenterConfig config, vcenter::SessionOptions options = fast_options());
  void stop_sessions();
  // How many entity changes other than of VCenter entities the graph has seen.
  std::uint64_t inventory_changes() const { return changes() - changes(EntityKind::kVCenter); }

  static vcenter::SessionOptions fast_options();

 private:
  std::vector<std::unique_ptr<vcenter::VCenterSession>> sessions_;
};

// Shorthands over a snapshot.
const Vm* vm_named(const Snapshot& g, const std::string& vcenter, const std::string& name);
const Host* host_named(const Snapshot& g, const std::string& vcenter, const std::string& name);
const VCenter* vcenter_of(const Snapshot& g, const std::string& name);

}  // namespace vmfabric::testing
