// Live events for the API (GET /api/v1/events and its server-sent stream): an in-memory hub,
// pure and thread-safe (no Asio, no I/O). Producers publish typed JSON events; the hub numbers
// them (1, 2, ...), keeps the last `ring_size` (within `ring_bytes`) for paging and resuming, and
// hands each to every
// subscriber through a bounded backlog: a subscriber that falls too far behind is dropped rather
// than letting the daemon's memory grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vmfabric::northbound::events {

// The types producers publish (GET /events?type= accepts these).
inline const std::set<std::string>& event_types() {
  static const std::set<std::string> kTypes = {"graph", "session", "change", "plan", "audit"};
  return kTypes;
}

struct Event {
  std::uint64_t id = 0;
  std::string type;
  std::int64_t time_ms = 0;  // Unix milliseconds, when published
  std::string data;          // JSON text, serialized once for every reader
};
using EventPtr = std::shared_ptr<const Event>;

struct HubOptions {
  std::size_t ring_size = 10'000;
  // And at most this many bytes of event data (the newest event is always kept): a graph event
  // lists up to 200 changes, ~22 KB, so 10,000 of them alone would take 220 MB.
  std::size_t ring_bytes = 4 * 1024 * 1024;
  // A subscriber with more than this many events, or bytes of event data, not yet taken is
  // dropped.
  std::size_t backlog_events = 1'000;
  std::size_t backlog_bytes = 1024 * 1024;
};

struct HubStats {
  std::size_t subscribers = 0;
  std::uint64_t dropped_total = 0;    // subscribers dropped for falling behind
  std::uint64_t published_total = 0;  // = the last id
  std::size_t backlog_bytes = 0;      // event data waiting in every subscriber's backlog
};

class EventHub;
struct HubState;

// One subscriber's feed. Dropping the last reference unsubscribes. Thread-safe.
class Subscription {
 public:
  struct Batch {
    std::vector<EventPtr> events;  // in id order
    bool dropped = false;          // fell behind: nothing more will come
  };
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Takes every event waiting (a `reset` first when the resume point was not kept).
  Batch take();

 private:
  friend class EventHub;
  Subscription(std::shared_ptr<HubState> hub, std::function<void()> notify);
  std::shared_ptr<HubState> hub_;
  std::function<void()> notify_;
  // Guarded by the hub's mutex.
  std::deque<EventPtr> backlog_;
  std::size_t backlog_bytes_ = 0;
  bool dropped_ = false;
};

class EventHub {
 public:
  // `clock` gives Unix milliseconds (tests fix it).
  explicit EventHub(HubOptions options = {}, std::function<std::int64_t()> clock = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Numbers, timestamps, keeps and hands out one event; returns its id. Cheap (no I/O); wakes
  // subscribers through their notify outside the hub's lock.
  std::uint64_t publish(const std::string& type, const nlohmann::json& data);

  struct Page {
    std::vector<EventPtr> items;  // after the resume point, in id order
    bool more = false;            // more events of the types asked follow the last item
    std::uint64_t last_id = 0;    // the last id published
    // Set when the resume point is not what the hub kept (older than its oldest event, or
    // newer than its last, as after a daemon restart): the reader must refetch everything;
    // `items` then start after last_id.
    std::optional<EventPtr> reset;
  };
  // Kept events with an id above `after` (nothing: from the oldest kept, never a reset), of
  // `types` (empty: all), at most `limit`.
  Page after(std::optional<std::uint64_t> after, std::size_t limit,
             const std::set<std::string>& types = {}) const;

  // A new subscriber: events published from now on, preceded by those after `last_event_id`
  // when it is given (or a `reset` event when they were not kept). `notify` is called (from the
  // publishing thread, never under the hub's lock) when events wait after the backlog was
  // empty, and when the subscriber is dropped: it must be cheap and never block.
  std::shared_ptr<Subscription> subscribe(std::optional<std::uint64_t> last_event_id,
                                          std::function<void()> notify);

  HubStats stats() const;

 private:
  std::shared_ptr<HubState> state_;
};

// The server-sent events framing of one event: "id: N\nevent: TYPE\ndata: JSON\n\n".
std::string sse_frame(const Event& event);

}  // namespace vmfabric::northbound::events
