// EapiSession against the EOS fabric emulator over real HTTP(S): reads, typed errors, retries,
// TLS trust, and the atomic, idempotent, verified apply.
#include <catch2/catch.hpp>
#include <chrono>

#include "eos_lab.h"

using namespace vmfabric;
using namespace vmfabric::southbound;
using namespace vmfabric::testing;
using nlohmann::json;

namespace {

EosEmulator::Options lab_options() {
  EosEmulator::Options o;
  o.topology_file = lab_topology_file();
  o.users = {"admin:admin", "viewer:viewer:ro"};
  return o;
}

const Switchport& switchport(const std::vector<Switchport>& all, const std::string& name) {
  for (const Switchport& s : all) {
    if (s.name.str() == name) return s;
  }
  FAIL("no switchport " << name);
  throw std::logic_error("unreachable");
}

ChangeSet web_vlan_on_uplinks() {
  ChangeSet cs;
  cs.create_vlans[VlanId::checked(120)] = "web servers";
  cs.interfaces[InterfaceName("Ethernet49")].add = VlanSet::of({120});
  cs.interfaces[InterfaceName("Port-Channel11")].add = VlanSet::of({120});
  return cs;
}

std::uint64_t requests(EosEmulator& emu, const std::string& name) {
  return emu.stats().at(name).at("requests").get<std::uint64_t>();
}

}  // namespace

TEST_CASE("read_state reads what the topology says a leaf has") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const SwitchReadings r = client.read_state();
  CHECK(r.facts.hostname == "leaf1a");
  const json topo = lab_topology();
  for (const json& s : topo["fabric"]["switches"]) {
    if (s["name"] == "leaf1a") {
      CHECK(r.facts.serial == s["serial"].get<std::string>());
      CHECK(r.facts.system_mac == s["system_mac"].get<std::string>());
    }
  }
  CHECK(r.mlag.configured());
  CHECK(r.mlag.domain == "pod1");
  REQUIRE(r.mlag.peer_link);
  CHECK(r.mlag.peer_link->str() == "Port-Channel1000");
  // Admin VLAN 10 on the uplink trunk; LLDP sees both spines on Ethernet49/50.
  CHECK(switchport(r.switchports, "Ethernet49").allowed.contains(VlanId::checked(10)));
  int spines = 0;
  for (const LldpReading& l : r.lldp) {
    if (l.neighbor.system_name.starts_with("spine")) ++spines;
  }
  CHECK(spines == 2);
}

TEST_CASE("apply commits one session and the read-back verifies it") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const ApplyReport report = client.apply(web_vlan_on_uplinks(), "vmfabric-1");
  CHECK(report.verified());
  CHECK(report.commands.front() == "configure session vmfabric-1");
  CHECK(report.commands.back() == "commit");
  // The read-back came in the same request as the session, and covers what it changed only.
  CHECK(requests(emu, "leaf1a") == 1);
  CHECK_FALSE(report.all_vlans);
  CHECK_FALSE(report.all_switchports);
  REQUIRE(report.vlans.size() == 1);
  CHECK(report.vlans[0].id == VlanId::checked(120));
  REQUIRE(report.switchports.size() == 2);
  CHECK(report.switchports[0].name.str() == "Ethernet49");
  CHECK(switchport(report.switchports, "Port-Channel11").allowed.contains(VlanId::checked(120)));

  const SwitchReadings r = client.read_state();
  bool found = false;
  for (const VlanEntry& v : r.vlans) {
    if (v.id == VlanId::checked(120)) found = v.name == eos_vlan_name("web servers");
  }
  CHECK(found);
  CHECK(switchport(r.switchports, "Ethernet49").allowed.contains(VlanId::checked(120)));
  CHECK(switchport(r.switchports, "Port-Channel11").allowed.contains(VlanId::checked(120)));
  CHECK(emu.journal("leaf1a").size() == 1);
  CHECK(r.foreign_sessions.empty());  // vmfabric's own session
}

