// The EOS CLI interpreter: modes (exec, configure, vlan, interface), privilege, configuration
// sessions and the configuration commands vmfabric and the usual eAPI clients send.
//
// Every command parses all of its arguments before it changes anything, so a rejected command
// leaves the configuration (running or a session's candidate) as it was; commands before it in
// the same request stay applied, as on EOS.
//
// Choices where EOS is not pinned down by the references:
// - VLAN names are one token of at most 32 characters; anything else is 1002 Invalid input.
// - `no vlan` of a range holding VLAN 1 is 1000 (the default VLAN cannot be deleted).
// - Journal: a session commit journals every configuration line entered in the session, in
//   order; `configure terminal` lines are journaled once per request (or when leaving
//   configuration mode), with session "".
// - A completed session's name cannot be reused (1000); EOS keeps only the newest completed one.
#include <algorithm>
#include <cctype>
#include <functional>

#include "tests/sim/eos/engine_internal.h"

namespace vmfabric::eos_sim {
namespace {

using nlohmann::json;

enum class Mode { kExec, kConfig, kVlan, kInterface };

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

// The raw text of `line` after its first `n` words (a description keeps its spacing).
std::string rest_after(std::string_view line, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t w = 0; w < n; ++w) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  }
  while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  std::size_t end = line.size();
  while (end > i && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
  return std::string(line.substr(i, end - i));
}

CliError incomplete() { return {1002, "Incomplete command"}; }

// Words [from, end) as one VLAN list ("10,20-30" or "10, 20-30"); ALL/NONE are not lists.
VlanSet parse_vlan_list(const std::vector<std::string>& words, std::size_t from) {
  if (from >= words.size()) throw incomplete();
  std::string text;
  for (std::size_t i = from; i < words.size(); ++i) text += words[i];
  const bool digits_only = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '-';
  });
  try {
    if (digits_only) return VlanSet::parse(text);
  } catch (const VlanSetError&) {
  }
  throw invalid_input(from, words[from]);
}

int parse_vlan_id(const std::vector<std::string>& words, std::size_t at) {
  if (at >= words.size()) throw incomplete();
  if (at + 1 < words.size()) throw invalid_input(at + 1, words[at + 1]);
  const std::string& w = words[at];
  if (w.empty() || w.size() > 4 || !std::all_of(w.begin(), w.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    throw invalid_input(at, w);
  }
  const int id = std::stoi(w);
  if (id < VlanId::kMin || id > VlanId::kMax) throw invalid_input(at, w);
  return id;
}

}  // namespace

const Session& pending_session(const Switch& sw, const std::string& name) {
  const auto it = sw.sessions.find(name);
  if (it == sw.sessions.end()) throw CliError{1000, "Session " + name + " does not exist"};
  if (!it->second.pending) {
    throw CliError{1000, "Session " + name + " has already been committed"};
  }
  return it->second;
}

// A change to one interface's configuration, built once the command parsed.
using PortChange = std::function<void(Config&, const IfId&, PortConfig&)>;

struct Cli::State {
  State(Switch& s, Journal& j, const Caller& c, bool json_output, bool autocomplete_words)
      : sw(s), journal(j), caller(c), json_format(json_output), autocomplete(autocomplete_words) {}

  Switch& sw;
  Journal& journal;
  Caller caller;
  bool json_format;
  bool autocomplete;

  bool privileged = false;
  Mode mode = Mode::kExec;
  std::string session;  // the session being edited; "" for configure terminal
  std::vector<int> vlan_targets;
  std::vector<IfId> if_targets;
  std::vector<std::string> terminal_lines;  // configure-terminal lines not yet journaled

  bool kw(const std::vector<std::string>& words, std::size_t i, std::string_view word) const {
    return i < words.size() && keyword(words[i], word, autocomplete);
  }

  json ok() const { return json_format ? json::object() : json{{"output", ""}}; }

  Config& target() { return session.empty() ? sw.running : sw.sessions.at(session).candidate; }

  void flush_terminal() {
    journal.add(sw.name, "", caller.user, std::move(terminal_lines));
    terminal_lines.clear();
  }

  void leave_config() {
    flush_terminal();
    mode = Mode::kExec;
    session.clear();
  }

