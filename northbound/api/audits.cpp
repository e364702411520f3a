#include "northbound/api/audits.h"

#include <charconv>

#include "audit/runner.h"
#include "northbound/api/control.h"
#include "northbound/api/render.h"
#include "northbound/http/time.h"

namespace vmfabric::northbound::api {
namespace {

using router::Call;
using router::Problem;

std::int64_t audit_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    throw Problem(400, "bad-path-parameter",
                  "id: expected an audit id (a positive integer, as GET /api/v1/audits lists "
                  "them), got \"" +
                      text + "\"");
  }
  return id;
}

// POST /audits takes no body, or an empty JSON object.
void require_no_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  const json doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.empty()) {
    throw Problem(400, "invalid-body",
                  "POST /api/v1/audits takes no body (or {}): the audit runs under the configured "
                  "audit.remediate");
  }
}

}  // namespace

json audit_summary(const AuditRecord& a) {
  std::int64_t findings = 0;
  for (const auto& [kind, n] : a.counts) findings += n;
  return {{"id", a.id},
          {"started", http::format_time(a.started_ms)},
          {"finished", a.finished_ms ? json(http::format_time(*a.finished_ms)) : json()},
          {"trigger", a.trigger},
          {"actor", text_or_null(a.actor)},
          {"remediate", a.remediate},
          {"status", to_string(a.status)},
          {"error", text_or_null(a.error)},
          {"switches", a.switches},
          {"unreadable", a.unreadable},
          {"finding_count", findings},
          {"counts", a.counts},
          {"repairs", a.repairs}};
}

json finding_json(const audit::Finding& f) {
  json last_change;
  if (f.last_change) {
    last_change = {{"added", f.last_change->added},
                   {"at", http::format_time(f.last_change->at_ms)},
                   {"session", f.last_change->session}};
  }
  json outside_change;
  if (f.outside) {
    outside_change = {{"session", f.outside->session},
                      {"user", f.outside->user},
                      {"at", http::format_time(f.outside->at_ms)}};
  }
  return {{"kind", audit::to_string(f.kind)},
          {"switch", text_or_null(f.switch_name)},
          {"interface", text_or_null(f.interface)},
          {"host", text_or_null(f.host)},
          {"uplink", text_or_null(f.uplink)},
          {"vlans", f.vlans.to_range_list()},
          {"why", f.why},
          {"undone", f.undone.to_range_list()},
          {"last_change", std::move(last_change)},
          {"outside_change", std::move(outside_change)},
          {"detail", f.detail}};
}

json audit_detail(const AuditRecord& a) {
  json out = audit_summary(a);
  json findings = json::array();
  for (const audit::Finding& f : a.findings) findings.push_back(finding_json(f));
  out["findings"] = std::move(findings);
  return out;
}

AuditQuery audits_query(const router::Query& query) {
  query.only({"limit", "cursor"});
  const Page page = read_page(query);
  AuditQuery q;
  q.before_id = before_id(page, "/audits");
  q.limit = page.limit + 1;
  return q;
}

json list_audits(const std::vector<AuditRecord>& audits, const AuditQuery& query) {
  return newest_first_page(audits, query.limit > 0 ? query.limit - 1 : 0, audit_summary);
}

void add_audit_routes(router::Router& r, const ApiSource& source) {
  using auth::Role;
  r.add("GET", "/api/v1/audits", Role::kViewer, [&source](const Call& c) {
    const AuditQuery q = audits_query(c.query);
    return json_body(200, list_audits(source.audits(q), q));
  });
  r.add("GET", "/api/v1/audits/{id}", Role::kViewer, [&source](const Call& c) {
    c.query.only({});
    const std::string& text = c.params.at("id");
    const auto audit = source.audit(audit_id(text));
    if (!audit) {
      throw router::not_found("no audit " + text +
                              " (old audits are pruned; GET /api/v1/audits lists those kept)");
    }
    return json_body(200, audit_detail(*audit));
  });
  r.add("POST", "/api/v1/audits", Role::kOperator, [&source](const Call& c) {
    c.query.only({});
    require_no_body(c.request.body);
    ApiControl* control = source.control();
    if (control == nullptr) {
      throw Problem(503, "unavailable",
                    "audits are not available: this vmfabricd takes no commands through its API");
    }
    std::int64_t id = 0;
    try {
      id = control->run_audit(c.principal->name);
    } catch (const audit::AuditBusy& e) {
      throw Problem(409, "conflict", e.what());
    } catch (const ControlError& e) {
      throw Problem(503, "unavailable", e.what());
    }
    const std::string href = "/api/v1/audits/" + std::to_string(id);
    return json_body(202, {{"id", id}, {"status", "running"}, {"href", href}})
        .set("Location", href);
  });
}

}  // namespace vmfabric::northbound::api