TEST_CASE("read_state reports sessions committed by others, in the same request") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const auto before = std::chrono::system_clock::now();
  client.apply(web_vlan_on_uplinks(), "ansible_1");
  const auto after = std::chrono::system_clock::now();
  const SwitchReadings r = client.read_state();
  CHECK(requests(emu, "leaf1a") == 2);  // the apply, then one read
  REQUIRE(r.foreign_sessions.size() == 1);
  CHECK(r.foreign_sessions[0].name == "ansible_1");
  CHECK(r.foreign_sessions[0].user == "admin");
  const auto ms = [](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  CHECK(r.foreign_sessions[0].completed_ms >= ms(before) - 1);
  CHECK(r.foreign_sessions[0].completed_ms <= ms(after) + 1);
}

TEST_CASE("deleting VLANs reads the whole VLAN database back and verifies they are gone") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  client.apply(web_vlan_on_uplinks(), "vmfabric-1");
  ChangeSet undo;
  undo.delete_vlans = VlanSet::of({120});
  undo.interfaces[InterfaceName("Ethernet49")].remove = VlanSet::of({120});
  undo.interfaces[InterfaceName("Port-Channel11")].remove = VlanSet::of({120});
  const ApplyReport report = client.apply(undo, "vmfabric-2");
  CHECK(report.verified());
  CHECK(report.all_vlans);
  CHECK_FALSE(report.all_switchports);
  CHECK(report.vlans.size() > 1);
  for (const VlanEntry& v : report.vlans) CHECK(v.id != VlanId::checked(120));
  CHECK_FALSE(switchport(report.switchports, "Ethernet49").allowed.contains(VlanId::checked(120)));
  CHECK(requests(emu, "leaf1a") == 2);
}

TEST_CASE("a read-back refused after the commit is read again in full") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  // No change on Ethernet999 (nothing is sent for it) but it is in the read-back, which the
  // switch refuses after the session was committed.
  ChangeSet cs = web_vlan_on_uplinks();
  cs.interfaces[InterfaceName("Ethernet999")];
  const ApplyReport report = client.apply(cs, "vmfabric-1");
  CHECK(emu.journal("leaf1a").size() == 1);
  CHECK(requests(emu, "leaf1a") == 2);
  CHECK(report.all_vlans);
  CHECK(report.all_switchports);
  CHECK(switchport(report.switchports, "Port-Channel11").allowed.contains(VlanId::checked(120)));
  CHECK(report.mismatches == std::vector<std::string>{"Ethernet999 is not a switchport"});
}

TEST_CASE("applying the same ChangeSet twice changes nothing the second time") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  client.apply(web_vlan_on_uplinks(), "vmfabric-1");
  const json after_first = emu.state("leaf1a");
  const ApplyReport second = client.apply(web_vlan_on_uplinks(), "vmfabric-2");
  CHECK(second.verified());
  json after_second = emu.state("leaf1a");
  // The emulator lists sessions; everything else must be identical.
  json a = after_first, b = after_second;
  a.erase("sessions");
  b.erase("sessions");
  CHECK(a == b);
}

TEST_CASE("a command refused mid-session aborts the session and leaves running unchanged") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const json before = emu.state("leaf1a");
  ChangeSet cs = web_vlan_on_uplinks();
  cs.interfaces[InterfaceName("Ethernet999")].add = VlanSet::of({120});  // no such port
  try {
    client.apply(cs, "vmfabric-bad");
    FAIL("apply did not throw");
  } catch (const ApplyError& e) {
    CHECK(e.outcome() == ApplyError::Outcome::kNotApplied);
    CHECK_THAT(e.what(), Catch::Contains("interface Ethernet999"));
    CHECK_THAT(e.what(), Catch::Contains("aborted"));
  }
  json after = emu.state("leaf1a");
  json a = before, b = after;
  a.erase("sessions");
  b.erase("sessions");
  CHECK(a == b);
  // No session is left pending on the switch.
  const json sessions = client.show({"show configuration sessions detail"}).at(0)["sessions"];
  for (const auto& [name, s] : sessions.items()) CHECK(s["state"] != "pending");
  CHECK(emu.journal("leaf1a").empty());
}

