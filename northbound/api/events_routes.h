// GET /api/v1/events (a page of the events kept) and GET /api/v1/events/stream (server-sent
// events, resumable with Last-Event-ID), over an EventHub.
#pragma once

#include <nlohmann/json.hpp>

#include "northbound/events/events.h"
#include "northbound/router/router.h"

namespace vmfabric::northbound::api {

// Adds both routes (viewer; the stream also takes ?access_token=). `hub` must outlive `router`.
void add_event_routes(router::Router& router, events::EventHub& hub);

// GET /events[?after=ID|cursor=C][&limit=N][&type=graph,change]: {"items": [...],
// "next_cursor": ..., "last_id": N}. Throws Problem 400 naming a bad parameter.
nlohmann::json list_events(const events::EventHub& hub, const router::Query& query);

// GET /events/stream: a text/event-stream response whose stream subscribes to `hub` after the
// event `Last-Event-ID` (header) or `last_event_id` (query) names, when given.
http::Response event_stream(events::EventHub& hub, const router::Call& call);

}  // namespace vmfabric::northbound::api
