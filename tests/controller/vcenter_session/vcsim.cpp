#include "vcsim.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <future>

namespace vmfabric::testing {

using namespace std::chrono_literals;

Pipeline::~Pipeline() { stop_sessions(); }

vcenter::SessionOptions Pipeline::fast_options() {
  vcenter::SessionOptions o;
  o.max_wait = std::chrono::seconds(5);
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(500);
  o.limits.connect_timeout = std::chrono::milliseconds(2000);
  o.limits.request_timeout = std::chrono::milliseconds(10000);
  return o;
}

void Pipeline::add_session(VCenterConfig config, vcenter::SessionOptions options) {
  const std::string source = "vcenter " + config.name;
  sessions_.push_back(std::make_unique<vcenter::VCenterSession>(
      executor(), std::move(config),
      [this, source](Delta d) { writer().submit(std::move(d), source); }, options));
  sessions_.back()->start();
}

void Pipeline::stop_sessions() {
  for (auto& s : sessions_) {
    std::promise<void> stopped;
    s->stop([&] { stopped.set_value(); });
    stopped.get_future().wait_for(30s);
  }
  sessions_.clear();
  flush();
}

const Vm* vm_named(const Snapshot& g, const std::string& vcenter, const std::string& name) {
  for (const Vm& vm : g.all<Vm>()) {
    if (vm.id.vcenter.str() == vcenter && vm.name == name) return &vm;
  }
  return nullptr;
}

const Host* host_named(const Snapshot& g, const std::string& vcenter, const std::string& name) {
  for (const Host& h : g.all<Host>()) {
    if (h.id.vcenter.str() == vcenter && h.name == name) return &h;
  }
  return nullptr;
}

const VCenter* vcenter_of(const Snapshot& g, const std::string& name) {
  return g.find<VCenter>(VCenterId(name));
}

}  // namespace vmfabric::testing
