// GET /metrics: what an operator alerts on, in the Prometheus text exposition format (0.0.4).
// render_metrics is pure (no clock, no I/O): from the latest graph snapshot, the reconciler's
// counters and the API's own request counters to the text. See README.md ("Metrics") for the
// families.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/runner.h"
#include "graph/graph.h"
#include "northbound/events/events.h"
#include "reconcile/reconciler.h"
#include "southbound/eapi_stats.h"
#include "store/write_health.h"

namespace vmfabric::northbound::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Requests the API answered, by route pattern ("/api/v1/vms/{name}"; "unmatched" for a path no
// route knows, so that the label set stays bounded) and status class ("2xx"). Thread-safe.
class RequestCounters {
 public:
  struct Count {
    std::string route;
    std::string status_class;
    std::uint64_t requests = 0;
  };

  void add(std::string_view route, int status);
  // Every count, ordered by route and class.
  std::vector<Count> counts() const;

 private:
  // Per route, the requests of each status class: 1xx to 5xx, then any other status. Looked up
  // by the route's view and indexed by the class: add() allocates only for a route's first
  // request.
  using Classes = std::array<std::uint64_t, 6>;
  mutable std::mutex mutex_;
  std::map<std::string, Classes, std::less<>> counts_;
};

struct MetricsInput {
  const Snapshot* graph = nullptr;  // never null
  // Nothing when no reconciler runs (its families are left out).
  std::optional<reconcile::ReconcilerStats> reconciler;
  std::vector<RequestCounters::Count> requests;
  // Nothing when no audit runner runs (its families are left out).
  std::optional<audit::AuditStats> audits;
  // Nothing when the API has no live events (their families are left out).
  std::optional<events::HubStats> events;
  // The eAPI requests to each switch that made one.
  std::vector<southbound::EapiSwitchStats> eapi;
  // Nothing when there is no database writer (its families are left out).
  std::optional<StoreHealth> store;
  // Unix milliseconds now: how old each vCenter's last update is.
  std::int64_t now_ms = 0;
};

// The exposition: each family once, with HELP and TYPE, its samples ordered by labels.
std::string render_metrics(const MetricsInput& input);

// A label value as the exposition format quotes it: backslash, double quote and line feed
// escaped (\\, \", \n).
std::string escape_label_value(std::string_view value);

}  // namespace vmfabric::northbound::api