TEST_CASE("a failing commit leaves running unchanged and is reported") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const json before = emu.state("leaf1a");
  emu.inject({{"switch", "leaf1a"}, {"kind", "fail_commit"}, {"count", 1}});
  CHECK_THROWS_MATCHES(client.apply(web_vlan_on_uplinks(), "vmfabric-x"), ApplyError,
                       Catch::Predicate<ApplyError>([](const ApplyError& e) {
                         return e.outcome() == ApplyError::Outcome::kNotApplied &&
                                std::string(e.what()).find("'commit'") != std::string::npos;
                       }));
  json a = before, b = emu.state("leaf1a");
  a.erase("sessions");
  b.erase("sessions");
  CHECK(a == b);
  // The fault is spent: the same ChangeSet now commits.
  CHECK(client.apply(web_vlan_on_uplinks(), "vmfabric-y").verified());
}

TEST_CASE("a lost answer to a session that never ran is reported as not applied") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  emu.inject({{"switch", "leaf1a"}, {"kind", "drop"}, {"count", 1}});
  CHECK_THROWS_MATCHES(client.apply(web_vlan_on_uplinks(), "vmfabric-lost"), ApplyError,
                       Catch::Predicate<ApplyError>([](const ApplyError& e) {
                         return e.outcome() == ApplyError::Outcome::kNotApplied;
                       }));
  CHECK(emu.journal("leaf1a").empty());
}

TEST_CASE("an empty ChangeSet sends nothing") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "leaf1a"));
  const ApplyReport report = client.apply(ChangeSet{}, "vmfabric-empty");
  CHECK(report.commands.empty());
  CHECK(requests(emu, "leaf1a") == 0);
}

TEST_CASE("reads are retried after HTTP 500 and dropped connections, then give up") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "spine1"));
  emu.inject({{"switch", "spine1"}, {"kind", "http500"}, {"count", 1}});
  emu.inject({{"switch", "spine1"}, {"kind", "drop"}, {"count", 1}});
  CHECK(client.show({"show hostname"}).at(0)["hostname"] == "spine1");
  CHECK(requests(emu, "spine1") == 3);

  emu.inject({{"switch", "spine1"}, {"kind", "http500"}, {"count", 3}});
  CHECK_THROWS_MATCHES(
      client.show({"show hostname"}), EapiHttpError,
      Catch::Predicate<EapiHttpError>([](const EapiHttpError& e) { return e.status() == 500; }));
}

TEST_CASE("a refused command is a typed error and is not retried") {
  EosEmulator emu(lab_options());
  EapiClient client(switch_config(emu, "spine1"));
  try {
    client.show({"show version", "show bogus"});
    FAIL("no error");
  } catch (const EapiError& e) {
    CHECK(e.code() == kInvalidCommand);
    REQUIRE(e.command_index());
    CHECK(*e.command_index() == 1);  // counted from the caller's first command, not `enable`
    CHECK(e.command() == "show bogus");
    CHECK_FALSE(e.errors().empty());
  }
  CHECK(requests(emu, "spine1") == 1);
}

TEST_CASE("HTTP 401 is an authentication error naming the switch") {
  EosEmulator emu(lab_options());
  SwitchConfig config = switch_config(emu, "spine1");
  SECTION("wrong password") {
    ::setenv("VMFABRIC_TEST_EOS_WRONG", "nope", 1);
    config.credential.password_env = "VMFABRIC_TEST_EOS_WRONG";
  }
  SECTION("the switch refuses") {
    emu.inject({{"switch", "spine1"}, {"kind", "unauthorized"}, {"count", 1}});
  }
  EapiClient client(config);
  try {
    client.show({"show hostname"});
    FAIL("no error");
  } catch (const EapiHttpError& e) {
    CHECK(e.unauthorized());
    CHECK_THAT(e.what(), Catch::Contains("switches[spine1]"));
  }
  CHECK(requests(emu, "spine1") == 1);  // an auth failure is not retried
}

TEST_CASE("a read-only user cannot apply: 1005 and nothing changed") {
  EosEmulator emu(lab_options());
  SwitchConfig config = switch_config(emu, "leaf1a");
  ::setenv("VMFABRIC_TEST_EOS_VIEWER", "viewer", 1);
  config.credential.username = "viewer";
  config.credential.password_env = "VMFABRIC_TEST_EOS_VIEWER";
  EapiClient client(config);
  CHECK(client.read_state().facts.hostname == "leaf1a");
  CHECK_THROWS_MATCHES(client.apply(web_vlan_on_uplinks(), "vmfabric-ro"), ApplyError,
                       Catch::Predicate<ApplyError>([](const ApplyError& e) {
                         return std::string(e.what()).find("unauthorized") != std::string::npos;
                       }));
  CHECK(emu.journal("leaf1a").empty());
}

