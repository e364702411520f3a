#include "northbound/api/metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <span>
#include <tuple>

#include "northbound/api/render.h"

namespace vmfabric::northbound::api {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

std::string number(std::uint64_t n) { return std::to_string(n); }

std::string number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  // Fixed notation ("0.0005", not "5e-04"), shortest round-trip; general for huge values.
  std::array<char, 128> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
  if (r.ec != std::errc()) r = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  return std::string(buf.data(), r.ptr);
}

// Unix milliseconds as seconds with three decimals, exactly.
std::string seconds_of_ms(std::int64_t ms) {
  std::array<char, 32> buf{};
  const long long whole = ms / 1000;
  const long long frac = ms % 1000;
  std::snprintf(buf.data(), buf.size(), "%lld.%03lld", whole, frac < 0 ? -frac : frac);
  return buf.data();
}

std::string escape_help(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, const Labels& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += escape_label_value(v);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// One histogram's samples: the buckets, cumulative, up to +Inf, then _sum and _count. `buckets`
// are not cumulative and have one more entry than `bounds` (over every bound).
void histogram(Exposition& x, const std::string& name, const Labels& labels,
               std::span<const double> bounds, std::span<const std::uint64_t> buckets, double sum) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += buckets[i];
    Labels with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    x.sample(name + "_bucket", with_le, number(cumulative));
  }
  x.sample(name + "_sum", labels, number(sum));
  x.sample(name + "_count", labels, number(cumulative));
}

constexpr std::array<Reachability, 4> kReachabilities = {
    Reachability::kUnknown, Reachability::kReachable, Reachability::kUnreachable,
    Reachability::kAuthFailed};
constexpr std::array<SessionState, 3> kSessionStates = {
    SessionState::kDisconnected, SessionState::kConnecting, SessionState::kConnected};

void graph_metrics(Exposition& x, const Snapshot& g, std::int64_t now_ms) {
  x.family("vmfabric_graph_version", "gauge",
           "Version of the topology graph snapshot these metrics were read from.");
  x.sample("vmfabric_graph_version", {}, number(static_cast<std::uint64_t>(g.version())));

  x.family("vmfabric_graph_entities", "gauge", "Entities in the topology graph, by kind.");
  const std::array<std::pair<const char*, std::size_t>, 8> kinds = {{
      {"cluster", g.count<Cluster>()},
      {"host", g.count<Host>()},
      {"interface", g.count<Interface>()},
      {"link", g.count<Link>()},
      {"port_channel", g.count<PortChannel>()},
      {"switch", g.count<Switch>()},
      {"vcenter", g.count<VCenter>()},
      {"vm", g.count<Vm>()},
  }};
  for (const auto& [kind, n] : kinds) {
    x.sample("vmfabric_graph_entities", {{"kind", kind}}, number(static_cast<std::uint64_t>(n)));
  }

  const auto& vcenters = g.all<VCenter>();
  x.family("vmfabric_vcenter_up", "gauge",
           "1 when vmfabricd's session to the vCenter is connected, else 0.");
  for (const VCenter& vc : vcenters) {
    x.sample("vmfabric_vcenter_up", {{"vcenter", vc.id.str()}},
             vc.session == SessionState::kConnected ? "1" : "0");
  }
  x.family("vmfabric_vcenter_session_state", "gauge",
           "The state of vmfabricd's session to the vCenter: 1 for the current state, 0 for the "
           "others.");
  for (const VCenter& vc : vcenters) {
    for (const SessionState s : kSessionStates) {
      x.sample("vmfabric_vcenter_session_state",
               {{"vcenter", vc.id.str()}, {"state", to_string(s)}}, vc.session == s ? "1" : "0");
    }
  }
  x.family("vmfabric_vcenter_synced", "gauge",
           "1 when the vCenter's inventory is completely synced (else no VLAN is pruned for its "
           "hosts), else 0.");
  for (const VCenter& vc : vcenters) {
    x.sample("vmfabric_vcenter_synced", {{"vcenter", vc.id.str()}}, vc.synced ? "1" : "0");
  }
  x.family("vmfabric_vcenter_last_update_timestamp_seconds", "gauge",
           "Unix time of the last update received from the vCenter (absent before the first).");
  for (const VCenter& vc : vcenters) {
    if (vc.last_update_ms <= 0) continue;
    x.sample("vmfabric_vcenter_last_update_timestamp_seconds", {{"vcenter", vc.id.str()}},
             seconds_of_ms(vc.last_update_ms));
  }
  x.family("vmfabric_vcenter_update_lag_seconds", "gauge",
           "Seconds since the last update received from the vCenter (absent before the first). "
           "A quiet vCenter sends none: alert on it with vmfabric_vcenter_synced.");
  for (const VCenter& vc : vcenters) {
    if (vc.last_update_ms <= 0) continue;
    x.sample("vmfabric_vcenter_update_lag_seconds", {{"vcenter", vc.id.str()}},
             seconds_of_ms(std::max<std::int64_t>(0, now_ms - vc.last_update_ms)));
  }

  const auto& switches = g.all<Switch>();
  x.family("vmfabric_switch_reachable", "gauge",
           "1 when the switch answered its last eAPI poll, else 0.");
  for (const Switch& sw : switches) {
    x.sample("vmfabric_switch_reachable", {{"switch", sw.id.str()}},
             sw.reachability == Reachability::kReachable ? "1" : "0");
  }
  x.family("vmfabric_switch_state", "gauge",
           "The switch's reachability: 1 for the current state (unknown, reachable, unreachable, "
           "auth-failed), 0 for the others.");
  for (const Switch& sw : switches) {
    for (const Reachability r : kReachabilities) {
      x.sample("vmfabric_switch_state", {{"switch", sw.id.str()}, {"state", to_string(r)}},
               sw.reachability == r ? "1" : "0");
    }
  }
  x.family("vmfabric_switch_last_poll_timestamp_seconds", "gauge",
           "Unix time of the switch's last eAPI poll (absent before the first).");
  for (const Switch& sw : switches) {
    if (sw.last_poll_ms <= 0) continue;
    x.sample("vmfabric_switch_last_poll_timestamp_seconds", {{"switch", sw.id.str()}},
             seconds_of_ms(sw.last_poll_ms));
  }
}

