// The southbound's integration tests against the EOS fabric emulator: switch configs pointing at
// an emulator, and a way to run one EapiSession call to completion.
#pragma once

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "southbound/eapi_session.h"
#include "tests/sim/eos/harness.h"

namespace vmfabric::testing {

// The lab topology of tests/sim/eos/testdata (2 spines, 4 leaves in 2 MLAG pairs).
inline std::string lab_topology_file() {
  return std::string(VMFABRIC_SOURCE_DIR) + "/tests/sim/eos/testdata/topology.json";
}
nlohmann::json lab_topology();

// The emulator's default user's password, handed to configs through this variable.
inline constexpr const char* kEosPasswordEnv = "VMFABRIC_TEST_EOS_PASSWORD";

// A SwitchConfig for `name` on `emulator` (user admin, password from kEosPasswordEnv, which this
// sets to "admin").
SwitchConfig switch_config(const EosEmulator& emulator, const std::string& name, TlsTrust tls = {});

// An EapiSession with its own io_context, for one-call-at-a-time tests.
class EapiClient {
 public:
  EapiClient(const SwitchConfig& config, southbound::EapiOptions options = fast_options());
  std::vector<nlohmann::json> show(std::vector<std::string> cmds);
  southbound::SwitchReadings read_state();
  southbound::ApplyReport apply(const southbound::ChangeSet& changes, const std::string& name);

  static southbound::EapiOptions fast_options();

 private:
  boost::asio::io_context io_;
  southbound::EapiSession session_;
};

}  // namespace vmfabric::testing
