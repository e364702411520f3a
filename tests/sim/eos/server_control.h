// The emulator's control endpoint: tests inspect switch state and inject faults through it
// (routes in README.md here).
#pragma once

#include "tests/sim/eos/engine.h"
#include "tests/sim/eos/server_http.h"
#include "tests/sim/eos/server_switches.h"

namespace vmfabric::eos_sim {

class ControlApi {
 public:
  ControlApi(Fabric& fabric, SwitchTable& switches) : fabric_(fabric), switches_(switches) {}
  Reply handle(const HttpRequest& request);

 private:
  Fabric& fabric_;
  SwitchTable& switches_;
};

}  // namespace vmfabric::eos_sim