void store_metrics(Exposition& x, const StoreHealth& s) {
  x.family("vmfabric_store_write_errors_total", "counter",
           "Writes to the database that failed (a full disk, I/O errors); each is retried.");
  x.sample("vmfabric_store_write_errors_total", {}, number(s.write_errors));
  x.family("vmfabric_store_writable", "gauge",
           "0 from a failed write to the database until a write succeeds again, else 1.");
  x.sample("vmfabric_store_writable", {}, s.writable ? "1" : "0");
}

void reconciler_metrics(Exposition& x, const reconcile::ReconcilerStats& s) {
  x.family("vmfabric_plans_total", "counter",
           "VLAN plans made by the reconciler: from scratch (full) or for VM and vNIC changes "
           "alone (incremental).");
  x.sample("vmfabric_plans_total", {{"kind", "full"}}, number(s.plans_full));
  x.sample("vmfabric_plans_total", {{"kind", "incremental"}}, number(s.plans_incremental));

  x.family("vmfabric_plan_duration_seconds", "histogram", "Time the planner took per plan.");
  histogram(x, "vmfabric_plan_duration_seconds", {}, reconcile::ReconcilerStats::kPlanBuckets,
            s.plan_buckets, s.plan_seconds_sum);

  x.family("vmfabric_changes_total", "counter",
           "Configuration sessions sent to switches, by result: applied (committed and "
           "verified), aborted (nothing changed), failed (outcome uncertain or not verified).");
  x.sample("vmfabric_changes_total", {{"result", "applied"}}, number(s.changes_applied));
  x.sample("vmfabric_changes_total", {{"result", "aborted"}}, number(s.changes_aborted));
  x.sample("vmfabric_changes_total", {{"result", "failed"}}, number(s.changes_failed));

  x.family("vmfabric_sessions_in_flight", "gauge",
           "Configuration sessions to switches started and not yet ended.");
  x.sample("vmfabric_sessions_in_flight", {}, number(s.sessions_in_flight));

  x.family("vmfabric_removals_frozen", "gauge",
           "1 when the last reconcile cycle froze VLAN removals (a vCenter out of sync or a "
           "switch not read yet), else 0.");
  x.sample("vmfabric_removals_frozen", {}, s.removals_frozen ? "1" : "0");
}