  json run(std::string_view line) {
    const std::vector<std::string> words = split_words(line);
    if (words.empty() || words[0][0] == '!') return ok();
    if (kw(words, 0, "show")) {
      if ((kw(words, 1, "running-config") || kw(words, 1, "session-config")) && !privileged) {
        throw CliError{1002, "Invalid input (privileged mode required)"};
      }
      return run_show(sw, std::vector<std::string>(words.begin() + 1, words.end()), json_format,
                      autocomplete, session);
    }
    if (kw(words, 0, "enable")) {
      privileged = true;
      return ok();
    }
    if (kw(words, 0, "disable")) {
      leave_config();
      privileged = false;
      return ok();
    }
    if (words.size() == 1 && (kw(words, 0, "reload") || kw(words, 0, "bash"))) {
      // Interactive commands: EOS refuses them over eAPI.
      throw CliError{1004, "Command not permitted via API access"};
    }
    if (kw(words, 0, "configure")) return configure(line, words);
    if (kw(words, 0, "end")) {
      if (mode != Mode::kExec) leave_config();
      return ok();
    }
    if (kw(words, 0, "exit")) {
      if (mode == Mode::kVlan || mode == Mode::kInterface) {
        mode = Mode::kConfig;
      } else if (mode == Mode::kConfig) {
        leave_config();
      }
      return ok();
    }
    if (kw(words, 0, "write") || (kw(words, 0, "copy") && kw(words, 1, "running-config"))) {
      // Saving the configuration: nothing to persist in the emulator.
      if (!privileged) throw CliError{1002, "Invalid input (privileged mode required)"};
      return ok();
    }
    if (mode == Mode::kExec) throw invalid_input(0, words[0]);
    if (!session.empty() && words.size() == 1 && kw(words, 0, "commit")) {
      commit(session);
      return ok();
    }
    if (!session.empty() && words.size() == 1 && kw(words, 0, "abort")) {
      abort(session);
      return ok();
    }
    config_command(line, words);
    (session.empty() ? terminal_lines : sw.sessions.at(session).lines)
        .emplace_back(rest_after(line, 0));
    return ok();
  }

  json configure(std::string_view line, const std::vector<std::string>& words) {
    if (caller.read_only) {
      throw CliError{1005, "Authorization denied for command '" + rest_after(line, 0) + "'"};
    }
    if (!privileged) throw CliError{1002, "Invalid input (privileged mode required)"};
    if (words.size() == 1 || (words.size() == 2 && kw(words, 1, "terminal"))) {
      if (!session.empty()) leave_config();
      mode = Mode::kConfig;
      return ok();
    }
    if (!kw(words, 1, "session")) throw invalid_input(1, words[1]);
    if (words.size() < 3) throw incomplete();
    const std::string& name = words[2];
    if (words.size() == 3) {
      enter_session(name);
    } else if (words.size() == 4 && kw(words, 3, "commit")) {
      commit(name);
    } else if (words.size() == 4 && kw(words, 3, "abort")) {
      abort(name);
    } else {
      throw invalid_input(3, words[3]);
    }
    return ok();
  }

  void enter_session(const std::string& name) {
    const auto it = sw.sessions.find(name);
    if (it != sw.sessions.end() && !it->second.pending) {
      throw CliError{1000,
                     "Cannot enter session " + name + " (session has already been committed)"};
    }
    if (it == sw.sessions.end()) {
      const auto pending = std::count_if(sw.sessions.begin(), sw.sessions.end(),
                                         [](const auto& s) { return s.second.pending; });
      if (static_cast<std::size_t>(pending) >= kMaxOpenSessions) {
        throw CliError{1000, "Maximum number of pending sessions has been reached"};
      }
      Session s;
      s.candidate = sw.running;
      s.created = ++sw.sessions_created;
      sw.sessions.emplace(name, std::move(s));
    }
    flush_terminal();
    session = name;
    mode = Mode::kConfig;
  }

  void commit(const std::string& name) {
    pending_session(sw, name);
    Session& s = sw.sessions.at(name);
    if (sw.failing_commits > 0) {
      --sw.failing_commits;
      throw CliError{1000, "Commit failed: injected fault (vmfabric-eos)"};
    }
    sw.running = std::move(s.candidate);
    s.candidate = Config{};
    s.pending = false;
    s.commit_user = caller.user;
    s.completed_time = now_seconds();
    journal.add(sw.name, name, caller.user, s.lines);
    if (session == name) leave_config();
    prune_completed();
  }

