// The API's mutations over an ApiControl: POST/DELETE /api/v1/switches and /api/v1/vcenters
// (admin), GET (viewer) and PUT (admin) /api/v1/policy, POST /api/v1/plan/approve (operator).
// Request bodies are JSON (Content-Type application/json, else 415); a body that does not parse,
// has unknown fields or bad values is answered 400 naming each problem.
#pragma once

#include "northbound/api/control.h"
#include "northbound/api/routes.h"
#include "northbound/router/router.h"

namespace vmfabric::northbound::api {

// Adds the routes. `endpoints` (for the views of the graph), `source` and `control` must outlive
// `router`.
void add_mutation_routes(router::Router& router, const Endpoints& endpoints,
                         const ApiSource& source, ApiControl& control);

}  // namespace vmfabric::northbound::api
