#include "northbound/cli/cli.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace vmfabric::cli {
namespace {

// ---- the commands ---------------------------------------------------------------------------

struct Flag {
  std::string name;   // without "--"
  std::string param;  // the API query parameter ("" = not sent as one)
  std::string value;  // the value's placeholder; "" = a switch without value
  std::string help;
};

struct Command {
  std::string plural;    // vms
  std::string singular;  // vm ("" = no NAME form)
  std::string name_arg;  // NAME, ID
  std::string summary;
  std::vector<Flag> list_flags;
  std::vector<Flag> item_flags;  // with NAME
};

const Flag kVcenter{"vcenter", "vcenter", "NAME", "only this vCenter's"};
const Flag kVlan{"vlan", "vlan", "ID", "only those on VLAN ID (1-4094)"};

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"vms",
       "vm",
       "NAME",
       "VMs: host, state, vNICs with MAC, portgroup and VLANs",
       {{"host", "host", "NAME", "only VMs on this ESX host"},
        kVlan,
        {"state", "state", "STATE", "running, moving, powered-off or suspended"},
        kVcenter},
       {kVcenter}},
      {"hosts",
       "host",
       "NAME",
       "ESX hosts: cluster, connection, each uplink's switch port and how it was learnt",
       {kVcenter,
        {"cluster", "cluster", "NAME", "only this cluster's hosts"},
        {"switch", "switch", "NAME", "only hosts cabled to this switch"}},
       {kVcenter}},
      {"switches",
       "switch",
       "NAME",
       "switches: address, model, EOS version, reachability, MLAG peer",
       {{"reachability", "reachability", "R", "reachable, unreachable, auth-failed or unknown"}},
       {}},
      {"interfaces",
       "",
       "",
       "switch interfaces: mode, role, allowed VLANs observed vs desired, what is cabled there",
       {{"switch", "", "NAME", "only this switch's interfaces (default: every switch)"},
        {"role", "role", "ROLE", "esx-facing, inter-switch or other"},
        kVlan},
       {}},
      {"vlans",
       "vlan",
       "ID",
       "VLANs: name, managed, portgroups, where planned; `show vlan ID`: where and why",
       {{"managed", "managed", "BOOL", "true or false"},
        {"switch", "switch", "NAME", "only VLANs planned or present on this switch"}},
       {}},
      {"sessions", "", "", "vCenter sessions (in sync or not) and switch reachability", {}, {}},
      {"plan",
       "",
       "",
       "what vmfabricd would change on each switch now, and why",
       {{"switch", "switch", "NAME", "only this switch"},
        {"pending", "pending", "", "only switches with changes pending"}},
       {}},
      {"changes",
       "",
       "",
       "the change journal, newest first",
       {{"switch", "switch", "NAME", "only changes of this switch"},
        kVlan,
        {"since", "since", "TIME", "RFC 3339 (2026-11-25T13:00:00Z) or ago (30m, 2h, 1d)"},
        {"until", "until", "TIME", "RFC 3339 or ago"}},
       {}},
      {"audits",
       "audit",
       "ID",
       "drift audits, newest first; `show audits ID`: what one found, finding by finding",
       {},
       {}},
  };
  return all;
}

const Command* find_command(const std::string& word) {
  for (const Command& c : commands()) {
    if (word == c.plural || (!c.singular.empty() && word == c.singular)) return &c;
  }
  if (word == "vcenters") return find_command("sessions");
  if (word == "interface") return find_command("interfaces");
  if (word == "change") return find_command("changes");
  return nullptr;
}

constexpr const char* kGlobalHelp =
    "global options (anywhere on the line):\n"
    "  --api URL       the API, http[s]://host:port (env VMFABRIC_API; default "
    "http://127.0.0.1:8080)\n"
    "  --token TOKEN   the API token (env VMFABRIC_TOKEN); make one with\n"
    "                  `vmfabricd token create --config FILE --name NAME --role viewer`\n"
    "  --ca-file FILE  trust this CA (PEM) for an https API\n"
    "  --json          print the API's JSON instead of tables\n"
    "  --limit N       at most N items of a list (default: all, page after page)\n"
    "  -h, --help      help\n";

constexpr const char* kAuditHelp =
    "usage: vmfabric audit run [--wait]\n"
    "\n"
    "Starts a drift audit now (an operator token): vmfabricd reads every switch and compares it\n"
    "with its plan, repairing under the configured audit.remediate. Prints the audit's id.\n"
    "\n"
    "options:\n"
    "  --wait               follow the audit until it ends, then print it as `show audits ID`;\n"
    "                       exit 1 when it failed\n";

// The names `show` takes, for its errors.
constexpr const char* kShowables =
    "vms, hosts, switches, interfaces, vlans, sessions, plan, changes or audits";

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string flag_text(const Flag& f) {
  return "--" + f.name + (f.value.empty() ? "" : " " + f.value);
}

std::string command_help(const Command& c) {
  std::string out = "usage: vmfabric show " + c.plural;
  for (const Flag& f : c.list_flags) out += " [" + flag_text(f) + "]";
  out += "\n";
  if (!c.singular.empty()) {
    out += "       vmfabric show " + c.singular + " " + c.name_arg;
    for (const Flag& f : c.item_flags) out += " [" + flag_text(f) + "]";
    out += "\n";
  }
  out += "\n" + c.summary + ".\n";
  std::vector<Flag> flags = c.list_flags;
  for (const Flag& f : c.item_flags) {
    if (std::none_of(flags.begin(), flags.end(), [&](const Flag& g) { return g.name == f.name; })) {
      flags.push_back(f);
    }
  }
  if (!flags.empty()) {
    out += "\noptions:\n";
    for (const Flag& f : flags) out += "  " + pad(flag_text(f), 20) + " " + f.help + "\n";
  }
  return out + "\n" + kGlobalHelp;
}