TEST_CASE("HTTPS: the certificate is verified against a CA file or a pinned fingerprint") {
  TempDir dir;
  const TestPki pki = make_test_pki(dir);
  EosEmulator::Options options = lab_options();
  options.use_tls(pki);
  EosEmulator emu(options);

  TlsTrust trust;
  SECTION("CA file") {
    trust.ca_file = pki.ca_file;
    CHECK(EapiClient(switch_config(emu, "spine1", trust)).read_state().facts.hostname == "spine1");
  }
  SECTION("pinned fingerprint") {
    trust.fingerprint_sha256 = pki.fingerprint_sha256;
    CHECK(EapiClient(switch_config(emu, "spine1", trust)).read_state().facts.hostname == "spine1");
  }
  SECTION("another CA") {
    trust.ca_file = pki.other_ca_file;
    EapiClient client(switch_config(emu, "spine1", trust));
    CHECK_THROWS_MATCHES(client.show({"show hostname"}), net::HttpError,
                         Catch::Predicate<net::HttpError>([](const net::HttpError& e) {
                           return e.kind() == net::HttpError::Kind::kTls;
                         }));
  }
  SECTION("system CAs") {
    EapiClient client(switch_config(emu, "spine1"));
    CHECK_THROWS_AS(client.show({"show hostname"}), net::HttpError);
  }
}

TEST_CASE("every request is recorded in EapiStats: its duration and how it failed") {
  EosEmulator emu(lab_options());
  EapiStats stats;
  EapiOptions options = EapiClient::fast_options();
  options.stats = &stats;
  EapiClient client(switch_config(emu, "spine1"), options);
  CHECK(client.show({"show hostname"}).at(0)["hostname"] == "spine1");
  // One read answered after an HTTP 500 (two requests), then a refused command.
  emu.inject({{"switch", "spine1"}, {"kind", "http500"}, {"count", 1}});
  client.show({"show hostname"});
  CHECK_THROWS_AS(client.show({"show bogus"}), EapiError);

  const std::vector<EapiSwitchStats> all = stats.snapshot();
  REQUIRE(all.size() == 1);
  const EapiSwitchStats& s = all.front();
  CHECK(s.name == "spine1");
  CHECK(s.requests == requests(emu, "spine1"));
  CHECK(s.requests == 4);
  std::uint64_t bucketed = 0;
  for (const std::uint64_t n : s.buckets) bucketed += n;
  CHECK(bucketed == 4);
  CHECK(s.seconds_sum > 0);
  CHECK(s.failures[static_cast<std::size_t>(EapiFailure::kHttpStatus)] == 1);
  CHECK(s.failures[static_cast<std::size_t>(EapiFailure::kCommand)] == 1);
  CHECK(s.failures[static_cast<std::size_t>(EapiFailure::kTimeout)] == 0);
  CHECK(s.failures[static_cast<std::size_t>(EapiFailure::kAuth)] == 0);
}

TEST_CASE("a request that times out is recorded as a timeout with its whole duration") {
  EosEmulator emu(lab_options());
  emu.inject({{"switch", "spine1"}, {"kind", "latency"}, {"latency_ms", 2000}, {"count", 1}});
  EapiStats stats;
  EapiOptions options = EapiClient::fast_options();
  options.stats = &stats;
  options.read_attempts = 1;
  options.limits.request_timeout = std::chrono::milliseconds(200);
  EapiClient client(switch_config(emu, "spine1"), options);
  CHECK_THROWS_AS(client.show({"show hostname"}), net::HttpError);
  const std::vector<EapiSwitchStats> all = stats.snapshot();
  REQUIRE(all.size() == 1);
  CHECK(all.front().requests == 1);
  CHECK(all.front().failures[static_cast<std::size_t>(EapiFailure::kTimeout)] == 1);
  CHECK(all.front().seconds_sum >= 0.2);
  // 0.2 s falls in the (0.1, 0.25] bucket or a later one, never below the timeout.
  for (std::size_t i = 0; EapiSwitchStats::kBuckets[i] < 0.2; ++i) {
    CHECK(all.front().buckets[i] == 0);
  }
}
