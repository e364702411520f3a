// Drift audits in the API: GET /api/v1/audits (newest first, paged like /changes), GET
// /api/v1/audits/{id} (the summary and the findings), POST /api/v1/audits (operator: starts one
// now), and the summary JSON that the `audit` events carry too. Shapes: README.md ("Drift audits").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "model/finding.h"
#include "northbound/api/view.h"
#include "northbound/router/router.h"
#include "store/store.h"

namespace vmfabric::northbound::api {

// One audit as GET /audits lists it (and as the data of an `audit` event).
nlohmann::json audit_summary(const AuditRecord& audit);
// GET /audits/{id}: the summary with "findings", in the audit's order.
nlohmann::json audit_detail(const AuditRecord& audit);
nlohmann::json finding_json(const audit::Finding& finding);

// GET /audits[?limit=N][&cursor=C]: the store query of a page (one more audit than the limit, to
// know whether more follow), and the page from what it returned.
AuditQuery audits_query(const router::Query& query);
nlohmann::json list_audits(const std::vector<AuditRecord>& audits, const AuditQuery& query);

// Adds the three routes, over `source` (its control() starts audits; without one POST answers
// 503). `source` must outlive `router`.
void add_audit_routes(router::Router& router, const ApiSource& source);

}  // namespace vmfabric::northbound::api
