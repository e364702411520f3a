#include "config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace vmfabric {
namespace {

using nlohmann::json;

// Renders a JSON value for an error message, shortened so one message stays one line.
std::string show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Collects problems as "<file>: <path>: <message>".
class Problems {
 public:
  explicit Problems(std::string_view file) : file_(file) {}
  void add(const std::string& path, const std::string& message) {
    list_.push_back((file_.empty() ? "" : file_ + ": ") + (path.empty() ? "" : path + ": ") +
                    message);
  }
  bool empty() const { return list_.empty(); }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  std::string file_;
  std::vector<std::string> list_;
};

// Reads the keys of one JSON object, checking types and ranges; on `done()` every key that was
// not asked for is reported as unknown (with the closest known key as a hint).
class ObjectReader {
 public:
  ObjectReader(const json& value, std::string path, Problems& problems)
      : path_(std::move(path)), problems_(problems) {
    if (value.is_object()) {
      object_ = &value;
    } else {
      problems_.add(path_, "expected an object, got " + show(value));
    }
  }
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  bool ok() const { return object_ != nullptr; }
  std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The raw value, or nullptr when absent (reported when required).
  const json* get(std::string_view key, bool required) {
    known_.emplace(key);
    if (object_ == nullptr) return nullptr;
    const auto it = object_->find(key);
    if (it == object_->end() || it->is_null()) {
      if (required) problems_.add(path(key), "required key missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> string(std::string_view key, bool required) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      problems_.add(path(key), "expected a string, got " + show(*v));
      return std::nullopt;
    }
    std::string s = v->get<std::string>();
    if (s.empty()) {
      problems_.add(path(key), "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required = false) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    const std::string expected =
        "expected an integer " + std::to_string(min) + "-" + std::to_string(max);
    const bool in_range = v->is_number_unsigned()
                              ? v->get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                                    static_cast<std::int64_t>(v->get<std::uint64_t>()) >= min
                              : v->is_number_integer() && v->get<std::int64_t>() >= min &&
                                    v->get<std::int64_t>() <= max;
    if (!in_range) {
      problems_.add(path(key), expected + ", got " + show(*v));
      return std::nullopt;
    }
    const auto n = v->get<std::int64_t>();
    return n;
  }

  std::optional<bool> boolean(std::string_view key) {
    const json* v = get(key, false);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) {
      problems_.add(path(key), "expected true or false, got " + show(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  // One of `choices` (strings), as its index.
  std::optional<std::size_t> choice(std::string_view key, const std::vector<std::string>& choices,
                                    bool required = false) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    if (v->is_string()) {
      const auto it = std::find(choices.begin(), choices.end(), v->get<std::string>());
      if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
    }
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
    problems_.add(path(key), "expected one of " + list + ", got " + show(*v));
    return std::nullopt;
  }

  // Reports keys present but never read.
  void done() {
    if (object_ == nullptr) return;
    for (const auto& [key, value] : object_->items()) {
      if (known_.count(key) != 0) continue;
      std::string hint;
      std::size_t best = 3;
      for (const auto& k : known_) {
        const std::size_t d = edit_distance(key, k);
        if (d < best) {
          best = d;
          hint = " (did you mean \"" + k + "\"?)";
        }
      }
      problems_.add(path(key), "unknown key" + hint);
    }
  }

 private:
  const json* object_ = nullptr;
  std::string path_;
  Problems& problems_;
  std::set<std::string, std::less<>> known_;
};

std::string absolute(const std::string& base_dir, const std::string& p) {
  const std::filesystem::path path(p);
  if (path.is_absolute()) return p;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

bool valid_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool valid_host(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' ||
           c == '_';
  });
}

// "host:port" or "[v6addr]:port".
std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  if (!valid_host(host) || port.empty() || port.size() > 5) return std::nullopt;
  unsigned long n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  if (n < 1 || n > 65535) return std::nullopt;
  return Endpoint{std::string(host), static_cast<std::uint16_t>(n)};
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

Credential read_credential(ObjectReader& r, Problems& problems, const std::string& base_dir) {
  Credential c;
  c.username = r.string("username", true).value_or("");
  if (r.get("password", false) != nullptr) {
    problems.add(r.path("password"),
                 "literal passwords are not accepted; set password_env (the name of an "
                 "environment variable) or password_file (a file readable only by vmfabricd)");
  }
  const auto env = r.string("password_env", false);
  const auto file = r.string("password_file", false);
  if (env && file) {
    problems.add(r.path("password_env"), "set password_env or password_file, not both");
  } else if (r.get("password_env", false) == nullptr && r.get("password_file", false) == nullptr &&
             r.get("password", false) == nullptr) {
    problems.add(r.path("password_env"), "required key missing: set password_env or password_file");
  }
  if (env) c.password_env = *env;
  if (file) c.password_file = absolute(base_dir, *file);
  return c;
}

TlsTrust read_tls(ObjectReader& parent, Problems& problems, const std::string& base_dir) {
  TlsTrust t;
  const json* v = parent.get("tls", false);
  if (v == nullptr) return t;
  ObjectReader r(*v, parent.path("tls"), problems);
  if (auto ca = r.string("ca_file", false)) t.ca_file = absolute(base_dir, *ca);
  if (auto fp = r.string("fingerprint_sha256", false)) {
    std::string hex;
    for (char c : *fp) {
      if (c != ':') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c));
        })) {
      problems.add(
          r.path("fingerprint_sha256"),
          "expected a SHA-256 fingerprint (64 hex digits, colons allowed), got \"" + *fp + "\"");
    } else {
      t.fingerprint_sha256 = hex;
    }
  }
  t.insecure = r.boolean("insecure").value_or(false);
  if (t.insecure && (!t.ca_file.empty() || !t.fingerprint_sha256.empty())) {
    problems.add(r.path("insecure"),
                 "insecure: true cannot be combined with ca_file or fingerprint_sha256");
  }
  r.done();
  return t;
}

// `names` holds (name, index in the array) of the entries that were objects.
void check_unique_names(const std::vector<std::pair<std::string, std::size_t>>& names,
                        std::string_view list, Problems& problems) {
  std::map<std::string, std::size_t> seen;
  for (const auto& [name, index] : names) {
    if (name.empty()) continue;
    const auto [it, inserted] = seen.emplace(name, index);
    if (!inserted) {
      problems.add(std::string(list) + "[" + std::to_string(index) + "].name",
                   "duplicate name \"" + name + "\" (also " + std::string(list) + "[" +
                       std::to_string(it->second) + "])");
    }
  }
}

// Calls `each(reader, index)` for every element of the array at `key` that is an object.
template <class F>
void read_array(ObjectReader& parent, std::string_view key, Problems& problems, F each) {
  const json* v = parent.get(key, false);
  if (v == nullptr) return;
  if (!v->is_array()) {
    problems.add(parent.path(key), "expected an array, got " + show(*v));
    return;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    ObjectReader r((*v)[i], parent.path(key) + "[" + std::to_string(i) + "]", problems);
    if (r.ok()) each(r, i);
  }
}

std::string name_field(ObjectReader& r, Problems& problems) {
  auto name = r.string("name", true);
  if (name && !valid_name(*name)) {
    problems.add(r.path("name"),
                 "expected letters, digits, '.', '-' or '_' (at most 64), got \"" + *name + "\"");
    return "";
  }
  return name.value_or("");
}

VCenterConfig read_vcenter(ObjectReader& r, Problems& problems, const std::string& base_dir) {
  VCenterConfig vc;
  vc.name = name_field(r, problems);
  if (auto url = r.string("url", true)) {
    vc.url = *url;
    std::string_view rest = *url;
    bool scheme_ok = true;
    if (rest.rfind("https://", 0) == 0) {
      rest.remove_prefix(8);
    } else if (rest.rfind("http://", 0) == 0) {
      vc.https = false;
      rest.remove_prefix(7);
    } else {
      scheme_ok = false;
    }
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    vc.path = slash == std::string_view::npos ? "/sdk" : std::string(rest.substr(slash));
    std::optional<Endpoint> ep;
    if (scheme_ok && !authority.empty()) {
      const bool has_port =
          authority.back() != ']' && authority.find(':') != std::string_view::npos;
      ep = parse_endpoint(has_port ? std::string(authority)
                                   : std::string(authority) + (vc.https ? ":443" : ":80"));
    }
    if (!ep) {
      problems.add(
          r.path("url"),
          "expected an http(s) URL like https://vc1.example.com/sdk, got \"" + *url + "\"");
    } else {
      vc.endpoint = *ep;
    }
  }
  vc.credential = read_credential(r, problems, base_dir);
  vc.tls = read_tls(r, problems, base_dir);
  r.done();
  return vc;
}

SwitchConfig read_switch(ObjectReader& r, Problems& problems, const std::string& base_dir) {
  SwitchConfig sw;
  sw.name = name_field(r, problems);
  if (auto address = r.string("address", true)) {
    // A ':' is only allowed in an IPv6 address (written bare, without brackets or port).
    const bool has_colon = address->find(':') != std::string::npos;
    in6_addr v6{};
    if (!valid_host(*address) || (has_colon && inet_pton(AF_INET6, address->c_str(), &v6) != 1)) {
      problems.add(
          r.path("address"),
          "expected a host name or IP address (no scheme or port), got \"" + *address + "\"");
    }
    sw.address = *address;
  }
  if (auto t = r.choice("transport", {"https", "http"})) {
    sw.transport = *t == 0 ? Transport::kHttps : Transport::kHttp;
  }
  sw.port = sw.transport == Transport::kHttps ? 443 : 80;
  if (auto port = r.integer("port", 1, 65535)) sw.port = static_cast<std::uint16_t>(*port);
  sw.poll_interval_s = r.integer("poll_interval_s", 1, 86400).value_or(sw.poll_interval_s);
  sw.credential = read_credential(r, problems, base_dir);
  sw.tls = read_tls(r, problems, base_dir);
  r.done();
  return sw;
}

ApiConfig read_api(ObjectReader& top, Problems& problems, const std::string& base_dir) {
  ApiConfig api;
  api.tokens_file = absolute(base_dir, "tokens.json");
  const json* v = top.get("api", false);
  if (v == nullptr) return api;
  ObjectReader r(*v, "api", problems);
  if (auto listen = r.string("listen", false)) {
    if (auto ep = parse_endpoint(*listen)) {
      api.listen = *ep;
    } else {
      problems.add("api.listen", "expected host:port (or [v6]:port), got \"" + *listen + "\"");
    }
  }
  if (auto f = r.string("tokens_file", false)) api.tokens_file = absolute(base_dir, *f);
  if (const json* tls = r.get("tls", false)) {
    ObjectReader t(*tls, "api.tls", problems);
    if (auto c = t.string("cert_file", true)) api.tls_cert_file = absolute(base_dir, *c);
    if (auto k = t.string("key_file", true)) api.tls_key_file = absolute(base_dir, *k);
    t.done();
  }
  if (auto w = r.string("web_root", false)) {
    api.web_root = absolute(base_dir, *w);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(api.web_root) / "index.html", ec)) {
      problems.add("api.web_root", "no web viewer in \"" + api.web_root +
                                       "\" (no index.html there); point it at the directory the "
                                       "build writes (BUILD_DIR/web), or leave it out");
    }
  }
  api.allow_insecure_http = r.boolean("allow_insecure_http").value_or(false);
  if (!api.tls() && !is_loopback(api.listen.host) && !api.allow_insecure_http &&
      r.get("listen", false) != nullptr && r.get("tls", false) == nullptr) {
    problems.add("api.listen",
                 "plain HTTP on the non-loopback address " + api.listen.host +
                     " would expose API tokens; set api.tls (cert_file, key_file), or "
                     "allow_insecure_http: true");
  }
  r.done();
  return api;
}

