// C++ test helpers around the EOS fabric emulator (`vmfabric-eos`, README.md here): a running
// emulator process with synchronous calls to its control endpoint, and a test PKI for HTTPS.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

namespace vmfabric::testing {

// The path of the vmfabric-eos binary built with this harness.
std::string eos_emulator_binary();

// A `vmfabric-eos` process, started by the constructor (which returns once every socket
// listens) and stopped with SIGTERM by the destructor. Control calls throw std::runtime_error
// with the endpoint's error message when it does not answer 2xx.
class EosEmulator {
 public:
  struct Options {
    std::string topology_file;
    bool tls = false;
    std::string cert_file, key_file;  // required when tls
    std::vector<std::string> users;   // "NAME:PASSWORD[:ro]"; empty: admin:admin
    int latency_ms = 0;
    int threads = 2;

    // Serve HTTPS with the server certificate of `pki`.
    void use_tls(const TestPki& pki) {
      tls = true;
      cert_file = pki.cert_file;
      key_file = pki.key_file;
    }
  };

  explicit EosEmulator(Options options);
  ~EosEmulator();
  EosEmulator(const EosEmulator&) = delete;
  EosEmulator& operator=(const EosEmulator&) = delete;

  // The eAPI port of `switch_name` (throws std::out_of_range for an unknown one).
  std::uint16_t port(const std::string& switch_name) const;
  std::uint16_t control_port() const { return control_port_; }
  const std::vector<std::string>& switch_names() const { return switch_names_; }
  bool tls() const { return tls_; }
  // An HttpTarget for `switch_name`'s eAPI on 127.0.0.1 (TLS per the emulator, no policy set).
  net::HttpTarget target(const std::string& switch_name) const;

  nlohmann::json state(const std::string& switch_name);
  nlohmann::json journal(const std::string& switch_name, std::uint64_t since = 0);
  // POSTs `fault` to /faults: {"switch", "kind", "latency_ms", "count"}.
  void inject(const nlohmann::json& fault);
  void clear_faults();
  void console(const std::string& switch_name, const std::vector<std::string>& lines,
               const std::string& user = "console");
  void set_link(const std::string& switch_name, const std::string& interface, bool up);
  // {switch: {"requests", "unauthenticated", "faults": {...}}}
  nlohmann::json stats();

  // One raw control endpoint call, whatever its status (for tests of the endpoint itself).
  net::HttpResponse control(const std::string& method, const std::string& target,
                            const std::string& body = "");

  // Sends SIGTERM and waits; the exit code (nothing on timeout). The destructor then does
  // nothing more.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ChildProcess& process() { return *process_; }

 private:
  // control() that throws unless 2xx; the body parsed as JSON.
  nlohmann::json control_json(const std::string& method, const std::string& target,
                              const nlohmann::json& body = nullptr);

  std::unique_ptr<ChildProcess> process_;
  bool stopped_ = false;
  bool tls_ = false;
  std::uint16_t control_port_ = 0;
  std::vector<std::string> switch_names_;  // topology order
  std::map<std::string, std::uint16_t> ports_;
  struct ControlClient;
  std::unique_ptr<ControlClient> control_client_;
};

}  // namespace vmfabric::testing
