// Shared by the benchmark programs: their command-line options and the generated spine-leaf
// fabric that the EOS emulator serves them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vmfabric::testing {

// The value after `name` on the command line ("--switches 50"), or `fallback`.
double bench_option(int argc, char** argv, const std::string& name, double fallback);

// Raises this process's soft limit on open files (inherited by the lab's processes) to at least
// `need`, up to the hard limit; false when the hard limit is below `need`. Every emulated switch
// costs vmfabricd and the emulator a few file descriptors.
bool raise_fd_limit(unsigned long need);

constexpr int kBenchSpines = 4;
inline std::string bench_spine(int i) { return "spine" + std::to_string(i + 1); }
inline std::string bench_leaf(int i) { return "leaf" + std::to_string(i + 1); }

// A lab topology (tests/sim/TOPOLOGY.md) without vCenter: kBenchSpines spines and `leaves`
// leaves, every leaf cabled to every spine (leaf N's Ethernet49-52 to Ethernet N of each spine).
nlohmann::json spine_leaf_fabric(int leaves);

}  // namespace vmfabric::testing