// `require_all`: every key must be given (a replacement through the API), not only managed_vlans.
PolicyConfig read_policy_object(ObjectReader& r, Problems& problems, bool require_all) {
  PolicyConfig p;
  if (auto vlans = r.string("managed_vlans", true)) {
    try {
      p.managed_vlans = VlanSet::parse(*vlans);
    } catch (const VlanSetError& e) {
      problems.add(r.path("managed_vlans"), e.what());
    }
  }
  if (auto m = r.choice("mode", {"on-demand", "cluster", "portgroup"}, require_all)) {
    p.mode = static_cast<PlanMode>(*m);
  }
  p.prune_delay_s = r.integer("prune_delay_s", 0, 7 * 86400, require_all).value_or(p.prune_delay_s);
  p.max_removals_per_cycle = r.integer("max_removals_per_cycle", 1, 1'000'000, require_all)
                                 .value_or(p.max_removals_per_cycle);
  if (auto a = r.choice("apply", {"auto", "dry-run"}, require_all)) {
    p.apply = static_cast<ApplyMode>(*a);
  }
  r.done();
  return p;
}

PolicyConfig read_policy(ObjectReader& top, Problems& problems) {
  const json* v = top.get("policy", true);
  if (v == nullptr) return PolicyConfig{};
  ObjectReader r(*v, "policy", problems);
  return read_policy_object(r, problems, false);
}

