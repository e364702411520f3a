// Small text helpers shared by the components' messages and logs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vmfabric {

// `parts` with `separator` between each two: join({"a", "b"}, "; ") == "a; b".
inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

}  // namespace vmfabric
