// Fuzzes the vSphere SOAP codec: every response parser over the same body, as the session hands
// it whatever vCenter (or anything at its URL) sent. A VimError (SoapFault, ResponseError) is
// the documented answer to a bad body; anything else escaping, or a sanitizer report, is a bug.
#include "vcenter/soap.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace vmfabric::vcenter;

namespace {

template <typename F>
void parse(F&& f) {
  try {
    f();
  } catch (const VimError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const ObjectRef vm{"VirtualMachine", "vm-42"};
  // The read-ahead never throws; where it misreads (markup in comments), the session's check
  // against the parse catches it.
  (void)truncated_update_version(body);
  parse([&] { parse_wait_for_updates(body); });
  parse([&] { parse_refresh(vm, body); });
  parse([&] { parse_service_content(body); });
  parse([&] { parse_login(body); });
  parse([&] { parse_created("CreateFilter", body); });
  parse([&] { parse_empty("CancelWaitForUpdates", body); });
  parse([&] { parse_keep_alive(body); });
  parse([&] { parse_network_hint(body); });
  return 0;
}
