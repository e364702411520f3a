#include "scenario.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>

namespace vmfabric::testing {

using nlohmann::json;

Commit parse_commit(const json& entry) {
  Commit c;
  c.sw = entry["switch"].get<std::string>();
  c.session = entry["session"].get<std::string>();
  c.time_ms = entry["time"].get<double>() * 1000;
  const std::string add = "switchport trunk allowed vlan add ";
  const std::string remove = "switchport trunk allowed vlan remove ";
  const std::string no_vlan = "no vlan ";
  std::string interface;
  for (const json& command : entry["commands"]) {
    const std::string line = command.get<std::string>();
    if (line.starts_with("interface ")) interface = line.substr(10);
    if (!interface.empty() && line.starts_with(add)) {
      c.added[interface] |= VlanSet::parse(line.substr(add.size()));
    }
    if (!interface.empty() && line.starts_with(remove)) {
      c.removed[interface] |= VlanSet::parse(line.substr(remove.size()));
    }
    if (line.starts_with(no_vlan)) c.deleted |= VlanSet::parse(line.substr(no_vlan.size()));
  }
  return c;
}

std::vector<json> journal_since(EosEmulator& fabric, std::uint64_t since) {
  std::vector<json> out;
  for (const std::string& sw : fabric.switch_names()) {
    for (json& entry : fabric.journal(sw, since)) out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["seq"].get<std::uint64_t>() < b["seq"].get<std::uint64_t>();
  });
  return out;
}

std::uint64_t journal_head(EosEmulator& fabric) {
  std::uint64_t head = 0;
  for (const json& e : journal_since(fabric, 0))
    head = std::max(head, e["seq"].get<std::uint64_t>());
  return head;
}

std::optional<double> planned_ms(const std::string& session) {
  const auto first = session.find('-'), last = session.rfind('-');
  if (!session.starts_with("vmfabric-") || first == last) return std::nullopt;
  return std::stod(session.substr(first + 1, last - first - 1));
}

std::optional<double> log_time_ms(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(line.c_str(), "ts=%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000 + ms;
}

std::string log_field(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  const auto at = line.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t from = at + needle.size();
  return line.substr(from, line.find(' ', from) - from);
}

std::vector<double> log_times(const std::vector<std::string>& log, const std::string& event) {
  std::vector<double> out;
  const std::string needle = " event=" + event + " ";
  for (const std::string& line : log) {
    if ((line + " ").find(needle) == std::string::npos) continue;
    if (const auto t = log_time_ms(line)) out.push_back(*t);
  }
  return out;
}

std::optional<double> first_at_or_after(const std::vector<double>& times, double t) {
  const auto it = std::lower_bound(times.begin(), times.end(), t);
  if (it == times.end()) return std::nullopt;
  return *it;
}

double percentile(std::vector<double> sample, double p) {
  if (sample.empty()) return 0;
  std::sort(sample.begin(), sample.end());
  return sample[std::min(sample.size() - 1,
                         static_cast<std::size_t>(p * static_cast<double>(sample.size())))];
}

void print_header(const std::string& unit) {
  std::printf("  %-48s %8s %8s %8s %8s\n", unit.c_str(), "p50", "p90", "p99", "max");
}

void print_row(const std::string& what, const std::vector<double>& ms) {
  std::printf("  %-48s %8.1f %8.1f %8.1f %8.1f   (n=%zu)\n", what.c_str(), percentile(ms, 0.5),
              percentile(ms, 0.9), percentile(ms, 0.99),
              ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), ms.size());
}

double process_cpu_s(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // After "PID (comm) ": the state, then 10 fields before utime and stime (proc(5)).
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 0; i < 11; ++i) fields >> field;
  double user = 0, system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double process_memory_mib(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(field + ":")) return std::atof(line.c_str() + field.size() + 1) / 1024;
  }
  return 0;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", one, five, fifteen);
  return buf;
}

}  // namespace vmfabric::testing
