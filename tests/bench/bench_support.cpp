#include "bench_support.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace vmfabric::testing {

using nlohmann::json;

double bench_option(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atof(argv[i + 1]);
  }
  return fallback;
}

bool raise_fd_limit(unsigned long need) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= need) return true;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = std::min(static_cast<rlim_t>(need), limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  std::printf("  (raised the soft open-files limit from %llu to %llu for the switches)\n",
              static_cast<unsigned long long>(before),
              static_cast<unsigned long long>(limit.rlim_cur));
  return limit.rlim_cur >= need;
}

json spine_leaf_fabric(int leaves) {
  json switches = json::array(), links = json::array();
  auto add_switch = [&](const std::string& name, int index, int ports) {
    char mac[32];
    std::snprintf(mac, sizeof mac, "00:1c:73:%02x:%02x:%02x", index >> 16, (index >> 8) & 0xff,
                  index & 0xff);
    switches.push_back({{"name", name},
                        {"role", name.starts_with("spine") ? "spine" : "leaf"},
                        {"model", "DCS-7050SX3-48YC8"},
                        {"serial", "SSJ" + std::to_string(100000 + index)},
                        {"system_mac", mac},
                        {"ethernet_ports", ports}});
  };
  for (int s = 0; s < kBenchSpines; ++s) add_switch(bench_spine(s), s, std::max(leaves, 1));
  for (int l = 0; l < leaves; ++l) {
    add_switch(bench_leaf(l), kBenchSpines + l, 52);
    for (int s = 0; s < kBenchSpines; ++s) {
      links.push_back({{"a", bench_spine(s) + ":Ethernet" + std::to_string(l + 1)},
                       {"b", bench_leaf(l) + ":Ethernet" + std::to_string(49 + s)}});
    }
  }
  return {{"fabric",
           {{"admin_vlans", json::array({{{"id", 10}, {"name", "mgmt"}}})},
            {"switches", switches},
            {"links", links},
            {"mlag", json::array()},
            {"port_channels", json::array()}}},
          {"vcenters", json::array()}};
}

}  // namespace vmfabric::testing