std::string show_help() {
  std::string out = "usage: vmfabric show WHAT [options]\n\nWHAT:\n";
  for (const Command& c : commands()) {
    std::string words = c.plural;
    if (!c.singular.empty()) words += ", " + c.singular + " " + c.name_arg;
    out += "  " + pad(words, 24) + " " + c.summary + "\n";
  }
  return out + "\n`vmfabric show WHAT --help` tells more.\n\n" + kGlobalHelp;
}

std::optional<long> parse_long(std::string_view s) {
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// "30s", "15m", "2h", "1d" ago → RFC 3339; anything else is passed on for the API to judge.
std::string time_value(const std::string& text, std::chrono::system_clock::time_point now) {
  if (text.size() < 2) return text;
  const auto n = parse_long(std::string_view(text).substr(0, text.size() - 1));
  if (!n || *n < 0) return text;
  long secs = 0;
  switch (text.back()) {
    case 's':
      secs = *n;
      break;
    case 'm':
      secs = *n * 60;
      break;
    case 'h':
      secs = *n * 3600;
      break;
    case 'd':
      secs = *n * 86400;
      break;
    default:
      return text;
  }
  return rfc3339(now - std::chrono::seconds(secs));
}

void check_value(const Flag& f, const std::string& value) {
  if (f.name == "vlan") {
    const auto v = parse_long(value);
    if (!v || *v < 1 || *v > 4094) {
      throw UsageError("--vlan: expected a VLAN id 1-4094, got \"" + value + "\"");
    }
  }
  auto one_of = [&](std::initializer_list<const char*> choices) {
    std::string list;
    for (const char* c : choices) {
      if (value == c) return;
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    throw UsageError("--" + f.name + ": expected one of " + list + ", got \"" + value + "\"");
  };
  if (f.name == "state") one_of({"running", "moving", "powered-off", "suspended"});
  if (f.name == "role") one_of({"esx-facing", "inter-switch", "other"});
  if (f.name == "reachability") one_of({"reachable", "unreachable", "auth-failed", "unknown"});
  if (f.name == "managed") one_of({"true", "false"});
}

}  // namespace

std::string general_help() {
  return "usage: vmfabric show WHAT [NAME] [options]   read vmfabricd's view of the fabric\n"
         "       vmfabric audit run [--wait]          audit the switches against the plan now\n"
         "       vmfabric help [show [WHAT] | audit]\n"
         "\n"
         "vmfabric is the command-line client of vmfabricd's REST API.\n"
         "\n"
         "  vmfabric show vms [--host NAME] [--vlan ID] [--state STATE]\n"
         "  vmfabric show vm NAME\n"
         "  vmfabric show hosts | show host NAME\n"
         "  vmfabric show switches | show switch NAME\n"
         "  vmfabric show interfaces [--switch NAME] [--role ROLE] [--vlan ID]\n"
         "  vmfabric show vlans | show vlan ID      (where a VLAN is allowed, and why)\n"
         "  vmfabric show sessions                 (vCenter sessions, switch reachability)\n"
         "  vmfabric show plan [--switch NAME] [--pending]\n"
         "  vmfabric show changes [--switch NAME] [--vlan ID] [--since TIME] [--until TIME]\n"
         "  vmfabric show audits | show audits ID  (drift audits, and what one found)\n"
         "  vmfabric audit run [--wait]            (start a drift audit; operator token)\n"
         "\n" +
         std::string(kGlobalHelp) +
         "\nexit codes: 0 ok, 1 the API failed or refused (the message says why), 2 bad "
         "command line\n";
}

ApiUrl parse_api_url(std::string_view url) {
  ApiUrl out;
  std::string_view rest = url;
  const auto bad = [&](const std::string& why) {
    return UsageError("--api / VMFABRIC_API: " + why + " in \"" + std::string(url) +
                      "\" (expected http[s]://host:port)");
  };
  if (rest.starts_with("https://")) {
    out.tls = true;
    out.port = 443;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    throw bad("the scheme must be http or https");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.prefix = std::string(path);
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '['");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) throw bad("an empty port");
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) throw bad("an empty port");
    }
  }
  if (out.host.empty()) throw bad("no host");
  if (!port_text.empty()) {
    const auto p = parse_long(port_text);
    if (!p || *p < 1 || *p > 65535) throw bad("a bad port \"" + std::string(port_text) + "\"");
    out.port = static_cast<std::uint16_t>(*p);
  }
  return out;
}

