// Fuzzes the eAPI codec and the `show` readers: the body as a JSON-RPC response (with the id and
// the command count it claims, so that well-formed envelopes reach the results), then every
// reader over each result and over the body itself (a bare `show` result, as the captures hold).
// EapiError and EapiResponseError are the documented answers to a bad body; anything else
// escaping, or a sanitizer report, is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "southbound/readers.h"

using namespace vmfabric::southbound;
using nlohmann::json;

namespace {

template <typename F>
void attempt(F&& f) {
  try {
    f();
  } catch (const EapiError&) {
  } catch (const EapiResponseError&) {
  }
}

void read_all(const json& result) {
  attempt([&] { read_facts(result, result); });
  attempt([&] { read_vlans(result); });
  attempt([&] { read_switchports(result); });
  attempt([&] { read_interface_status(result); });
  attempt([&] { read_lldp_neighbors(result); });
  attempt([&] { read_port_channels(result); });
  attempt([&] { read_mlag(result); });
  attempt([&] { read_foreign_sessions(result); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string id = "1";
  std::size_t count = 1;
  if (doc.is_object()) {
    if (const auto it = doc.find("id"); it != doc.end() && it->is_string()) id = *it;
    if (const auto it = doc.find("result"); it != doc.end() && it->is_array()) count = it->size();
  }
  attempt([&] {
    const std::vector<json> results = parse_response(body, id, count);
    if (results.size() != count) __builtin_trap();  // one result per command, or an error
    for (const json& r : results) read_all(r);
  });
  if (!doc.is_discarded()) read_all(doc);
  return 0;
}
