// The engine's private model, shared by its translation units: one emulated switch's running
// configuration, its cabling, its configuration sessions, and the CLI interpreter that changes
// them. Not part of the public interface (engine.h).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/vlan_set.h"
#include "tests/sim/eos/engine.h"

namespace vmfabric::eos_sim {

// Seconds since the epoch, as EOS prints timestamps.
double now_seconds();

// "00:1c:73:00:00:01" -> "001c.7300.0001" (how LLDP prints chassis ids); "" when not a MAC.
std::string dotted_mac(std::string_view mac);

enum class IfKind { kEthernet, kPortChannel };

// An interface of an emulated switch: EthernetN (1..ethernet_ports) or Port-ChannelN.
struct IfId {
  IfKind kind = IfKind::kEthernet;
  int number = 0;

  std::string name() const;        // "Ethernet5", "Port-Channel10"
  std::string short_name() const;  // "Et5", "Po10" (text tables)
  auto operator<=>(const IfId&) const = default;
};

// Full names and the usual abbreviations, any case: Ethernet5, Eth5, Et5, Port-Channel10, Po10.
std::optional<IfId> parse_interface(std::string_view text);

// The layer-2 configuration of one Ethernet or Port-Channel interface.
struct PortConfig {
  std::string description;
  bool shutdown = false;
  bool trunk = false;  // switchport mode trunk (else access)
  int access_vlan = 1;
  int native_vlan = 1;
  VlanSet allowed = VlanSet::all();
  int channel_group = 0;  // Ethernet: member of Port-Channel<channel_group>; 0 = none
  std::string channel_mode;
  int mlag = 0;  // Port-Channel: MLAG id; 0 = none
};

struct VlanConfig {
  std::string name;
  bool suspended = false;
};

// Everything `configure` can change; a session's candidate is a copy of it.
struct Config {
  std::map<int, VlanConfig> vlans;
  std::vector<PortConfig> ethernets;  // [i] is Ethernet<i+1>
  std::map<int, PortConfig> port_channels;

  PortConfig* port(const IfId& id);
  const PortConfig* port(const IfId& id) const;
};

// What the far end of a cable advertises over LLDP.
struct LldpAdvert {
  std::string system_name;
  std::string system_description;
  std::string chassis_id;  // dotted MAC
  std::string port_id;     // interface name of the far end ("Ethernet1", "vmnic2")
  std::string port_description;
  bool router = false;
};

// The cable in one Ethernet port, if any.
struct Cable {
  bool present = false;
  bool plugged = true;
  std::string peer_switch;  // set for an inter-switch link
  std::string peer_interface;
  std::optional<LldpAdvert> lldp;  // absent: the far end sends no LLDP (standard vSwitch)
};

struct MlagInfo {
  std::string domain;
  std::string peer;
  IfId peer_link;
  int local_vlan = 0;
  std::string local_address;
  std::string peer_address;
  std::string system_id;
};

struct Session {
  Config candidate;
  bool pending = true;
  std::vector<std::string> lines;  // the config lines entered, in order, for the journal
  std::string commit_user;
  double completed_time = 0;
  std::uint64_t created = 0;  // creation order, to prune the oldest completed sessions
};

// A VLAN's name: at most this long, "VLAN0042" when none was given.
constexpr std::size_t kMaxVlanName = 32;
inline std::string default_vlan_name(int id) {
  std::string digits = std::to_string(id);
  return "VLAN" + std::string(4 - digits.size(), '0') + digits;
}

// EOS keeps at most this many pending sessions and this many completed ones.
constexpr std::size_t kMaxOpenSessions = 5;
constexpr std::size_t kMaxSavedSessions = 1;

struct Switch {
  mutable std::mutex mutex;

  // Facts (never change).
  std::string name;
  std::string fqdn;
  std::string model;
  std::string serial;
  std::string system_mac;  // "00:1c:73:00:00:01"
  std::string eos_version;
  double boot_time = 0;
  std::optional<MlagInfo> mlag;
  // Port-Channel number -> its members on the MLAG peer, as `show port-channel` names them
  // ("PeerEthernet11"). Taken from the topology: the peer's later changes are not seen here,
  // which keeps every call limited to one switch's lock.
  std::map<int, std::vector<std::string>> peer_members;

  // Physical state.
  std::vector<Cable> cables;  // [i] is Ethernet<i+1>
  double lldp_last_change = 0;
  int lldp_inserts = 0;
  int lldp_deletes = 0;

  // Configuration.
  Config running;
  std::map<std::string, Session> sessions;
  std::uint64_t sessions_created = 0;
  int failing_commits = 0;

  int ethernet_ports() const { return static_cast<int>(cables.size()); }
  // "connected", "notconnect" or "disabled" (shutdown), for an Ethernet or Port-Channel.
  std::string link_status(const IfId& id) const;
  // The LLDP neighbour seen on Ethernet<number>, if any.
  const LldpAdvert* lldp_neighbor(int ethernet) const;
};

// A committed change, as Fabric::journal reports it.
struct JournalEntry {
  std::uint64_t seq = 0;
  std::string switch_name;
  std::string session;
  std::string user;
  std::vector<std::string> commands;
  double time = 0;
};

class Journal {
 public:
  void add(std::string switch_name, std::string session, std::string user,
           std::vector<std::string> commands);
  nlohmann::json since(std::string_view switch_name, std::uint64_t seq) const;

 private:
  mutable std::mutex mutex_;
  std::vector<JournalEntry> entries_;  // ascending seq
  std::uint64_t last_seq_ = 0;
};

// A command that failed: the eAPI error code and the text of its `errors` entry.
struct CliError {
  int code = 1002;
  std::string message;
};

// "Invalid input (at token 2: 'foo')", EOS's parse error.
CliError invalid_input(std::size_t token, std::string_view word);

// One CLI context: the commands of one runCmds request (or one console change) on one switch,
// run while the caller holds the switch's mutex. Throws CliError.
class Cli {
 public:
  Cli(Switch& sw, Journal& journal, const Caller& caller, bool json, bool autocomplete);
  ~Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // Console changes start privileged in `configure` mode.
  void enter_console_config();
  nlohmann::json run(std::string_view command);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The pending session `name` of `sw`; throws CliError 1000 when there is none by that name.
const Session& pending_session(const Switch& sw, const std::string& name);

// `show` commands. `words` are the tokens after "show"; `session` is the configuration session
// the CLI is in ("" outside one). Returns the result object (JSON format) or {"output": text}.
// Throws CliError.
nlohmann::json run_show(const Switch& sw, const std::vector<std::string>& words, bool json,
                        bool autocomplete, const std::string& session);

// Keyword match: exact, any case, or a prefix when the request enabled autoComplete.
bool keyword(std::string_view token, std::string_view word, bool autocomplete);

// Builds the switches of a topology (engine_topology.cpp). Throws TopologyError.
std::vector<std::unique_ptr<Switch>> build_switches(const nlohmann::json& topology);

}  // namespace vmfabric::eos_sim