Invocation parse_args(const std::vector<std::string>& args, const Env& env,
                      std::chrono::system_clock::time_point now) {
  Invocation inv;
  if (env) {
    if (auto v = env("VMFABRIC_API"); v && !v->empty()) inv.options.api = *v;
    if (auto v = env("VMFABRIC_TOKEN"); v && !v->empty()) inv.options.token = *v;
  }
  std::vector<std::string> words;
  bool help = false;
  // Split words from options; an option takes its value from `=value` or the next argument
  // (every command option but --pending has one). They are checked once the command is known.
  struct Pending {
    std::string name;
    std::string value;
    bool has_value;
  };
  std::vector<Pending> command_flags;
  auto global_value = [&](std::size_t& i, const std::string& name,
                          const std::optional<std::string>& inline_value) {
    if (inline_value) return *inline_value;
    if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
    return args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      help = true;
      continue;
    }
    if (a == "--") {
      for (++i; i < args.size(); ++i) words.push_back(args[i]);
      break;
    }
    if (!a.starts_with("--")) {
      if (a.size() > 1 && a.front() == '-') throw UsageError("unknown option \"" + a + "\"");
      words.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "api") {
      inv.options.api = global_value(i, name, inline_value);
    } else if (name == "token") {
      inv.options.token = global_value(i, name, inline_value);
    } else if (name == "ca-file") {
      inv.options.ca_file = global_value(i, name, inline_value);
    } else if (name == "json") {
      if (inline_value) throw UsageError("--json takes no value");
      inv.options.json = true;
    } else if (name == "limit") {
      const std::string v = global_value(i, name, inline_value);
      const auto n = parse_long(v);
      if (!n || *n < 1) throw UsageError("--limit: expected a positive number, got \"" + v + "\"");
      inv.options.limit = static_cast<std::size_t>(*n);
    } else {
      Pending p{name, inline_value.value_or(""), inline_value.has_value()};
      if (!inline_value && name != "pending" && name != "wait") {
        if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
        p.value = args[++i];
        p.has_value = true;
      }
      command_flags.push_back(std::move(p));
    }
  }

  const auto help_for = [&](std::string text) {
    inv.help = true;
    inv.help_text = std::move(text);
    return inv;
  };
  if (!words.empty() && words.front() == "help") {
    words.erase(words.begin());
    help = true;
  }
  if (words.empty()) {
    if (help) return help_for(general_help());
    throw UsageError("no command given; try `vmfabric show vms` or `vmfabric --help`");
  }
  if (words.front() == "audit") {
    if (help) return help_for(std::string(kAuditHelp) + "\n" + kGlobalHelp);
    if (words.size() < 2 || words[1] != "run") {
      throw UsageError(
          (words.size() < 2 ? std::string("audit what?") : "cannot audit \"" + words[1] + "\";") +
          " the command is `vmfabric audit run [--wait]`");
    }
    if (words.size() > 2) {
      throw UsageError("unexpected \"" + words.back() +
                       "\" after `audit run` (see `vmfabric audit --help`)");
    }
    for (const Pending& p : command_flags) {
      if (p.name != "wait") {
        throw UsageError("`audit run` has no option --" + p.name + " (its options: --wait)");
      }
      if (p.has_value && p.value != "true") throw UsageError("--wait takes no value");
      inv.wait = true;
    }
    inv.what = "audit-run";
    parse_api_url(inv.options.api);
    return inv;
  }
  if (words.front() != "show") {
    throw UsageError("unknown command \"" + words.front() +
                     "\"; the commands are `show`, `audit` and `help` (see `vmfabric --help`)");
  }
  if (words.size() < 2) {
    if (help) return help_for(show_help());
    throw UsageError("show what? " + std::string(kShowables) + " (see `vmfabric show --help`)");
  }
  const Command* cmd = find_command(words[1]);
  if (cmd == nullptr) {
    throw UsageError("cannot show \"" + words[1] + "\"; try " + kShowables);
  }
  if (help) return help_for(command_help(*cmd));
  if (words.size() > 3 || (words.size() == 3 && cmd->singular.empty())) {
    throw UsageError("unexpected \"" + words.back() + "\" after `show " + words[1] +
                     "` (see `vmfabric show " + cmd->plural + " --help`)");
  }
  const bool item = words.size() == 3;
  inv.what = item ? cmd->singular : cmd->plural;
  if (item) inv.name = words[2];
  if (item && inv.what == "vlan") {
    const auto v = parse_long(inv.name);
    if (!v || *v < 1 || *v > 4094) {
      throw UsageError("show vlan: expected a VLAN id 1-4094, got \"" + inv.name + "\"");
    }
  }
  if (item && inv.what == "audit") {
    const auto v = parse_long(inv.name);
    if (!v || *v < 1) {
      throw UsageError(
          "show audits: expected an audit id (a positive number, as `show audits` "
          "lists them), got \"" +
          inv.name + "\"");
    }
  }
  const std::vector<Flag>& allowed = item ? cmd->item_flags : cmd->list_flags;
  for (const Pending& p : command_flags) {
    const auto f = std::find_if(allowed.begin(), allowed.end(),
                                [&](const Flag& g) { return g.name == p.name; });
    if (f == allowed.end()) {
      std::string known;
      for (const Flag& g : allowed) known += (known.empty() ? "" : ", ") + ("--" + g.name);
      throw UsageError("`show " + inv.what + (item ? " " + cmd->name_arg : "") +
                       "` has no option --" + p.name +
                       (known.empty() ? "" : " (its options: " + known + ")"));
    }
    if (f->value.empty()) {
      if (p.has_value && p.value != "true") {
        throw UsageError("--" + f->name + " takes no value");
      }
      inv.query.emplace_back(f->param, "true");
      continue;
    }
    if (!p.has_value || p.value.empty()) throw UsageError("--" + f->name + " needs a value");
    check_value(*f, p.value);
    if (f->param.empty()) {
      inv.switch_name = p.value;  // interfaces --switch: part of the path
    } else if (f->name == "since" || f->name == "until") {
      inv.query.emplace_back(f->param, time_value(p.value, now));
    } else {
      inv.query.emplace_back(f->param, p.value);
    }
  }
  parse_api_url(inv.options.api);  // a bad URL is a usage error, found before any request
  return inv;
}

// ---- the API --------------------------------------------------------------------------------

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

