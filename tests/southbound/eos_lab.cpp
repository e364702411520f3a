#include "eos_lab.h"

#include <cstdlib>
#include <fstream>

#include "support/run_coroutine.h"

namespace vmfabric::testing {

nlohmann::json lab_topology() {
  std::ifstream in(lab_topology_file());
  return nlohmann::json::parse(in);
}

SwitchConfig switch_config(const EosEmulator& emulator, const std::string& name, TlsTrust tls) {
  ::setenv(kEosPasswordEnv, "admin", 1);
  SwitchConfig c;
  c.name = name;
  c.address = "127.0.0.1";
  c.port = emulator.port(name);
  c.transport = emulator.tls() ? Transport::kHttps : Transport::kHttp;
  c.credential.username = "admin";
  c.credential.password_env = kEosPasswordEnv;
  c.tls = std::move(tls);
  return c;
}

southbound::EapiOptions EapiClient::fast_options() {
  southbound::EapiOptions o;
  o.limits.connect_timeout = std::chrono::milliseconds(2000);
  o.limits.request_timeout = std::chrono::milliseconds(5000);
  o.retry_backoff = std::chrono::milliseconds(20);
  return o;
}

EapiClient::EapiClient(const SwitchConfig& config, southbound::EapiOptions options)
    : session_(io_.get_executor(), southbound::endpoint_of(config), options) {}

std::vector<nlohmann::json> EapiClient::show(std::vector<std::string> cmds) {
  return run_coroutine(io_, session_.show(std::move(cmds)));
}

southbound::SwitchReadings EapiClient::read_state() {
  return run_coroutine(io_, session_.read_state());
}

southbound::ApplyReport EapiClient::apply(const southbound::ChangeSet& changes,
                                          const std::string& name) {
  return run_coroutine(io_, session_.apply(changes, name));
}

}  // namespace vmfabric::testing
