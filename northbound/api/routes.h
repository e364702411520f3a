// The /api/v1 read endpoints, /healthz and /metrics, registered on a Router over an ApiSource. Each
// request reads one View, cached per graph snapshot and plan, so concurrent requests share the
// indexes and never touch the graph's writer.
#pragma once

#include <atomic>
#include <memory>

#include "northbound/api/metrics.h"
#include "northbound/api/view.h"
#include "northbound/router/router.h"

namespace vmfabric::northbound::api {

class Endpoints {
 public:
  explicit Endpoints(const ApiSource& source);

  // Adds every endpoint to `router`. `this` must outlive it.
  void add_to(router::Router& router);

  // The View of the source's latest snapshot and plan.
  std::shared_ptr<const View> view() const;

  // Counts an answered request for /metrics: `route` is the pattern the router matched ("" for
  // none). Thread-safe.
  void count_request(std::string_view route, int status) const;

 private:
  const ApiSource& source_;
  mutable RequestCounters requests_;
  mutable std::atomic<std::shared_ptr<const View>> view_;
};

}  // namespace vmfabric::northbound::api