std::string with_query(std::string path, const Query& query) {
  char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : query) {
    path += sep + percent_encode(k) + "=" + percent_encode(v);
    sep = '&';
  }
  return path;
}

std::string list_path(const std::string& what, const std::string& switch_name) {
  if (what == "vms") return "/api/v1/vms";
  if (what == "hosts") return "/api/v1/hosts";
  if (what == "switches") return "/api/v1/switches";
  if (what == "interfaces")
    return "/api/v1/switches/" + percent_encode(switch_name) + "/interfaces";
  if (what == "vlans") return "/api/v1/vlans";
  if (what == "plan") return "/api/v1/plan";
  if (what == "changes") return "/api/v1/changes";
  if (what == "audits") return "/api/v1/audits";
  if (what == "sessions") return "/api/v1/vcenters";
  return "";
}

std::string item_path(const std::string& what, const std::string& name) {
  const std::string n = percent_encode(name);
  if (what == "vm") return "/api/v1/vms/" + n;
  if (what == "host") return "/api/v1/hosts/" + n;
  if (what == "switch") return "/api/v1/switches/" + n;
  if (what == "vlan") return "/api/v1/vlans/" + n;
  if (what == "audit") return "/api/v1/audits/" + n;
  return "";
}

bool is_item(const std::string& what) { return !item_path(what, "").empty(); }

json parse_body(const ApiResponse& r, const std::string& target) {
  try {
    return json::parse(r.body);
  } catch (const json::exception&) {
    throw ApiError("the API answered " + target + " with something that is not JSON (is --api " +
                   "pointing at vmfabricd?)");
  }
}

json get_json(const Fetch& fetch, const Options& options, const std::string& target) {
  const ApiResponse r = fetch(target);
  if (r.status != 200) throw ApiError(api_error_message(options, r.status, r.body));
  return parse_body(r, target);
}

// Every page of a list (up to --limit): the first page's fields, with all items and the last
// page's next_cursor.
json get_list(const Fetch& fetch, const Options& options, const std::string& path,
              const Query& query) {
  json merged;
  std::optional<std::string> cursor;
  std::size_t have = 0;
  for (;;) {
    Query q = query;
    std::size_t page = 1000;
    if (options.limit) page = std::min(page, *options.limit - have);
    q.emplace_back("limit", std::to_string(page));
    if (cursor) q.emplace_back("cursor", *cursor);
    const std::string target = with_query(path, q);
    json body = get_json(fetch, options, target);
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) {
      throw ApiError("the API answered " + target + " without a list of items");
    }
    have += body["items"].size();
    if (merged.is_null()) {
      merged = std::move(body);
    } else {
      for (json& i : body["items"]) merged["items"].push_back(std::move(i));
      merged["next_cursor"] = body.value("next_cursor", json());
    }
    const json& next = merged["next_cursor"];
    if (!next.is_string() || (options.limit && have >= *options.limit)) break;
    cursor = next.get<std::string>();
  }
  return merged;
}

std::string detail_of(const std::string& body) {
  try {
    const json p = json::parse(body);
    if (p.is_object() && p.contains("detail") && p["detail"].is_string()) {
      return p["detail"].get<std::string>();
    }
  } catch (const json::exception&) {
  }
  return "";
}

}  // namespace

std::string api_target(const Invocation& inv) {
  if (is_item(inv.what)) return with_query(item_path(inv.what, inv.name), inv.query);
  return with_query(list_path(inv.what, inv.switch_name), inv.query);
}

