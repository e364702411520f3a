// The EOS fabric emulator's engine: the running state of every emulated switch of a lab topology
// (tests/sim/TOPOLOGY.md) and an EOS CLI interpreter answering eAPI `runCmds` requests in the
// JSON shapes of real EOS. No I/O: the server (server.cpp) moves the bytes, this decides what a
// switch answers. Thread-safe: calls for different switches run in parallel, calls for one switch
// are serialized.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vmfabric::eos_sim {

// A topology file the emulator cannot use; the message names the JSON path ("fabric.links[3].b:
// unknown switch 'leaf9'").
class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Who sent a request, as the server authenticated it. A read-only user may run show commands but
// gets error 1005 for anything that changes configuration.
struct Caller {
  std::string user;
  bool read_only = false;
};

class Fabric {
 public:
  // Builds every switch of `topology["fabric"]` in its start state, with the ESX hosts of
  // `topology["vcenters"]` cabled to leaf ports. Throws TopologyError.
  explicit Fabric(const nlohmann::json& topology);
  ~Fabric();
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;

  // The switch names, in topology order.
  std::vector<std::string> switch_names() const;
  bool has_switch(std::string_view name) const;

  // One eAPI request body (JSON-RPC `runCmds`) sent to switch `name` by `caller`; returns the
  // JSON-RPC response body (success or error object, both HTTP 200). A body that is not JSON or
  // not a runCmds request gets the JSON-RPC error the real switch sends. Throws
  // std::out_of_range for an unknown switch.
  std::string run_cmds(std::string_view name, std::string_view request_body, const Caller& caller);

  // Inspection for tests (the server's control endpoint serves these as JSON).
  // The running state of one switch: {"name", "vlans": {"10": "mgmt"...}, "interfaces":
  // {"Ethernet1": {"mode", "allowed" (EOS range string), "access_vlan", "channel_group", "link"
  // ("connected"/"notconnect"), "lldp": [...]}}, "port_channels": {...}, "sessions": {...}}.
  nlohmann::json state(std::string_view name) const;
  // Committed changes with sequence number > `since`, oldest first, of one switch or all ("").
  // Each: {"seq", "switch", "session" ("" for a change outside a session), "user", "commands"
  // (the config lines that changed running state), "time" (unix seconds, float)}.
  nlohmann::json journal(std::string_view name, std::uint64_t since) const;

  // Fault: the next `count` commits on switch `name` fail (error 1000, nothing changed; the
  // session stays pending so it can be aborted).
  void fail_commits(std::string_view name, int count);
  // A change made by hand on the switch console, outside eAPI (drift for audits): runs config
  // lines (as after `configure`) straight into running state; journaled with user `user`.
  // Throws std::invalid_argument naming the failed line when a line is not valid.
  void console_config(std::string_view name, const std::vector<std::string>& lines,
                      std::string_view user);
  // Unplugs (`up` false) or replugs a cable end: the interface goes notconnect and its LLDP
  // neighbour disappears (on the other switch too for an inter-switch link).
  void set_link(std::string_view name, std::string_view interface, bool up);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmfabric::eos_sim
