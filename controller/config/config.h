// The daemon's configuration: JSON with comments, shape documented in README.md. Loading
// validates everything up front and reports every problem with its path
// (`config.json: switches[2].port: expected an integer 1-65535, got "abc"`). Credentials are
// references (an environment variable or a file), resolved only when used; a literal password
// in the file is refused. Relative paths are taken from the config file's directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/secret.h"
#include "model/error.h"
#include "model/vlan_set.h"

namespace vmfabric {

class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Where a password comes from: exactly one of the two is set.
struct Credential {
  std::string username;
  std::string password_env;  // name of an environment variable
  std::string
      password_file;  // absolute path of a file holding the password (trailing newline dropped)

  // Reads the password now. Throws ConfigError naming the variable or file when it is unset,
  // unreadable or empty (`what` names the peer: "vcenter vc1").
  Secret resolve(std::string_view what) const;
  // Why `resolve` would fail right now, or nothing when it would succeed.
  std::optional<std::string> problem() const;
};

// How to trust a peer's TLS certificate. Default: verify against the system CAs.
struct TlsTrust {
  std::string ca_file;             // verify against this CA bundle instead
  std::string fingerprint_sha256;  // pin the leaf certificate: 64 lowercase hex digits, no colons
  bool insecure = false;           // no verification at all (logged loudly)
};

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct ApiConfig {
  Endpoint listen{"127.0.0.1", 8080};
  std::string tokens_file;
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
  bool allow_insecure_http = false;  // plain HTTP on a non-loopback address
  // The web viewer's files; empty: the installed or built one (northbound/web/web_root.h).
  std::string web_root;
  bool tls() const { return !tls_cert_file.empty(); }
};

struct VCenterConfig {
  std::string name;
  std::string url;  // as written
  bool https = true;
  Endpoint endpoint;
  std::string path;  // "/sdk"
  Credential credential;
  TlsTrust tls;
};

enum class Transport { kHttps, kHttp };

struct SwitchConfig {
  std::string name;
  std::string address;
  std::uint16_t port = 443;
  Transport transport = Transport::kHttps;
  std::int64_t poll_interval_s = 30;  // how often the switch's state is read
  Credential credential;
  TlsTrust tls;
};

enum class PlanMode { kOnDemand, kCluster, kPortgroup };
enum class ApplyMode { kAuto, kDryRun };
enum class Remediation { kNone, kAddOnly, kFull };

struct PolicyConfig {
  VlanSet managed_vlans;
  PlanMode mode = PlanMode::kOnDemand;
  std::int64_t prune_delay_s = 300;
  std::int64_t max_removals_per_cycle = 200;
  ApplyMode apply = ApplyMode::kAuto;
};

struct AuditConfig {
  std::int64_t interval_s = 900;  // 0: no scheduled audits
  Remediation remediate = Remediation::kNone;
  std::int64_t retention_days = 30;
};

struct Config {
  std::string path;  // the file it came from
  std::string database;
  std::string log_level = "info";
  ApiConfig api;
  std::vector<VCenterConfig> vcenters;
  std::vector<SwitchConfig> switches;
  PolicyConfig policy;
  AuditConfig audit;
};

// Reads and validates a config file. Throws ConfigError listing every problem found.
Config load_config(const std::string& path);
// The same from text; `name` prefixes messages and `base_dir` anchors relative paths.
Config parse_config(std::string_view text, std::string_view name, const std::string& base_dir);

// One entry of the config file's `switches` or `vcenters` array, or its `policy` object, given
// alone as JSON text (the API's request bodies and what it persisted): validated exactly as in a
// config file. Throws ConfigError listing every problem, named "switches[].port: ...",
// "vcenters[].url: ...", "policy.mode: ..." (invalid JSON: "line L, column C: invalid JSON: ...").
// A policy entry must give every key.
SwitchConfig parse_switch_entry(std::string_view text, const std::string& base_dir);
VCenterConfig parse_vcenter_entry(std::string_view text, const std::string& base_dir);
PolicyConfig parse_policy_entry(std::string_view text);
// A policy as the JSON text parse_policy_entry reads.
std::string policy_entry(const PolicyConfig& policy);

const char* to_string(PlanMode mode);
const char* to_string(ApplyMode mode);
const char* to_string(Remediation remediation);

}  // namespace vmfabric
