// Fabric: the switches, the eAPI JSON-RPC envelope around the CLI (engine_cli.cpp), the journal
// and the test controls (faults, console changes, cables).
#include "tests/sim/eos/engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "tests/sim/eos/engine_internal.h"

namespace vmfabric::eos_sim {

using nlohmann::json;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string dotted_mac(std::string_view mac) {
  std::string hex;
  for (char c : mac) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c != ':' && c != '.' && c != '-') {
      return {};
    }
  }
  if (hex.size() != 12) return {};
  return hex.substr(0, 4) + "." + hex.substr(4, 4) + "." + hex.substr(8, 4);
}

std::string IfId::name() const {
  return (kind == IfKind::kEthernet ? "Ethernet" : "Port-Channel") + std::to_string(number);
}

std::string IfId::short_name() const {
  return (kind == IfKind::kEthernet ? "Et" : "Po") + std::to_string(number);
}

std::optional<IfId> parse_interface(std::string_view text) {
  std::size_t digits = text.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(text[digits - 1]))) --digits;
  const std::string_view prefix = text.substr(0, digits);
  const std::string_view number = text.substr(digits);
  if (number.empty() || number.size() > 4 || number[0] == '0') return std::nullopt;
  std::string lower;
  for (char c : prefix) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  IfId id;
  id.number = std::stoi(std::string(number));
  // EOS takes any prefix of the full name from the shortest unambiguous one.
  const auto abbreviates = [&](std::string_view full, std::size_t min) {
    return lower.size() >= min && full.substr(0, lower.size()) == lower;
  };
  if (abbreviates("ethernet", 2)) {
    id.kind = IfKind::kEthernet;
  } else if (abbreviates("port-channel", 2)) {
    id.kind = IfKind::kPortChannel;
  } else {
    return std::nullopt;
  }
  return id;
}

PortConfig* Config::port(const IfId& id) {
  return const_cast<PortConfig*>(std::as_const(*this).port(id));
}

const PortConfig* Config::port(const IfId& id) const {
  if (id.kind == IfKind::kEthernet) {
    if (id.number < 1 || id.number > static_cast<int>(ethernets.size())) return nullptr;
    return &ethernets[static_cast<std::size_t>(id.number - 1)];
  }
  const auto it = port_channels.find(id.number);
  return it == port_channels.end() ? nullptr : &it->second;
}

std::string Switch::link_status(const IfId& id) const {
  const PortConfig* cfg = running.port(id);
  if (cfg == nullptr) return "notconnect";
  if (cfg->shutdown) return "disabled";
  if (id.kind == IfKind::kEthernet) {
    const Cable& cable = cables[static_cast<std::size_t>(id.number - 1)];
    return cable.present && cable.plugged ? "connected" : "notconnect";
  }
  // A port-channel is up while one of its members is.
  for (std::size_t i = 0; i < running.ethernets.size(); ++i) {
    if (running.ethernets[i].channel_group == id.number &&
        link_status({IfKind::kEthernet, static_cast<int>(i) + 1}) == "connected") {
      return "connected";
    }
  }
  return "notconnect";
}

const LldpAdvert* Switch::lldp_neighbor(int ethernet) const {
  const Cable& cable = cables[static_cast<std::size_t>(ethernet - 1)];
  if (!cable.present || !cable.plugged || !cable.lldp ||
      running.ethernets[static_cast<std::size_t>(ethernet - 1)].shutdown) {
    return nullptr;
  }
  return &*cable.lldp;
}