AuditConfig read_audit(ObjectReader& top, Problems& problems) {
  AuditConfig a;
  const json* v = top.get("audit", false);
  if (v == nullptr) return a;
  ObjectReader r(*v, "audit", problems);
  a.interval_s = r.integer("interval_s", 0, 7 * 86400).value_or(a.interval_s);
  if (a.interval_s != 0 && a.interval_s < 10) {
    problems.add("audit.interval_s", "expected 0 (no scheduled audits) or at least 10, got " +
                                         std::to_string(a.interval_s));
  }
  // `false` is accepted as "none" (the shape of early example configs).
  const json* rem = r.get("remediate", false);
  if (rem != nullptr && rem->is_boolean() && !rem->get<bool>()) {
    a.remediate = Remediation::kNone;
  } else if (auto m = r.choice("remediate", {"none", "add-only", "full"})) {
    a.remediate = static_cast<Remediation>(*m);
  }
  a.retention_days = r.integer("retention_days", 1, 3650).value_or(a.retention_days);
  r.done();
  return a;
}

// Byte offset -> "line:column" (1-based) for syntax errors.
std::string position(std::string_view text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : Error([&] {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
        return all;
      }()),
      problems_(std::move(problems)) {}

namespace {

// The password in a password_file: its content without trailing newlines.
std::optional<std::string> read_password_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

Secret Credential::resolve(std::string_view what) const {
  if (auto p = problem()) throw ConfigError({std::string(what) + ": " + *p});
  if (!password_env.empty()) return Secret(std::getenv(password_env.c_str()));
  return Secret(*read_password_file(password_file));
}

std::optional<std::string> Credential::problem() const {
  if (!password_env.empty()) {
    const char* v = std::getenv(password_env.c_str());
    if (v == nullptr) return "environment variable " + password_env + " is not set";
    if (*v == '\0') return "environment variable " + password_env + " is empty";
    return std::nullopt;
  }
  const auto value = read_password_file(password_file);
  if (!value) return "cannot read password_file " + password_file;
  if (value->empty()) return "password_file " + password_file + " is empty";
  return std::nullopt;
}

namespace {

// Parses JSON with comments. Throws ConfigError "<name>:<line>:<column>: invalid JSON: ...", or
// "line L, column C: invalid JSON: ..." without a name.
json parse_json(std::string_view text, std::string_view name) {
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // nlohmann's message carries its own "[json.exception...] parse error at line..." prefix.
    std::string what = e.what();
    const std::size_t colon = what.find(": ", what.find("parse error"));
    std::string where = position(text, e.byte == 0 ? 0 : e.byte - 1);
    if (name.empty()) {
      where = "line " + where.replace(where.find(':'), 1, ", column ");
    } else {
      where = std::string(name) + ":" + where;
    }
    throw ConfigError({where + ": invalid JSON: " +
                       (colon == std::string::npos ? what : what.substr(colon + 2))});
  } catch (const json::out_of_range& e) {
    // A number beyond a double (1e999), which nlohmann reports without a position.
    const std::string what = e.what();
    const std::size_t prefix = what.find("] ");
    throw ConfigError(
        {(name.empty() ? std::string() : std::string(name) + ": ") +
         "invalid JSON: " + (prefix == std::string::npos ? what : what.substr(prefix + 2))});
  }
}

// One entry given alone (the API's request bodies, the entries it persisted): the same reader as
// in a config file, problems named "<path>.<key>" ("switches[].port").
template <class Read>
auto parse_entry(std::string_view text, std::string path, Read read) {
  const json doc = parse_json(text, "");
  Problems problems("");
  ObjectReader r(doc, std::move(path), problems);
  if (!r.ok()) throw ConfigError(problems.take());
  auto entry = read(r, problems);
  if (!problems.empty()) throw ConfigError(problems.take());
  return entry;
}

}  // namespace

SwitchConfig parse_switch_entry(std::string_view text, const std::string& base_dir) {
  return parse_entry(text, "switches[]", [&](ObjectReader& r, Problems& problems) {
    return read_switch(r, problems, base_dir);
  });
}

VCenterConfig parse_vcenter_entry(std::string_view text, const std::string& base_dir) {
  return parse_entry(text, "vcenters[]", [&](ObjectReader& r, Problems& problems) {
    return read_vcenter(r, problems, base_dir);
  });
}

PolicyConfig parse_policy_entry(std::string_view text) {
  return parse_entry(text, "policy", [](ObjectReader& r, Problems& problems) {
    return read_policy_object(r, problems, true);
  });
}

std::string policy_entry(const PolicyConfig& policy) {
  return json{{"managed_vlans", policy.managed_vlans.to_string()},
              {"mode", to_string(policy.mode)},
              {"prune_delay_s", policy.prune_delay_s},
              {"max_removals_per_cycle", policy.max_removals_per_cycle},
              {"apply", to_string(policy.apply)}}
      .dump();
}

Config parse_config(std::string_view text, std::string_view name, const std::string& base_dir) {
  Problems problems(name);
  const json doc = parse_json(text, name);

  Config cfg;
  ObjectReader top(doc, "", problems);
  if (!top.ok()) throw ConfigError(problems.take());

  if (auto db = top.string("database", true)) cfg.database = absolute(base_dir, *db);
  if (auto level = top.choice("log_level", {"debug", "info", "warn", "error"})) {
    cfg.log_level = std::vector<std::string>{"debug", "info", "warn", "error"}[*level];
  }
  cfg.api = read_api(top, problems, base_dir);
  std::vector<std::pair<std::string, std::size_t>> vcenter_names;
  read_array(top, "vcenters", problems, [&](ObjectReader& r, std::size_t i) {
    cfg.vcenters.push_back(read_vcenter(r, problems, base_dir));
    vcenter_names.emplace_back(cfg.vcenters.back().name, i);
  });
  std::vector<std::pair<std::string, std::size_t>> switch_names;
  read_array(top, "switches", problems, [&](ObjectReader& r, std::size_t i) {
    cfg.switches.push_back(read_switch(r, problems, base_dir));
    switch_names.emplace_back(cfg.switches.back().name, i);
  });
  check_unique_names(vcenter_names, "vcenters", problems);
  check_unique_names(switch_names, "switches", problems);
  cfg.policy = read_policy(top, problems);
  cfg.audit = read_audit(top, problems);
  top.done();

  if (!problems.empty()) throw ConfigError(problems.take());
  return cfg;
}

Config load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError({path + ": cannot read the config file (it is a directory)"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError({path + ": cannot read the config file (" +
                       (std::filesystem::exists(path) ? std::string("permission denied")
                                                      : std::string("no such file")) +
                       ")"});
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::filesystem::path p = std::filesystem::absolute(path);
  Config cfg = parse_config(buf.str(), path, p.parent_path().string());
  cfg.path = p.string();
  return cfg;
}

const char* to_string(PlanMode mode) {
  switch (mode) {
    case PlanMode::kOnDemand:
      return "on-demand";
    case PlanMode::kCluster:
      return "cluster";
    case PlanMode::kPortgroup:
      return "portgroup";
  }
  return "on-demand";
}

const char* to_string(ApplyMode mode) { return mode == ApplyMode::kAuto ? "auto" : "dry-run"; }

const char* to_string(Remediation remediation) {
  switch (remediation) {
    case Remediation::kNone:
      return "none";
    case Remediation::kAddOnly:
      return "add-only";
    case Remediation::kFull:
      return "full";
  }
  return "none";
}

}  // namespace vmfabric
