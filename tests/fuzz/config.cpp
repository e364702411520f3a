// Fuzzes the config loader on JSON-with-comments text. ConfigError (every problem listed) is
// the documented answer to a bad file and must list at least one problem; anything else
// escaping, or a sanitizer report, is a bug. Relative paths resolve under a directory that does
// not exist, so that the loader's file checks find nothing.
#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    vmfabric::parse_config(text, "fuzz.json", "/nonexistent/vmfabric-fuzz");
  } catch (const vmfabric::ConfigError& e) {
    if (e.problems().empty()) __builtin_trap();
  }
  return 0;
}
