#include <charconv>
#include <functional>
#include <map>

#include "tests/sim/eos/server.h"

namespace vmfabric::eos_sim {

const char* const kUsage =
    "usage: vmfabric-eos --topology FILE [--listen ADDRESS] [--tls-cert PEM --tls-key PEM]\n"
    "                    [--user NAME:PASSWORD[:ro]]... [--latency-ms N] [--threads N]\n"
    "                    [--control-port N] [--base-port N] [--log-level debug|info|warn]\n";

namespace {

int parse_int(const std::string& flag, const std::string& text, int min, int max) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw UsageError(flag + ": expected an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

// Milliseconds, fractions allowed ("5.5").
std::chrono::microseconds parse_latency(const std::string& flag, const std::string& text) {
  double ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || !(ms >= 0 && ms <= 3600000)) {
    throw UsageError(flag + ": expected milliseconds from 0 to 3600000, got '" + text + "'");
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
}

// NAME:PASSWORD or NAME:PASSWORD:ro (so a password cannot end in ":ro").
User parse_user(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError("--user: expected NAME:PASSWORD[:ro], got an argument without a name");
  }
  User user;
  user.name = text.substr(0, colon);
  user.password = text.substr(colon + 1);
  constexpr std::string_view kReadOnly = ":ro";
  if (user.password.ends_with(kReadOnly)) {
    user.read_only = true;
    user.password.resize(user.password.size() - kReadOnly.size());
  }
  return user;
}

}  // namespace

ServerOptions parse_options(const std::vector<std::string>& args) {
  ServerOptions options;
  const auto port = [](const std::string& flag, const std::string& v) {
    return static_cast<std::uint16_t>(parse_int(flag, v, 0, 65535));
  };
  const std::map<std::string, std::function<void(const std::string&, const std::string&)>> flags = {
      {"--topology", [&](auto&, auto& v) { options.topology_file = v; }},
      {"--listen", [&](auto&, auto& v) { options.listen = v; }},
      {"--tls-cert", [&](auto&, auto& v) { options.tls_cert = v; }},
      {"--tls-key", [&](auto&, auto& v) { options.tls_key = v; }},
      {"--user", [&](auto&, auto& v) { options.users.push_back(parse_user(v)); }},
      {"--latency-ms", [&](auto& f, auto& v) { options.latency = parse_latency(f, v); }},
      {"--threads", [&](auto& f, auto& v) { options.threads = parse_int(f, v, 1, 256); }},
      {"--control-port", [&](auto& f, auto& v) { options.control_port = port(f, v); }},
      {"--base-port", [&](auto& f, auto& v) { options.base_port = port(f, v); }},
      {"--log-level", [&](auto&, auto& v) { options.log_level = v; }},
  };
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const auto flag = flags.find(args[i]);
    if (flag == flags.end()) throw UsageError("unknown argument '" + args[i] + "'");
    if (i + 1 >= args.size()) throw UsageError(args[i] + ": missing value");
    flag->second(args[i], args[i + 1]);
  }
  if (options.topology_file.empty()) throw UsageError("--topology: required");
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    throw UsageError("--tls-cert and --tls-key: give both or neither");
  }
  if (options.users.empty()) options.users.push_back(User{"admin", "admin", false});
  return options;
}

}  // namespace vmfabric::eos_sim