std::string api_error_message(const Options& options, int status, const std::string& body) {
  const std::string detail = detail_of(body);
  const std::string at = "vmfabricd at " + options.api;
  if (status == 401) {
    if (options.token.empty()) {
      return at +
             " wants a token (401 Unauthorized): set --token or VMFABRIC_TOKEN; create one with "
             "`vmfabricd token create --config FILE --name NAME --role viewer`";
    }
    return at +
           " refused the token (401 Unauthorized: unknown, revoked or mistyped): check --token or "
           "VMFABRIC_TOKEN; create one with `vmfabricd token create --config FILE --name NAME "
           "--role viewer`";
  }
  if (status == 403) {
    return "forbidden (403): " + (detail.empty() ? "the token's role is too low" : detail) +
           "; use a token with a higher role";
  }
  if (status == 404) {
    return detail.empty() ? "not found (404)" : detail;
  }
  std::string out = at + " answered " + std::to_string(status);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

void run(const Invocation& inv, const Fetch& fetch, std::ostream& out) {
  const Options& o = inv.options;
  json data;
  if (is_item(inv.what)) {
    data = get_json(fetch, o, api_target(inv));
  } else if (inv.what == "interfaces" && inv.switch_name.empty()) {
    // Every switch's interfaces, in switch order, each item naming its switch.
    Options all = o;
    all.limit.reset();
    const json switches = get_list(fetch, all, "/api/v1/switches", {});
    data = {{"items", json::array()}, {"total", 0}, {"next_cursor", nullptr}};
    std::size_t total = 0;
    for (const json& s : switches["items"]) {
      const std::string sw = s.value("name", "");
      Options rest = o;
      if (o.limit) {
        const std::size_t have = data["items"].size();
        if (have >= *o.limit) break;
        rest.limit = *o.limit - have;
      }
      json page = get_list(fetch, rest, list_path("interfaces", sw), inv.query);
      total += page.value("total", std::size_t{0});
      for (json& i : page["items"]) {
        json item = {{"switch", sw}};
        item.update(i);
        data["items"].push_back(std::move(item));
      }
    }
    data["total"] = total;
  } else if (inv.what == "sessions") {
    data = {{"vcenters", get_list(fetch, o, "/api/v1/vcenters", {})},
            {"switches", get_list(fetch, o, "/api/v1/switches", {})}};
  } else {
    data = get_list(fetch, o, list_path(inv.what, inv.switch_name), inv.query);
  }
  if (o.json) {
    out << data.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  out << render(inv.what, data);
}

// ---- tables ---------------------------------------------------------------------------------

std::string format_table(const Table& table) {
  std::vector<std::size_t> width(table.header.size(), 0);
  for (std::size_t c = 0; c < table.header.size(); ++c) width[c] = table.header[c].size();
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string text = c < cells.size() ? cells[c] : "";
      l += (c == 0 ? "" : "  ") + pad(text, width[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(table.header);
  std::vector<std::string> dashes;
  for (std::size_t w : width) dashes.emplace_back(w, '-');
  line(dashes);
  for (const auto& row : table.rows) line(row);
  return out;
}

std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.empty()) return "-";
    // An RFC 3339 time of the API: "2026-11-25T13:51:24.881Z" → "2026-11-25 13:51:24".
    if (s.size() >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
        s.back() == 'Z') {
      s[10] = ' ';
      return s.substr(0, 19);
    }
    return s;
  }
  if (v.is_array()) {
    std::string out;
    for (const json& i : v) out += (out.empty() ? "" : ",") + cell(i);
    return out.empty() ? "-" : out;
  }
  return v.dump();
}

namespace {

const json& at(const json& j, const char* key) {
  static const json null;
  if (!j.is_object()) return null;
  const auto it = j.find(key);
  return it == j.end() ? null : *it;
}

std::string c(const json& j, const char* key) { return cell(at(j, key)); }

const json& items(const json& list) {
  static const json empty = json::array();
  const json& i = at(list, "items");
  return i.is_array() ? i : empty;
}

// The array `key` of `j`, or an empty one.
const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  const json& a = at(j, key);
  return a.is_array() ? a : empty;
}

// "(3 of 120 shown; --limit)" when the list was cut short.
std::string footer(const json& list) {
  const json& next = at(list, "next_cursor");
  if (!next.is_string()) return "";
  const json& total = at(list, "total");
  std::string n = std::to_string(items(list).size());
  return "(" + n + (total.is_number() ? " of " + total.dump() : "") +
         " shown; more without --limit)\n";
}

std::string key_values(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::size_t w = 0;
  for (const auto& [k, v] : kv) w = std::max(w, k.size());
  std::string out;
  for (const auto& [k, v] : kv) out += pad(k + ":", w + 1) + " " + v + "\n";
  return out;
}

std::string list_or_dash(const json& array) { return cell(array); }

Table vm_table(const json& vms) {
  Table t{{"VM", "Host", "State", "Adapter", "MAC", "Portgroup", "VLANs", "vCenter"}, {}};
  for (const json& vm : vms) {
    std::string host = c(vm, "host");
    if (at(vm, "migrating_to").is_string()) host += " -> " + c(vm, "migrating_to");
    const json& nics = at(vm, "nics");
    if (!nics.is_array() || nics.empty()) {
      t.rows.push_back({c(vm, "name"), host, c(vm, "state"), "-", "-", "-", "-", c(vm, "vcenter")});
      continue;
    }
    for (const json& n : nics) {
      std::string pg = c(n, "portgroup");
      if (at(n, "connected") == false) pg += " (disconnected)";
      t.rows.push_back({c(vm, "name"), host, c(vm, "state"), c(n, "label"), c(n, "mac"), pg,
                        c(n, "vlans"), c(vm, "vcenter")});
    }
  }
  return t;
}

Table uplink_table(const json& hosts, bool with_host) {
  Table t;
  if (with_host) t.header = {"Host", "Cluster", "Connection", "VMs"};
  for (const char* h : {"Uplink", "MAC", "Switch", "Interface", "Attachment", "Learned by"}) {
    t.header.emplace_back(h);
  }
  for (const json& h : hosts) {
    std::vector<std::string> head;
    if (with_host) {
      std::string conn = c(h, "connection");
      if (at(h, "maintenance") == true) conn += " (maintenance)";
      head = {c(h, "name"), c(h, "cluster"), conn, c(h, "vms")};
    }
    const json& ups = at(h, "uplinks");
    if (!ups.is_array() || ups.empty()) {
      std::vector<std::string> row = head;
      row.insert(row.end(), 6, "-");
      t.rows.push_back(std::move(row));
      continue;
    }
    for (const json& u : ups) {
      std::vector<std::string> row = head;
      if (at(u, "located") == true) {
        for (const char* k : {"pnic", "mac", "switch", "interface", "attachment", "learned_by"}) {
          row.push_back(c(u, k));
        }
      } else {
        const json& problem = at(u, "problem");
        row.insert(row.end(), {c(u, "pnic"), c(u, "mac"), "-", "-", "-",
                               problem.is_string() ? "not located: " + problem.get<std::string>()
                                                   : "not located"});
      }
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

std::string neighbor_text(const json& i) {
  std::vector<std::string> parts;
  for (const json& u : arr(i, "esx_uplinks")) {
    parts.push_back(c(u, "host") + " " + c(u, "pnic"));
  }
  for (const json& l : arr(i, "links")) {
    parts.push_back(c(l, "switch") + " " + c(l, "interface"));
  }
  if (parts.empty()) {
    for (const json& n : arr(i, "lldp_neighbors")) {
      parts.push_back(c(n, "system_name") + " " + c(n, "port_id"));
    }
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "-" : out;
}

std::string render_vms(const json& list) {
  return format_table(vm_table(items(list))) + footer(list);
}

std::string render_vm(const json& vm) {
  std::string host = c(vm, "host");
  if (at(vm, "migrating_to").is_string()) host += " (moving to " + c(vm, "migrating_to") + ")";
  std::string out = key_values({{"VM", c(vm, "name")},
                                {"vCenter", c(vm, "vcenter")},
                                {"ID", c(vm, "id")},
                                {"State", c(vm, "state")},
                                {"Host", host},
                                {"Cluster", c(vm, "cluster")}});
  Table t{{"Adapter", "MAC", "Connected", "Portgroup", "Distributed", "VLAN mode", "VLANs"}, {}};
  for (const json& n : arr(vm, "nics")) {
    t.rows.push_back({c(n, "label"), c(n, "mac"), c(n, "connected"), c(n, "portgroup"),
                      c(n, "distributed"), c(n, "vlan_mode"), c(n, "vlans")});
  }
  return out + "\n" + format_table(t);
}

std::string render_host(const json& h) {
  std::string conn = c(h, "connection");
  if (at(h, "maintenance") == true) conn += " (maintenance)";
  std::string out = key_values({{"Host", c(h, "name")},
                                {"vCenter", c(h, "vcenter")},
                                {"ID", c(h, "id")},
                                {"Cluster", c(h, "cluster")},
                                {"Connection", conn},
                                {"Hardware", c(h, "vendor") + " " + c(h, "model")},
                                {"ESXi", c(h, "esx_version") + " build " + c(h, "esx_build")},
                                {"VMs", c(h, "vms")}});
  out += "\nUplinks\n" + format_table(uplink_table(json::array({h}), false));
  Table vs{{"vSwitch", "Kind", "Distributed switch", "Uplinks"}, {}};
  for (const json& v : arr(h, "vswitches")) {
    vs.rows.push_back(
        {c(v, "name"), c(v, "kind"), c(v, "distributed_switch"), list_or_dash(at(v, "uplinks"))});
  }
  out += "\nvSwitches\n" + format_table(vs);
  Table vmk{{"VMkernel", "MAC", "Services", "Portgroup", "VLANs"}, {}};
  for (const json& v : arr(h, "vmknics")) {
    vmk.rows.push_back({c(v, "name"), c(v, "mac"), list_or_dash(at(v, "services")),
                        c(v, "portgroup"), c(v, "vlans")});
  }
  out += "\nVMkernel adapters\n" + format_table(vmk);
  Table vms{{"VM", "State"}, {}};
  for (const json& v : arr(h, "vm_list")) {
    vms.rows.push_back({c(v, "name"), c(v, "state")});
  }
  return out + "\nVMs\n" + format_table(vms);
}

std::string render_hosts(const json& list) {
  return format_table(uplink_table(items(list), true)) + footer(list);
}

std::string mlag_text(const json& s) {
  const json& m = at(s, "mlag");
  if (!m.is_object()) return "-";
  return c(m, "peer") + " (" + c(m, "domain") + (at(m, "active") == true ? "" : ", inactive") + ")";
}

std::string render_switches(const json& list) {
  Table t{{"Switch", "Address", "Model", "EOS", "Reachability", "MLAG peer", "ESX-facing",
           "Inter-switch", "Last poll"},
          {}};
  for (const json& s : items(list)) {
    t.rows.push_back({c(s, "name"), c(s, "address"), c(s, "model"), c(s, "eos_version"),
                      c(s, "reachability"), mlag_text(s), c(s, "esx_facing_interfaces"),
                      c(s, "inter_switch_interfaces"), c(s, "last_poll")});
  }
  std::string out = format_table(t) + footer(list);
  for (const json& s : items(list)) {
    if (at(s, "last_error").is_string()) out += c(s, "name") + ": " + c(s, "last_error") + "\n";
  }
  return out;
}

std::string render_switch(const json& s) {
  const json& m = at(s, "mlag");
  std::string out = key_values(
      {{"Switch", c(s, "name")},
       {"Address", c(s, "address")},
       {"Hostname", c(s, "hostname")},
       {"Model", c(s, "model")},
       {"EOS", c(s, "eos_version")},
       {"Serial", c(s, "serial")},
       {"System MAC", c(s, "system_mac")},
       {"Reachability", c(s, "reachability")},
       {"Last poll", c(s, "last_poll")},
       {"Last error", c(s, "last_error")},
       {"MLAG", mlag_text(s)},
       {"MLAG peer-link", m.is_object() ? c(m, "peer_link") : "-"},
       {"Interfaces", c(s, "interfaces") + " (" + c(s, "esx_facing_interfaces") + " ESX-facing, " +
                          c(s, "inter_switch_interfaces") + " inter-switch)"},
       {"Planned VLANs", c(s, "planned_vlans")}});
  Table t{{"VLAN", "Name"}, {}};
  for (const json& v : arr(s, "vlans")) {
    t.rows.push_back({c(v, "id"), c(v, "name")});
  }
  return out + "\nVLAN database\n" + format_table(t);
}

std::string render_interfaces(const json& list) {
  const bool with_switch = !items(list).empty() && at(items(list)[0], "switch").is_string();
  Table t;
  if (with_switch) t.header.emplace_back("Switch");
  for (const char* h : {"Interface", "Up", "Mode", "Role", "Allowed (observed)", "Desired",
                        "To add", "To remove", "Connected to"}) {
    t.header.emplace_back(h);
  }
  for (const json& i : items(list)) {
    std::vector<std::string> row;
    if (with_switch) row.push_back(c(i, "switch"));
    const json& a = at(i, "allowed_vlans");
    std::string observed = c(a, "observed");
    if (at(i, "mode") == "access") observed = "access " + c(i, "access_vlan");
    std::string name = c(i, "name");
    if (at(i, "channel_group").is_string()) name += " (" + c(i, "channel_group") + ")";
    row.insert(row.end(), {name, c(i, "oper_up"), c(i, "mode"), c(i, "role"), observed,
                           c(a, "desired"), c(a, "to_add"), c(a, "to_remove"), neighbor_text(i)});
    t.rows.push_back(std::move(row));
  }
  return format_table(t) + footer(list);
}

std::string render_vlans(const json& list) {
  Table t{{"VLAN", "Name", "Managed", "Portgroups", "Planned on switches", "Interfaces"}, {}};
  for (const json& v : items(list)) {
    t.rows.push_back({c(v, "id"), c(v, "name"), c(v, "managed"), c(v, "portgroups"),
                      c(v, "planned_switches"), c(v, "planned_interfaces")});
  }
  return format_table(t) + footer(list);
}

std::string render_vlan(const json& v) {
  std::string out = key_values({{"VLAN", c(v, "id")},
                                {"Name", c(v, "name")},
                                {"Managed", c(v, "managed")},
                                {"Portgroups", c(v, "portgroups")},
                                {"VMs", c(v, "vms")}});
  Table db{{"Switch", "In database", "Name", "Planned in database"}, {}};
  Table t{{"Switch", "Interface", "Role", "Mode", "Desired", "Observed", "Why"}, {}};
  for (const json& s : arr(v, "switches")) {
    db.rows.push_back(
        {c(s, "name"), c(s, "in_database"), c(s, "database_name"), c(s, "planned_in_database")});
    for (const json& i : arr(s, "interfaces")) {
      std::vector<std::string> row = {c(s, "name"), c(i, "role"), c(i, "mode"), c(i, "desired"),
                                      c(i, "observed")};
      row.insert(row.begin() + 1, c(i, "name"));
      const json& reasons = at(i, "reasons");
      if (!reasons.is_array() || reasons.empty()) {
        row.push_back(at(i, "desired") == true ? "-" : "observed, not planned");
        t.rows.push_back(std::move(row));
        continue;
      }
      for (const json& r : reasons) {
        std::vector<std::string> line = row;
        line.push_back(cell(r));
        t.rows.push_back(std::move(line));
      }
    }
  }
  return out + "\nSwitches\n" + format_table(db) + "\nInterfaces\n" + format_table(t);
}

std::string render_sessions(const json& data) {
  const json& vcs = at(data, "vcenters");
  const json& sws = at(data, "switches");
  Table v{{"vCenter", "URL", "Session", "In sync", "Last update", "Hosts", "VMs", "Last error"},
          {}};
  for (const json& vc : items(vcs)) {
    v.rows.push_back({c(vc, "name"), c(vc, "url"), c(vc, "session"), c(vc, "in_sync"),
                      c(vc, "last_update"), c(vc, "hosts"), c(vc, "vms"), c(vc, "last_error")});
  }
  Table s{{"Switch", "Address", "Reachability", "Last poll", "Last error"}, {}};
  for (const json& sw : items(sws)) {
    s.rows.push_back({c(sw, "name"), c(sw, "address"), c(sw, "reachability"), c(sw, "last_poll"),
                      c(sw, "last_error")});
  }
  return "vCenters\n" + format_table(v) + footer(vcs) + "\nSwitches\n" + format_table(s) +
         footer(sws);
}

std::string render_plan(const json& list) {
  std::string frozen = c(list, "removals_frozen");
  std::string out = key_values({{"Apply", c(list, "apply")},
                                {"Prune delay", c(list, "prune_delay_s") + " s"},
                                {"Removals frozen", frozen == "-" ? "no" : frozen}});
  Table t{{"Switch", "Reachable", "In sync", "Create VLANs", "Delete VLANs", "Interface", "Role",
           "Add", "Remove"},
          {}};
  std::string reasons;
  for (const json& s : items(list)) {
    std::string create;
    for (const json& v : arr(s, "create_vlans")) {
      create += (create.empty() ? "" : ",") + c(v, "id");
    }
    if (create.empty()) create = "-";
    std::vector<std::string> head = {c(s, "switch"), c(s, "reachable"), c(s, "in_sync"), create,
                                     c(s, "delete_vlans")};
    const json& ifs = at(s, "interfaces");
    if (!ifs.is_array() || ifs.empty()) {
      head.insert(head.end(), {"-", "-", "-", "-"});
      t.rows.push_back(std::move(head));
    }
    for (const json& i : ifs) {
      std::vector<std::string> row = head;
      row.insert(row.end(), {c(i, "name"), c(i, "role"), c(i, "add"), c(i, "remove")});
      t.rows.push_back(std::move(row));
    }
    for (const json& r : arr(s, "reasons")) {
      reasons += c(s, "switch") + ": " + cell(r) + "\n";
    }
  }
  out += "\n" + format_table(t) + footer(list);
  const json& skipped = at(list, "skipped");
  if (skipped.is_array() && !skipped.empty()) out += "skipped: " + cell(skipped) + "\n";
  if (!reasons.empty()) out += "\nWhy\n" + reasons;
  return out;
}

std::string render_changes(const json& list) {
  Table t{{"ID", "Created", "Switch", "Session", "Result", "By", "Commands", "Reason"}, {}};
  std::string details;
  for (const json& e : items(list)) {
    std::string cmds;
    for (const json& cmd : arr(e, "commands")) {
      cmds += (cmds.empty() ? "" : "; ") + cell(cmd);
    }
    std::string reason = c(e, "reason");
    if (at(e, "cause").is_string() && !at(e, "cause").get<std::string>().empty()) {
      reason += " (" + c(e, "cause") + ")";
    }
    t.rows.push_back({c(e, "id"), c(e, "created"), c(e, "switch"), c(e, "session"), c(e, "result"),
                      c(e, "actor"), cmds.empty() ? "-" : cmds, reason});
    if (at(e, "detail").is_string() && !at(e, "detail").get<std::string>().empty()) {
      details += c(e, "id") + ": " + c(e, "detail") + "\n";
    }
  }
  return format_table(t) + footer(list) + details;
}

std::string render_audits(const json& list) {
  Table t{{"ID", "Started", "Status", "Trigger", "Remediate", "Findings", "Repairs"}, {}};
  for (const json& a : items(list)) {
    t.rows.push_back({c(a, "id"), c(a, "started"), c(a, "status"), c(a, "trigger"),
                      c(a, "remediate"), c(a, "finding_count"), c(a, "repairs")});
  }
  return format_table(t) + footer(list);
}

// The first of `keys` of `j` that is set, as a cell.
std::string first_set(const json& j, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (cell(at(j, key)) != "-") return c(j, key);
  }
  return "-";
}

std::string render_audit(const json& a) {
  std::string trigger = c(a, "trigger");
  if (at(a, "actor").is_string()) trigger += " (by " + c(a, "actor") + ")";
  std::string counts;
  if (at(a, "counts").is_object()) {
    for (const auto& [kind, n] : at(a, "counts").items()) {
      counts += (counts.empty() ? "" : ", ") + kind + " " + cell(n);
    }
  }
  std::vector<std::pair<std::string, std::string>> kv = {
      {"Audit", c(a, "id")},
      {"Status", c(a, "status")},
      {"Started", c(a, "started")},
      {"Finished", c(a, "finished")},
      {"Trigger", trigger},
      {"Remediate", c(a, "remediate")},
      {"Switches", c(a, "switches") + " (" + c(a, "unreadable") + " unreadable)"},
      {"Findings", c(a, "finding_count") + (counts.empty() ? "" : " (" + counts + ")")},
      {"Repairs", c(a, "repairs")}};
  if (at(a, "error").is_string()) kv.emplace_back("Error", c(a, "error"));
  std::string out = key_values(kv);
  const json& findings = arr(a, "findings");
  if (findings.empty()) return out + "\nNo findings.\n";
  Table t{{"Kind", "Switch/Host", "Interface/Uplink", "VLANs", "Detail"}, {}};
  for (const json& f : findings) {
    t.rows.push_back({c(f, "kind"), first_set(f, {"switch", "host"}),
                      first_set(f, {"interface", "uplink"}), c(f, "vlans"), c(f, "detail")});
  }
  return out + "\n" + format_table(t);
}

}  // namespace

std::string render(const std::string& what, const json& data) {
  static const std::map<std::string, std::string (*)(const json&)> renderers = {
      {"vms", render_vms},
      {"vm", render_vm},
      {"hosts", render_hosts},
      {"host", render_host},
      {"switches", render_switches},
      {"switch", render_switch},
      {"interfaces", render_interfaces},
      {"vlans", render_vlans},
      {"vlan", render_vlan},
      {"sessions", render_sessions},
      {"plan", render_plan},
      {"changes", render_changes},
      {"audits", render_audits},
      {"audit", render_audit}};
  const auto r = renderers.find(what);
  if (r == renderers.end()) return data.dump(2) + "\n";
  return r->second(data);
}

namespace {

// "10 min", "1500 ms": a timeout for a person.
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 60000 == 0) return std::to_string(d.count() / 60000) + " min";
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

int run_audit(const Invocation& inv, const Fetch& fetch, const Post& post, const Follow& follow,
              std::ostream& out) {
  const Options& o = inv.options;
  const std::string target = "/api/v1/audits";
  const ApiResponse started = post(target, "{}");
  if (started.status != 202) throw ApiError(api_error_message(o, started.status, started.body));
  const json body = parse_body(started, target);
  if (!at(body, "id").is_number_integer()) {
    throw ApiError("the API answered POST " + target + " without the audit's id");
  }
  const std::string id = at(body, "id").dump();
  auto print = [&](const std::string& what, const json& data) {
    out << (o.json ? data.dump(2, ' ', false, json::error_handler_t::replace) + "\n"
                   : render(what, data));
  };
  if (!inv.wait) {
    if (o.json) {
      print("audit-run", body);
    } else {
      out << id << "\n";
    }
    return 0;
  }
  const auto polls = std::max<std::int64_t>(1, follow.timeout / follow.poll);
  for (std::int64_t n = 0;; ++n) {
    const json audit = get_json(fetch, o, item_path("audit", id));
    if (at(audit, "status") != "running") {
      print("audit", audit);
      return at(audit, "status") == "failed" ? 1 : 0;
    }
    if (n >= polls) {
      throw ApiError("audit " + id + " is still running after " + duration_text(follow.timeout) +
                     "; follow it with `vmfabric show audits " + id + "`");
    }
    follow.sleep(follow.poll);
  }
}

}  // namespace vmfabric::cli
