// vmfabric-eos: the EOS fabric emulator (README.md here). Exit status: 0 after SIGTERM or
// SIGINT, 1 when a socket or the TLS files cannot be used, 2 for a bad command line or topology.
#include <fstream>
#include <iostream>

#include "log/log.h"
#include "tests/sim/eos/server.h"

using namespace vmfabric;

int main(int argc, char** argv) {
  eos_sim::ServerOptions options;
  nlohmann::json topology;
  try {
    options = eos_sim::parse_options(std::vector<std::string>(argv + 1, argv + argc));
    log::Level level;
    if (!log::parse_level(options.log_level, level)) {
      throw eos_sim::UsageError("--log-level: unknown level '" + options.log_level + "'");
    }
    log::set_level(level);
  } catch (const eos_sim::UsageError& e) {
    std::cerr << "vmfabric-eos: " << e.what() << "\n" << eos_sim::kUsage;
    return 2;
  }
  std::ifstream in(options.topology_file);
  if (!in) {
    std::cerr << "vmfabric-eos: --topology: cannot open " << options.topology_file << "\n";
    return 2;
  }
  try {
    topology = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "vmfabric-eos: " << options.topology_file << ": not JSON: " << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<eos_sim::Fabric> fabric;
  try {
    fabric = std::make_unique<eos_sim::Fabric>(topology);
  } catch (const std::exception& e) {  // TopologyError, or a JSON type error on a bad file
    std::cerr << "vmfabric-eos: " << options.topology_file << ": " << e.what() << "\n";
    return 2;
  }
  try {
    eos_sim::serve(options, *fabric);
  } catch (const std::exception& e) {
    std::cerr << "vmfabric-eos: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