bool keyword(std::string_view token, std::string_view word, bool autocomplete) {
  if (token.empty() || token.size() > word.size()) return false;
  if (!autocomplete && token.size() != word.size()) return false;
  return std::equal(token.begin(), token.end(), word.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

CliError invalid_input(std::size_t token, std::string_view word) {
  return {1002,
          "Invalid input (at token " + std::to_string(token) + ": '" + std::string(word) + "')"};
}

void Journal::add(std::string switch_name, std::string session, std::string user,
                  std::vector<std::string> commands) {
  if (commands.empty()) return;
  const std::lock_guard lock(mutex_);
  entries_.push_back({++last_seq_, std::move(switch_name), std::move(session), std::move(user),
                      std::move(commands), now_seconds()});
}

json Journal::since(std::string_view switch_name, std::uint64_t seq) const {
  const std::lock_guard lock(mutex_);
  json out = json::array();
  auto it = std::upper_bound(entries_.begin(), entries_.end(), seq,
                             [](std::uint64_t s, const JournalEntry& e) { return s < e.seq; });
  for (; it != entries_.end(); ++it) {
    if (!switch_name.empty() && it->switch_name != switch_name) continue;
    out.push_back({{"seq", it->seq},
                   {"switch", it->switch_name},
                   {"session", it->session},
                   {"user", it->user},
                   {"commands", it->commands},
                   {"time", it->time}});
  }
  return out;
}

namespace {

// The reason text of an eAPI error code, as EOS words it in the error message.
std::string reason_of(int code) {
  switch (code) {
    case 1000:
      return "could not run command";
    case 1003:
      return "unconverted command";
    case 1004:
      return "incompatible command";
    case 1005:
      return "Command unauthorized: user has insufficient permissions to run the command";
    default:
      return "invalid command";
  }
}

std::string rpc_error(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}}
      .dump();
}

// The parsed `params` of a runCmds request.
struct Request {
  std::vector<std::string> cmds;
  bool json_format = true;
  bool timestamps = false;
  bool autocomplete = false;
};

// Throws std::invalid_argument naming the bad parameter.
Request parse_params(const json& params) {
  if (!params.is_object()) throw std::invalid_argument("params must be an object");
  Request r;
  if (const auto v = params.find("version"); v != params.end()) {
    if (!(v->is_number_integer() && v->get<int>() >= 1) && *v != "latest") {
      throw std::invalid_argument("version must be 1 or \"latest\"");
    }
  }
  if (const auto f = params.find("format"); f != params.end()) {
    if (*f != "json" && *f != "text") {
      throw std::invalid_argument("format must be \"json\" or \"text\"");
    }
    r.json_format = *f == "json";
  }
  r.timestamps = params.value("timestamps", false);
  r.autocomplete = params.value("autoComplete", false);
  const auto cmds = params.find("cmds");
  if (cmds == params.end() || !cmds->is_array() || cmds->empty()) {
    throw std::invalid_argument("cmds must be a non-empty array");
  }
  for (const json& c : *cmds) {
    if (c.is_string()) {
      r.cmds.push_back(c.get<std::string>());
    } else if (c.is_object() && c.contains("cmd") && c["cmd"].is_string()) {
      r.cmds.push_back(c["cmd"].get<std::string>());
    } else {
      throw std::invalid_argument("each command must be a string or {\"cmd\": string}");
    }
  }
  return r;
}

}  // namespace

struct Fabric::Impl {
  std::vector<std::unique_ptr<Switch>> switches;  // topology order
  std::map<std::string, Switch*, std::less<>> by_name;
  Journal journal;

  Switch& get(std::string_view name) const {
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      throw std::out_of_range("no emulated switch named '" + std::string(name) + "'");
    }
    return *it->second;
  }
};

Fabric::Fabric(const json& topology) : impl_(std::make_unique<Impl>()) {
  impl_->switches = build_switches(topology);
  for (const auto& sw : impl_->switches) impl_->by_name.emplace(sw->name, sw.get());
}

Fabric::~Fabric() = default;

std::vector<std::string> Fabric::switch_names() const {
  std::vector<std::string> out;
  for (const auto& sw : impl_->switches) out.push_back(sw->name);
  return out;
}

bool Fabric::has_switch(std::string_view name) const { return impl_->by_name.contains(name); }

std::string Fabric::run_cmds(std::string_view name, std::string_view request_body,
                             const Caller& caller) {
  Switch& sw = impl_->get(name);
  const json body = json::parse(request_body, nullptr, false);
  if (body.is_discarded()) return rpc_error(nullptr, -32700, "Parse error");
  if (!body.is_object()) return rpc_error(nullptr, -32600, "Invalid Request");
  const json id = body.value("id", json());
  if (!id.is_null() && !id.is_string() && !id.is_number()) {
    return rpc_error(nullptr, -32600, "Invalid Request: id must be a string or a number");
  }
  if (body.value("jsonrpc", "") != "2.0" || !body.contains("method") ||
      !body["method"].is_string()) {
    return rpc_error(id, -32600, "Invalid Request");
  }
  if (body["method"] != "runCmds") return rpc_error(id, -32601, "Method not found");
  Request request;
  try {
    request = parse_params(body.value("params", json()));
  } catch (const std::invalid_argument& e) {
    return rpc_error(id, -32602, std::string("Invalid params: ") + e.what());
  }

  json results = json::array();
  const std::lock_guard lock(sw.mutex);
  Cli cli(sw, impl_->journal, caller, request.json_format, request.autocomplete);
  for (std::size_t i = 0; i < request.cmds.size(); ++i) {
    const double start = now_seconds();
    try {
      results.push_back(cli.run(request.cmds[i]));
    } catch (const CliError& e) {
      results.push_back({{"errors", {e.message}}});
      const std::string message = "CLI command " + std::to_string(i + 1) + " of " +
                                  std::to_string(request.cmds.size()) + " '" + request.cmds[i] +
                                  "' failed: " + reason_of(e.code);
      return json{{"jsonrpc", "2.0"},
                  {"id", id},
                  {"error", {{"code", e.code}, {"message", message}, {"data", results}}}}
          .dump();
    }
    if (request.timestamps) {
      results.back()["_meta"] = {{"execStartTime", start}, {"execDuration", now_seconds() - start}};
    }
  }
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(results)}}.dump();
}

