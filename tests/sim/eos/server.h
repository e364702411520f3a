// The EOS fabric emulator's server: one HTTP(S) eAPI listener per switch of the topology, with
// injectable faults, plus a plain-HTTP control endpoint for tests (README.md here).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/sim/eos/engine.h"

namespace vmfabric::eos_sim {

// An eAPI account. A read-only one may run show commands only (the engine enforces it).
struct User {
  std::string name;
  std::string password;
  bool read_only = false;
};

struct ServerOptions {
  std::string topology_file;
  std::string listen = "127.0.0.1";
  std::string tls_cert, tls_key;  // both set: every switch serves HTTPS
  std::vector<User> users;        // empty after parsing never: admin:admin by default
  // Waited before every eAPI answer unless a latency fault says otherwise; fractions allowed.
  std::chrono::microseconds latency{0};
  int threads = 2;
  std::uint16_t control_port = 0;  // 0: ephemeral
  std::uint16_t base_port = 0;     // 0: ephemeral ports; else switch i listens on base + i
  std::string log_level = "info";
};

// A command line the emulator cannot use; the message names the argument.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the arguments after the program name. Throws UsageError.
ServerOptions parse_options(const std::vector<std::string>& args);
extern const char* const kUsage;

// Opens every socket, prints the ready line on stdout and serves until SIGTERM or SIGINT.
// Throws std::runtime_error naming the socket or file that could not be used.
void serve(const ServerOptions& options, Fabric& fabric);

}  // namespace vmfabric::eos_sim
