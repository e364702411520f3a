// VCenterSession: follows one vCenter live over the vSphere SOAP API. It logs in, syncs the whole
// inventory, then streams changes (PropertyCollector WaitForUpdatesEx), migration events and
// QueryNetworkHint answers, turning them into graph Deltas for the writer. On any failure it
// marks the vCenter out of sync (the planner then prunes nothing for it), backs off, logs in
// again and resyncs, removing what vanished meanwhile.
//
// One strand per session: a slow or dead vCenter never delays another. A large update set comes
// in parts (maxObjectUpdates); each part is parsed on another thread of the executor while the
// strand fetches the next, so that vCenter builds it meanwhile.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "config/config.h"
#include "graph/graph.h"
#include "net/http_client.h"

namespace vmfabric::vcenter {

struct SessionOptions {
  // How long one WaitForUpdatesEx may wait for a change (well below vCenter's 30-minute idle
  // timeout; the session also sends a keep-alive between polls).
  std::chrono::seconds max_wait{30};
  int max_object_updates = 1000;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::seconds keep_alive_interval{600};
  // Every host's QueryNetworkHint is read again at this interval (new hosts at once).
  std::chrono::seconds hint_interval{600};
  // The migration events every update carries (the latestPage watched). When more arrive
  // between two updates, vCenter's largest page (1,000) is read instead. 100 covers 0.6 s of a
  // storm of 80 moves per second.
  int event_page = 100;
  net::HttpLimits limits;
};

class VCenterSession {
 public:
  // Receives every Delta, in order, from the session's strand.
  using Sink = std::function<void(Delta delta)>;

  VCenterSession(boost::asio::any_io_executor executor, VCenterConfig config, Sink sink,
                 SessionOptions options = {});
  ~VCenterSession();
  VCenterSession(const VCenterSession&) = delete;
  VCenterSession& operator=(const VCenterSession&) = delete;

  // Starts following the vCenter (returns at once).
  void start();
  // Stops: ends the long poll, logs out (best effort), marks the vCenter disconnected, then
  // calls `done` (from the session's strand). Thread-safe.
  void stop(std::function<void()> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vmfabric::vcenter