json Fabric::state(std::string_view name) const {
  const Switch& sw = impl_->get(name);
  const std::lock_guard lock(sw.mutex);
  json vlans = json::object();
  for (const auto& [id, vlan] : sw.running.vlans) vlans[std::to_string(id)] = vlan.name;
  const auto port_state = [&](const IfId& id, const PortConfig& cfg) {
    return json{{"mode", cfg.trunk ? "trunk" : "access"}, {"allowed", cfg.allowed.to_string()},
                {"access_vlan", cfg.access_vlan},         {"native_vlan", cfg.native_vlan},
                {"description", cfg.description},         {"link", sw.link_status(id)}};
  };
  json interfaces = json::object();
  for (int e = 1; e <= sw.ethernet_ports(); ++e) {
    const IfId id{IfKind::kEthernet, e};
    const PortConfig& cfg = sw.running.ethernets[static_cast<std::size_t>(e - 1)];
    json entry = port_state(id, cfg);
    entry["channel_group"] = cfg.channel_group == 0
                                 ? json()
                                 : json(IfId{IfKind::kPortChannel, cfg.channel_group}.name());
    json lldp = json::array();
    if (const LldpAdvert* n = sw.lldp_neighbor(e)) {
      lldp.push_back({{"system_name", n->system_name},
                      {"chassis_id", n->chassis_id},
                      {"port_id", n->port_id}});
    }
    entry["lldp"] = std::move(lldp);
    interfaces[id.name()] = std::move(entry);
  }
  json port_channels = json::object();
  for (const auto& [number, cfg] : sw.running.port_channels) {
    const IfId id{IfKind::kPortChannel, number};
    json entry = port_state(id, cfg);
    entry["mlag"] = cfg.mlag == 0 ? json() : json(cfg.mlag);
    json members = json::array();
    for (std::size_t i = 0; i < sw.running.ethernets.size(); ++i) {
      if (sw.running.ethernets[i].channel_group == number) {
        members.push_back(IfId{IfKind::kEthernet, static_cast<int>(i) + 1}.name());
      }
    }
    entry["members"] = std::move(members);
    port_channels[id.name()] = std::move(entry);
  }
  json sessions = json::object();
  for (const auto& [session_name, s] : sw.sessions) {
    sessions[session_name] = {{"state", s.pending ? "pending" : "completed"},
                              {"commands", s.lines}};
  }
  return {{"name", sw.name},
          {"vlans", std::move(vlans)},
          {"interfaces", std::move(interfaces)},
          {"port_channels", std::move(port_channels)},
          {"sessions", std::move(sessions)},
          {"failing_commits", sw.failing_commits}};
}

json Fabric::journal(std::string_view name, std::uint64_t since) const {
  if (!name.empty()) impl_->get(name);  // throws std::out_of_range for an unknown switch
  return impl_->journal.since(name, since);
}

void Fabric::fail_commits(std::string_view name, int count) {
  Switch& sw = impl_->get(name);
  const std::lock_guard lock(sw.mutex);
  sw.failing_commits = std::max(0, count);
}

void Fabric::console_config(std::string_view name, const std::vector<std::string>& lines,
                            std::string_view user) {
  Switch& sw = impl_->get(name);
  const std::lock_guard lock(sw.mutex);
  Cli cli(sw, impl_->journal, Caller{std::string(user), false}, true, false);
  cli.enter_console_config();
  for (const std::string& line : lines) {
    try {
      cli.run(line);
    } catch (const CliError& e) {
      throw std::invalid_argument("console line '" + line + "' on " + sw.name + ": " + e.message);
    }
  }
}

void Fabric::set_link(std::string_view name, std::string_view interface, bool up) {
  Switch& sw = impl_->get(name);
  const auto id = parse_interface(interface);
  if (!id || id->kind != IfKind::kEthernet || id->number > sw.ethernet_ports()) {
    throw std::invalid_argument("set_link: " + sw.name + " has no interface '" +
                                std::string(interface) + "'");
  }
  // Each end under its own switch's lock, one after the other: never two locks at once.
  const auto plug = [up](Switch& s, int ethernet) {
    const std::lock_guard lock(s.mutex);
    Cable& cable = s.cables[static_cast<std::size_t>(ethernet - 1)];
    if (!cable.present || cable.plugged == up) return;
    cable.plugged = up;
    if (cable.lldp) {
      (up ? s.lldp_inserts : s.lldp_deletes) += 1;
      s.lldp_last_change = now_seconds();
    }
  };
  plug(sw, id->number);
  std::string peer_switch;
  std::string peer_interface;
  {
    const std::lock_guard lock(sw.mutex);
    const Cable& cable = sw.cables[static_cast<std::size_t>(id->number - 1)];
    peer_switch = cable.peer_switch;
    peer_interface = cable.peer_interface;
  }
  if (!peer_switch.empty()) plug(impl_->get(peer_switch), parse_interface(peer_interface)->number);
}

}  // namespace vmfabric::eos_sim
