// The web viewer end to end: vmfabricd on the lab (vCenter simulator + EOS emulator) serves the
// page; viewer_e2e.mjs drives it in headless Chromium (wrong token, nodes vs /topology, a VLAN's
// highlight vs /vlans/{id}, no console error) and, when it asks, this test migrates a VM in the
// simulator: the page must show the VM on its new host within 2 s, without a reload.
// Screenshots land in the build tree (tests/web/screenshots).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "lab.h"

using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_CASE("the web viewer draws the lab, highlights a VLAN and follows a vMotion live") {
  REQUIRE(std::filesystem::exists("/usr/bin/chromium"));  // Debian's chromium: never skipped
  E2eLab lab{E2eLab::Options{}};
  // The initial plan on the switches, so that VLAN 120 runs somewhere.
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Port-Channel11", 120) && lab.allows("spine1", "Ethernet1", 120);
  }));

  const json config = {{"url", "http://127.0.0.1:" + std::to_string(lab.api_port()) + "/"},
                       {"token", lab.api_token()},
                       {"package_dir", VMFABRIC_WEB_PACKAGE_DIR},
                       {"screenshots", SCREENSHOT_DIR},
                       {"vm", "web-1"},
                       {"vlan", 120}};
  ChildProcess node({VMFABRIC_NODE, VIEWER_SCRIPT, config.dump()});
  std::string transcript;
  // The first line of the script starting with one of `prefixes` ("" on EOF or timeout); a
  // "FAIL" line ends the wait too.
  auto wait_for = [&](std::initializer_list<std::string_view> prefixes,
                      std::chrono::milliseconds timeout) -> std::string {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto line = node.read_line(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (!line) return "";
      transcript += *line + "\n";
      if (line->starts_with("FAIL")) return *line;
      for (std::string_view p : prefixes) {
        if (line->starts_with(p)) return *line;
      }
    }
    return "";
  };
  const std::string ask = wait_for({"migrate "}, 90s);
  INFO(transcript);
  REQUIRE(ask.starts_with("migrate "));

  lab.vcenter().client({"migrate", "web-1", "esx-b1.lab.local"});
  const auto migrated = Clock::now();
  const std::string moved = wait_for({"moved "}, 30s);
  const auto seen = Clock::now() - migrated;
  REQUIRE(moved.starts_with("moved "));
  CHECK(seen <= 2s);
  const std::string end = wait_for({"PASS"}, 60s);
  const auto rc = node.wait(30s);
  node.drain_stderr();
  for (const auto& l : node.stderr_lines()) transcript += l + "\n";
  INFO(transcript);
  CHECK(end == "PASS");
  CHECK(rc == 0);
}