void audit_metrics(Exposition& x, const audit::AuditStats& s) {
  x.family("vmfabric_audit_findings", "gauge",
           "Findings of the last finished drift audit, by kind (0 for kinds it did not find).");
  for (const auto& [kind, n] : s.last_counts) {
    x.sample("vmfabric_audit_findings", {{"kind", kind}},
             number(static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0))));
  }
  x.family("vmfabric_audits_total", "counter",
           "Drift audits ended since the daemon started, by status: done, or failed (could not "
           "finish).");
  x.sample("vmfabric_audits_total", {{"status", "done"}}, number(s.done));
  x.sample("vmfabric_audits_total", {{"status", "failed"}}, number(s.failed));
  x.family("vmfabric_audit_running", "gauge", "1 while a drift audit runs, else 0.");
  x.sample("vmfabric_audit_running", {}, s.running ? "1" : "0");
  x.family("vmfabric_audit_last_finished_timestamp_seconds", "gauge",
           "When the last drift audit finished (Unix time); absent before the first.");
  if (s.last_finished_ms) {
    x.sample("vmfabric_audit_last_finished_timestamp_seconds", {},
             seconds_of_ms(*s.last_finished_ms));
  }
  x.family("vmfabric_audit_last_duration_seconds", "gauge",
           "How long the last finished drift audit took.");
  if (s.last_finished_ms) {
    x.sample("vmfabric_audit_last_duration_seconds", {}, number(s.last_duration_s));
  }
  x.family("vmfabric_audit_repairs_total", "counter",
           "Changes drift audits started to repair drift since the daemon started.");
  x.sample("vmfabric_audit_repairs_total", {}, number(s.repairs));
}

void eapi_metrics(Exposition& x, const std::vector<southbound::EapiSwitchStats>& switches) {
  x.family("vmfabric_eapi_request_duration_seconds", "histogram",
           "Time each eAPI request to the switch took, answered or not (polls, configuration "
           "sessions, read-backs).");
  for (const southbound::EapiSwitchStats& s : switches) {
    histogram(x, "vmfabric_eapi_request_duration_seconds", {{"switch", s.name}},
              southbound::EapiSwitchStats::kBuckets, s.buckets, s.seconds_sum);
  }
  x.family("vmfabric_eapi_request_failures_total", "counter",
           "eAPI requests to the switch that failed, by kind: connect, tls, timeout, closed, "
           "bad-response, auth (HTTP 401), http-status, command (the switch refused one).");
  for (const southbound::EapiSwitchStats& s : switches) {
    for (const southbound::EapiFailure f : southbound::kEapiFailures) {
      x.sample("vmfabric_eapi_request_failures_total", {{"switch", s.name}, {"kind", to_string(f)}},
               number(s.failures[static_cast<std::size_t>(f)]));
    }
  }
}

void request_metrics(Exposition& x, const std::vector<RequestCounters::Count>& counts) {
  x.family("vmfabric_api_requests_total", "counter",
           "Requests the REST API answered, by route pattern and status class.");
  for (const RequestCounters::Count& c : counts) {
    x.sample("vmfabric_api_requests_total", {{"route", c.route}, {"status_class", c.status_class}},
             number(c.requests));
  }
}

void event_metrics(Exposition& x, const events::HubStats& s) {
  x.family("vmfabric_api_event_subscribers", "gauge",
           "Clients subscribed to /api/v1/events/stream now.");
  x.sample("vmfabric_api_event_subscribers", {}, number(static_cast<std::uint64_t>(s.subscribers)));
  x.family("vmfabric_api_event_subscribers_dropped_total", "counter",
           "Event stream clients disconnected for falling too far behind.");
  x.sample("vmfabric_api_event_subscribers_dropped_total", {}, number(s.dropped_total));
  x.family("vmfabric_api_events_published_total", "counter",
           "Events published to the API's live events since the daemon started.");
  x.sample("vmfabric_api_events_published_total", {}, number(s.published_total));
}

}  // namespace

void RequestCounters::add(std::string_view route, int status) {
  const std::size_t cls =
      status >= 100 && status <= 599 ? static_cast<std::size_t>(status / 100 - 1) : 5;
  std::lock_guard lock(mutex_);
  auto it = counts_.find(route);
  if (it == counts_.end()) it = counts_.emplace(std::string(route), Classes{}).first;
  ++it->second[cls];
}

std::vector<RequestCounters::Count> RequestCounters::counts() const {
  static constexpr std::array<const char*, 6> kClassNames = {"1xx", "2xx", "3xx",
                                                             "4xx", "5xx", "other"};
  std::lock_guard lock(mutex_);
  std::vector<Count> out;
  for (const auto& [route, classes] : counts_) {
    for (std::size_t i = 0; i < classes.size(); ++i) {
      if (classes[i] == 0) continue;
      Count c;
      c.route = route;
      c.status_class = kClassNames[i];
      c.requests = classes[i];
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_metrics(const MetricsInput& input) {
  Exposition x;
  graph_metrics(x, *input.graph, input.now_ms);
  if (input.reconciler) reconciler_metrics(x, *input.reconciler);
  if (input.store) store_metrics(x, *input.store);
  if (input.audits) audit_metrics(x, *input.audits);
  request_metrics(x, input.requests);
  eapi_metrics(x, input.eapi);
  if (input.events) event_metrics(x, *input.events);
  return x.take();
}

}  // namespace vmfabric::northbound::api