  void abort(const std::string& name) {
    pending_session(sw, name);
    sw.sessions.erase(name);
    if (session == name) leave_config();
  }

  // EOS keeps only the newest kMaxSavedSessions completed sessions.
  void prune_completed() {
    std::vector<std::map<std::string, Session>::iterator> completed;
    for (auto it = sw.sessions.begin(); it != sw.sessions.end(); ++it) {
      if (!it->second.pending) completed.push_back(it);
    }
    if (completed.size() <= kMaxSavedSessions) return;
    std::sort(completed.begin(), completed.end(),
              [](const auto& a, const auto& b) { return a->second.created < b->second.created; });
    for (std::size_t i = 0; i + kMaxSavedSessions < completed.size(); ++i) {
      sw.sessions.erase(completed[i]);
    }
  }

  // ---- configuration mode

  void config_command(std::string_view line, const std::vector<std::string>& words) {
    if (mode == Mode::kInterface && interface_command(line, words)) return;
    if (mode == Mode::kVlan && vlan_command(words)) return;
    Config& config = target();
    const bool no = kw(words, 0, "no");
    const std::size_t at = no ? 1 : 0;
    if (kw(words, at, "vlan")) {
      const VlanSet ids = parse_vlan_list(words, at + 1);
      if (no) {
        if (ids.contains(VlanId::checked(1))) {
          throw CliError{1000, "The default VLAN 1 cannot be deleted"};
        }
        for (const VlanId v : ids.ids()) config.vlans.erase(v.value);
        return;
      }
      vlan_targets.clear();
      for (const VlanId v : ids.ids()) {
        config.vlans.try_emplace(v.value, VlanConfig{default_vlan_name(v.value), false});
        vlan_targets.push_back(v.value);
      }
      mode = Mode::kVlan;
      return;
    }
    if (kw(words, at, "interface")) {
      const std::vector<IfId> ids = parse_interfaces(words, at + 1, config, no);
      if (no) {
        for (const IfId& id : ids) remove_port_channel(config, id);
        return;
      }
      for (const IfId& id : ids) {
        if (id.kind == IfKind::kPortChannel) config.port_channels.try_emplace(id.number);
      }
      if_targets = ids;
      mode = Mode::kInterface;
      return;
    }
    throw invalid_input(at, at < words.size() ? words[at] : "");
  }

