// Test inputs for the southbound: the eAPI captures in tests/fixtures/eos.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

namespace vmfabric::testing {

inline std::string eos_fixture_text(const std::string& name) {
  const std::string path = std::string(VMFABRIC_SOURCE_DIR) + "/tests/fixtures/eos/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline nlohmann::json eos_fixture(const std::string& name) {
  return nlohmann::json::parse(eos_fixture_text(name));
}

// The `eos_data` of the ANTA entry for `anta_test` / `case_name` in anta_trimmed_fixtures.json.
inline nlohmann::json anta_fixture(const std::string& anta_test, const std::string& case_name) {
  for (const nlohmann::json& entry : eos_fixture("anta_trimmed_fixtures.json")) {
    if (entry["anta_test"] == anta_test && entry["case"] == case_name) return entry["eos_data"][0];
  }
  throw std::runtime_error("no ANTA fixture " + anta_test + "/" + case_name);
}

}  // namespace vmfabric::testing
