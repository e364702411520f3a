#include "northbound/api/events_routes.h"

#include <charconv>

#include "northbound/api/render.h"
#include "northbound/http/time.h"

namespace vmfabric::northbound::api {
namespace {

using router::bad_param;
using router::Call;
using router::Query;

std::optional<std::uint64_t> parse_id(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::uint64_t id_param(const std::string& name, const std::string& text) {
  const auto id = parse_id(text);
  if (!id) {
    throw bad_param(name, name + ": expected an event id (an integer >= 0), got \"" + text + "\"");
  }
  return *id;
}

std::set<std::string> types_param(const Query& query) {
  std::set<std::string> types;
  const auto text = query.get("type");
  if (!text) return types;
  std::size_t start = 0;
  while (start <= text->size()) {
    const std::size_t comma = text->find(',', start);
    const std::string type = text->substr(start, comma - start);
    if (events::event_types().count(type) == 0) {
      std::string known;
      for (const auto& t : events::event_types()) known += (known.empty() ? "" : ", ") + t;
      throw bad_param("type", "type: unknown event type \"" + type +
                                  "\"; expected a comma-separated "
                                  "list of " +
                                  known);
    }
    types.insert(type);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return types;
}

nlohmann::json event_json(const events::Event& e) {
  return {{"id", e.id},
          {"type", e.type},
          {"time", http::format_time(e.time_ms)},
          {"data", nlohmann::json::parse(e.data)}};
}

// The SSE side of one subscription: frames the events the hub hands out; `event: dropped` and
// the end when the subscriber fell behind.
class EventStream final : public http::BodyStream {
 public:
  EventStream(events::EventHub& hub, std::optional<std::uint64_t> last_event_id)
      : hub_(hub), last_event_id_(last_event_id) {}

  void start(std::function<void()> wake) override {
    subscription_ = hub_.subscribe(last_event_id_, std::move(wake));
  }

  Chunk next() override {
    Chunk chunk;
    if (!greeted_) {
      // Tells the client it is subscribed (and how soon to reconnect), before any event.
      greeted_ = true;
      chunk.data = "retry: 2000\n: connected\n\n";
    }
    events::Subscription::Batch batch = subscription_->take();
    for (const auto& e : batch.events) chunk.data += events::sse_frame(*e);
    if (batch.dropped) {
      chunk.data +=
          "event: dropped\ndata: {\"reason\":\"this client fell more than 1000 events or 1 MiB "
          "behind; reconnect with Last-Event-ID\"}\n\n";
      chunk.last = true;
    }
    return chunk;
  }

  std::string heartbeat() override { return ": heartbeat\n\n"; }

 private:
  events::EventHub& hub_;
  std::optional<std::uint64_t> last_event_id_;
  std::shared_ptr<events::Subscription> subscription_;
  bool greeted_ = false;
};

}  // namespace

nlohmann::json list_events(const events::EventHub& hub, const Query& query) {
  query.only({"after", "cursor", "limit", "type"});
  const Page page = read_page(query);
  std::optional<std::uint64_t> after;
  if (const auto text = query.get("after")) after = id_param("after", *text);
  if (!page.after.empty()) {
    if (after) throw bad_param("cursor", "give either after or cursor, not both");
    after = parse_id(page.after);
    if (!after) throw bad_param("cursor", "cursor: not a cursor of /events");
  }
  const events::EventHub::Page events = hub.after(after, page.limit, types_param(query));
  nlohmann::json items = nlohmann::json::array();
  if (events.reset) items.push_back(event_json(**events.reset));
  for (const auto& e : events.items) items.push_back(event_json(*e));
  return {{"items", std::move(items)},
          {"next_cursor",
           events.more ? nlohmann::json(encode_cursor(std::to_string(events.items.back()->id)))
                       : nlohmann::json()},
          {"last_id", events.last_id}};
}

http::Response event_stream(events::EventHub& hub, const Call& call) {
  call.query.only({"access_token", "last_event_id"});
  std::optional<std::uint64_t> last_event_id;
  if (const auto header = call.request.header("last-event-id")) {
    last_event_id = id_param("Last-Event-ID", *header);
  } else if (const auto param = call.query.get("last_event_id")) {
    last_event_id = id_param("last_event_id", *param);
  }
  http::Response r;
  r.status = 200;
  r.set("Content-Type", "text/event-stream");
  r.set("Cache-Control", "no-cache");
  r.stream = std::make_shared<EventStream>(hub, last_event_id);
  return r;
}

void add_event_routes(router::Router& r, events::EventHub& hub) {
  r.add("GET", "/api/v1/events", auth::Role::kViewer,
        [&hub](const Call& c) { return json_body(200, list_events(hub, c.query)); });
  r.add(
      "GET", "/api/v1/events/stream", auth::Role::kViewer,
      [&hub](const Call& c) { return event_stream(hub, c); }, router::TokenIn::kHeaderOrQuery);
}

}  // namespace vmfabric::northbound::api