  // `interface Ethernet1, Et2-4, Po10`: the words from `from` as interface names and ranges.
  // Ethernets must exist; a Port-Channel may be new unless `existing_only`.
  std::vector<IfId> parse_interfaces(const std::vector<std::string>& words, std::size_t from,
                                     const Config& config, bool existing_only) const {
    if (from >= words.size()) throw incomplete();
    std::vector<IfId> out;
    for (std::size_t i = from; i < words.size(); ++i) {
      std::string_view w = words[i];
      std::size_t start = 0;
      while (start < w.size()) {
        const std::size_t comma = std::min(w.find(',', start), w.size());
        std::string_view item = w.substr(start, comma - start);
        start = comma + 1;
        if (item.empty()) continue;
        int last = 0;
        if (const auto dash = item.find('-', 2);
            dash != std::string_view::npos &&
            item.substr(0, dash).find_first_of("0123456789") != std::string_view::npos) {
          const std::string_view to = item.substr(dash + 1);
          if (to.empty() || to.size() > 4 || !std::all_of(to.begin(), to.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
              })) {
            throw invalid_input(i, words[i]);
          }
          last = std::stoi(std::string(to));
          item = item.substr(0, dash);
        }
        const auto id = parse_interface(item);
        if (!id || (last != 0 && last < id->number)) throw invalid_input(i, words[i]);
        for (int n = id->number; n <= std::max(last, id->number); ++n) {
          const IfId one{id->kind, n};
          const bool exists = config.port(one) != nullptr;
          if ((one.kind == IfKind::kEthernet || existing_only) && !exists) {
            throw invalid_input(i, words[i]);
          }
          out.push_back(one);
        }
      }
    }
    return out;
  }

  static void remove_port_channel(Config& config, const IfId& id) {
    if (id.kind != IfKind::kPortChannel) {
      throw CliError{1000, "Removal of physical interfaces is not permitted"};
    }
    config.port_channels.erase(id.number);
    for (PortConfig& e : config.ethernets) {
      if (e.channel_group == id.number) {
        e.channel_group = 0;
        e.channel_mode.clear();
      }
    }
  }

  // Commands of `vlan N` mode; false when the words are not one of them.
  bool vlan_command(const std::vector<std::string>& words) {
    Config& config = target();
    const bool no = kw(words, 0, "no");
    const std::size_t at = no ? 1 : 0;
    if (kw(words, at, "name")) {
      std::string name;
      if (!no) {
        if (words.size() < 2) throw incomplete();
        if (words.size() > 2) throw invalid_input(2, words[2]);
        if (words[1].size() > kMaxVlanName) throw invalid_input(1, words[1]);
        name = words[1];
      }
      for (int id : vlan_targets) config.vlans[id].name = no ? default_vlan_name(id) : name;
      return true;
    }
    if (kw(words, at, "state")) {
      bool suspended = false;
      if (!no) {
        if (words.size() != 2) throw words.size() < 2 ? incomplete() : invalid_input(2, words[2]);
        if (!kw(words, 1, "active") && !kw(words, 1, "suspend")) throw invalid_input(1, words[1]);
        suspended = kw(words, 1, "suspend");
      }
      for (int id : vlan_targets) config.vlans[id].suspended = suspended;
      return true;
    }
    return false;
  }

  // Commands of `interface X` mode; false when the words are not one of them.
  bool interface_command(std::string_view line, const std::vector<std::string>& words) {
    const std::optional<PortChange> change = parse_port_change(line, words);
    if (!change) return false;
    Config& config = target();
    for (const IfId& id : if_targets) (*change)(config, id, *config.port(id));
    return true;
  }

  // Parses an interface command completely (and checks it suits every target) before anything
  // changes; nullopt when the first word is not an interface command.
  std::optional<PortChange> parse_port_change(std::string_view line,
                                              const std::vector<std::string>& words) const {
    const bool no = kw(words, 0, "no") || kw(words, 0, "default");
    const std::size_t at = no ? 1 : 0;
    const auto end_at = [&](std::size_t n) {
      if (words.size() > n) throw invalid_input(n, words[n]);
    };
    if (kw(words, at, "description")) {
      const std::string text = no ? std::string() : rest_after(line, 1);
      if (!no && text.empty()) throw incomplete();
      return [text](Config&, const IfId&, PortConfig& p) { p.description = text; };
    }
    if (kw(words, at, "shutdown")) {
      end_at(at + 1);
      return [no](Config&, const IfId&, PortConfig& p) { p.shutdown = !no; };
    }
    if (kw(words, at, "switchport")) return parse_switchport(words, at, no);
    if (kw(words, at, "channel-group")) {
      require_kind(IfKind::kEthernet, words, at);
      if (no) {
        end_at(at + 1);
        return [](Config&, const IfId&, PortConfig& p) {
          p.channel_group = 0;
          p.channel_mode.clear();
        };
      }
      if (words.size() < 4) throw incomplete();
      end_at(4);
      const std::string& n = words[1];
      if (n.size() > 4 ||
          !std::all_of(n.begin(), n.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
          n[0] == '0') {
        throw invalid_input(1, n);
      }
      if (!kw(words, 2, "mode")) throw invalid_input(2, words[2]);
      if (!kw(words, 3, "active") && !kw(words, 3, "passive") && !kw(words, 3, "on")) {
        throw invalid_input(3, words[3]);
      }
      const int number = std::stoi(n);
      std::string channel_mode = words[3];
      std::transform(channel_mode.begin(), channel_mode.end(), channel_mode.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      });
      return [number, channel_mode](Config& config, const IfId&, PortConfig& p) {
        // Joining a channel creates the Port-Channel interface, as EOS does.
        config.port_channels.try_emplace(number);
        p.channel_group = number;
        p.channel_mode = channel_mode;
      };
    }
    if (kw(words, at, "mlag")) {
      require_kind(IfKind::kPortChannel, words, at);
      if (no) {
        end_at(at + 1);
        return [](Config&, const IfId&, PortConfig& p) { p.mlag = 0; };
      }
      if (words.size() < 2) throw incomplete();
      end_at(2);
      const std::string& n = words[1];
      if (n.size() > 5 || n[0] == '0' || !std::all_of(n.begin(), n.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        throw invalid_input(1, n);
      }
      const int id = std::stoi(n);
      return [id](Config&, const IfId&, PortConfig& p) { p.mlag = id; };
    }
    return std::nullopt;
  }

  void require_kind(IfKind kind, const std::vector<std::string>& words, std::size_t at) const {
    for (const IfId& id : if_targets) {
      if (id.kind != kind) throw invalid_input(at, words[at]);
    }
  }

  // `[no] switchport ...` from word `at` ("switchport").
  PortChange parse_switchport(const std::vector<std::string>& words, std::size_t at,
                              bool no) const {
    const std::size_t n = words.size();
    if (n == at + 1) {
      if (no) throw CliError{1000, "Routed ports are not supported by vmfabric-eos"};
      return [](Config&, const IfId&, PortConfig&) {};
    }
    if (kw(words, at + 1, "mode")) {
      bool trunk = false;
      if (!no) {
        if (n != at + 3) throw n < at + 3 ? incomplete() : invalid_input(at + 3, words[at + 3]);
        if (!kw(words, at + 2, "trunk") && !kw(words, at + 2, "access")) {
          throw invalid_input(at + 2, words[at + 2]);
        }
        trunk = kw(words, at + 2, "trunk");
      }
      return [trunk](Config&, const IfId&, PortConfig& p) { p.trunk = trunk; };
    }
    if (kw(words, at + 1, "access")) {
      if (!kw(words, at + 2, "vlan"))
        throw n <= at + 2 ? incomplete() : invalid_input(at + 2, words[at + 2]);
      const int vlan = no ? 1 : parse_vlan_id(words, at + 3);
      return [vlan](Config&, const IfId&, PortConfig& p) { p.access_vlan = vlan; };
    }
    if (!kw(words, at + 1, "trunk")) {
      throw n <= at + 1 ? incomplete() : invalid_input(at + 1, words[at + 1]);
    }
    if (kw(words, at + 2, "native")) {
      if (!kw(words, at + 3, "vlan"))
        throw n <= at + 3 ? incomplete() : invalid_input(at + 3, words[at + 3]);
      const int vlan = no ? 1 : parse_vlan_id(words, at + 4);
      return [vlan](Config&, const IfId&, PortConfig& p) { p.native_vlan = vlan; };
    }
    if (!kw(words, at + 2, "allowed")) {
      throw n <= at + 2 ? incomplete() : invalid_input(at + 2, words[at + 2]);
    }
    if (!kw(words, at + 3, "vlan"))
      throw n <= at + 3 ? incomplete() : invalid_input(at + 3, words[at + 3]);
    const std::size_t arg = at + 4;
    if (no) {
      if (n > arg) throw invalid_input(arg, words[arg]);
      return [](Config&, const IfId&, PortConfig& p) { p.allowed = VlanSet::all(); };
    }
    if (n <= arg) throw incomplete();
    if (kw(words, arg, "all") || kw(words, arg, "none")) {
      if (n > arg + 1) throw invalid_input(arg + 1, words[arg + 1]);
      const VlanSet set = kw(words, arg, "all") ? VlanSet::all() : VlanSet();
      return [set](Config&, const IfId&, PortConfig& p) { p.allowed = set; };
    }
    if (kw(words, arg, "add")) {
      const VlanSet set = parse_vlan_list(words, arg + 1);
      return [set](Config&, const IfId&, PortConfig& p) { p.allowed |= set; };
    }
    if (kw(words, arg, "remove")) {
      const VlanSet set = parse_vlan_list(words, arg + 1);
      return [set](Config&, const IfId&, PortConfig& p) { p.allowed -= set; };
    }
    if (kw(words, arg, "except")) {
      const VlanSet set = VlanSet::all() - parse_vlan_list(words, arg + 1);
      return [set](Config&, const IfId&, PortConfig& p) { p.allowed = set; };
    }
    const VlanSet set = parse_vlan_list(words, arg);
    return [set](Config&, const IfId&, PortConfig& p) { p.allowed = set; };
  }
};

Cli::Cli(Switch& sw, Journal& journal, const Caller& caller, bool json_output, bool autocomplete)
    : state_(std::make_unique<State>(sw, journal, caller, json_output, autocomplete)) {}

Cli::~Cli() { state_->flush_terminal(); }

void Cli::enter_console_config() {
  state_->privileged = true;
  state_->mode = Mode::kConfig;
}

json Cli::run(std::string_view command) { return state_->run(command); }

}  // namespace vmfabric::eos_sim
