#include "northbound/api/routes.h"

#include "audit/runner.h"
#include "northbound/api/audits.h"
#include "northbound/api/events_routes.h"
#include "northbound/api/mutations.h"
#include "northbound/api/render.h"
#include "reconcile/reconciler.h"

namespace vmfabric::northbound::api {
namespace {

using router::Call;

http::Response ok(const json& body) { return json_body(200, body); }

}  // namespace

Endpoints::Endpoints(const ApiSource& source) : source_(source) {}

std::shared_ptr<const View> Endpoints::view() const {
  auto graph = source_.graph();
  auto plan = source_.plan();
  auto cached = view_.load();
  if (cached && cached->graph_ptr() == graph && cached->plan_ptr() == plan) return cached;
  auto fresh = std::make_shared<const View>(std::move(graph), std::move(plan),
                                            reconcile::plan_policy(source_.policy()));
  view_.store(fresh);
  return fresh;
}

void Endpoints::count_request(std::string_view route, int status) const {
  requests_.add(route.empty() ? "unmatched" : route, status);
}

void Endpoints::add_to(router::Router& r) {
  using auth::Role;
  r.add_public("GET", "/healthz", [this](const Call& c) {
    c.query.only({});
    json body = {{"status", "ok"}, {"graph_version", source_.graph()->version()}};
    // Degraded, not down (still 200): a restart would not give the disk space back.
    if (const std::optional<StoreHealth> store = source_.store_health()) {
      body["store"] = {{"writable", store->writable}, {"write_errors", store->write_errors}};
      if (!store->writable) {
        body["status"] = "degraded";
        body["store"]["disk_full"] = store->disk_full;
        body["store"]["failing_since_ms"] = store->failing_since_ms;
        body["store"]["error"] = store->error;
      }
    }
    return ok(body);
  });
  // Prometheus scrapes with a viewer token (bearer_token_file in its scrape config).
  r.add("GET", "/metrics", Role::kViewer, [this](const Call& c) {
    c.query.only({});
    const auto graph = source_.graph();
    MetricsInput input;
    input.graph = graph.get();
    reconcile::ReconcilerStats stats;
    if (source_.reconciler_stats(stats)) input.reconciler = stats;
    audit::AuditStats audits;
    if (source_.audit_stats(audits)) input.audits = audits;
    input.requests = requests_.counts();
    if (const events::EventHub* hub = source_.events()) input.events = hub->stats();
    input.eapi = source_.eapi_stats();
    input.now_ms = source_.now_ms();
    input.store = source_.store_health();
    http::Response response;
    response.status = 200;
    response.set("Content-Type", kMetricsContentType);
    response.body = render_metrics(input);
    return response;
  });
  if (events::EventHub* hub = source_.events()) add_event_routes(r, *hub);
  if (ApiControl* control = source_.control()) add_mutation_routes(r, *this, source_, *control);
  add_audit_routes(r, source_);
  r.add("GET", "/api/v1/switches", Role::kViewer,
        [this](const Call& c) { return ok(list_switches(*view(), c.query)); });
  r.add("GET", "/api/v1/switches/{name}", Role::kViewer, [this](const Call& c) {
    c.query.only({});
    return ok(get_switch(*view(), c.params.at("name")));
  });
  r.add("GET", "/api/v1/switches/{name}/interfaces", Role::kViewer, [this](const Call& c) {
    return ok(list_interfaces(*view(), c.params.at("name"), c.query));
  });
  r.add("GET", "/api/v1/hosts", Role::kViewer,
        [this](const Call& c) { return ok(list_hosts(*view(), c.query)); });
  r.add("GET", "/api/v1/hosts/{name}", Role::kViewer,
        [this](const Call& c) { return ok(get_host(*view(), c.params.at("name"), c.query)); });
  r.add("GET", "/api/v1/vms", Role::kViewer,
        [this](const Call& c) { return ok(list_vms(*view(), c.query)); });
  r.add("GET", "/api/v1/vms/{name}", Role::kViewer,
        [this](const Call& c) { return ok(get_vm(*view(), c.params.at("name"), c.query)); });
  r.add("GET", "/api/v1/vcenters", Role::kViewer,
        [this](const Call& c) { return ok(list_vcenters(*view(), c.query)); });
  r.add("GET", "/api/v1/vlans", Role::kViewer,
        [this](const Call& c) { return ok(list_vlans(*view(), c.query)); });
  r.add("GET", "/api/v1/vlans/{id}", Role::kViewer, [this](const Call& c) {
    c.query.only({});
    return ok(get_vlan(*view(), c.params.at("id")));
  });
  r.add("GET", "/api/v1/plan", Role::kViewer, [this](const Call& c) {
    return ok(get_plan(*view(), reconciler_facts(source_), c.query));
  });
  r.add("GET", "/api/v1/changes", Role::kViewer, [this](const Call& c) {
    const JournalQuery q = changes_query(c.query);
    return ok(list_changes(source_.journal(q), q));
  });
  // Rendered once per View: the plan's diff and the created VLANs it reads change only with a
  // new graph snapshot or plan (a commit is read back from the switch).
  r.add("GET", "/api/v1/topology", Role::kViewer, [this](const Call& c) {
    const bool vms = topology_vms(c.query);
    const auto v = view();
    return http::json_response(200, v->memo(vms ? "topology" : "topology?vms=false", [&] {
      const auto pending = pending_diff(*v, reconciler_facts(source_));
      return dump(topology(*v, pending, vms));
    }));
  });
}

}  // namespace vmfabric::northbound::api
