#include "northbound/events/events.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace vmfabric::northbound::events {

struct HubState {
  HubOptions options;
  std::function<std::int64_t()> clock;
  mutable std::mutex mutex;
  std::deque<EventPtr> ring;            // ids contiguous, oldest first
  std::size_t ring_bytes = 0;           // their data
  std::set<Subscription*> subscribers;  // live (not dropped)
  std::uint64_t last_id = 0;
  std::uint64_t dropped_total = 0;
  std::size_t backlog_bytes = 0;  // over every subscriber

  EventPtr make(std::uint64_t id, const std::string& type, const nlohmann::json& data) const {
    auto e = std::make_shared<Event>();
    e->id = id;
    e->type = type;
    e->time_ms = clock();
    e->data = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return e;
  }

  // Whether the events after `id` are all kept (under mutex).
  bool kept_after(std::uint64_t id) const {
    return id <= last_id && (ring.empty() || id + 1 >= ring.front()->id);
  }

  EventPtr reset(const char* reason) const { return make(last_id, "reset", {{"reason", reason}}); }

  static const char* reset_reason(std::uint64_t id, std::uint64_t last) {
    return id > last ? "the given event id is newer than the last published: the daemon "
                       "restarted; refetch everything"
                     : "events after the given id are no longer kept; refetch everything";
  }
};

Subscription::Subscription(std::shared_ptr<HubState> hub, std::function<void()> notify)
    : hub_(std::move(hub)), notify_(std::move(notify)) {}

Subscription::~Subscription() {
  std::lock_guard lock(hub_->mutex);
  hub_->subscribers.erase(this);
  hub_->backlog_bytes -= backlog_bytes_;
}

Subscription::Batch Subscription::take() {
  Batch out;
  std::lock_guard lock(hub_->mutex);
  out.events.assign(backlog_.begin(), backlog_.end());
  backlog_.clear();
  hub_->backlog_bytes -= backlog_bytes_;
  backlog_bytes_ = 0;
  out.dropped = dropped_;
  return out;
}

EventHub::EventHub(HubOptions options, std::function<std::int64_t()> clock)
    : state_(std::make_shared<HubState>()) {
  state_->options = options;
  state_->clock = clock ? std::move(clock) : [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

EventHub::~EventHub() = default;

std::uint64_t EventHub::publish(const std::string& type, const nlohmann::json& data) {
  HubState& s = *state_;
  std::vector<std::function<void()>> wake;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(s.mutex);
    id = ++s.last_id;
    EventPtr event = s.make(id, type, data);
    s.ring.push_back(event);
    s.ring_bytes += event->data.size();
    while (s.ring.size() > 1 &&
           (s.ring.size() > s.options.ring_size || s.ring_bytes > s.options.ring_bytes)) {
      s.ring_bytes -= s.ring.front()->data.size();
      s.ring.pop_front();
    }
    for (auto it = s.subscribers.begin(); it != s.subscribers.end();) {
      Subscription& sub = **it;
      const bool was_empty = sub.backlog_.empty();
      sub.backlog_.push_back(event);
      sub.backlog_bytes_ += event->data.size();
      s.backlog_bytes += event->data.size();
      if (sub.backlog_.size() > s.options.backlog_events ||
          sub.backlog_bytes_ > s.options.backlog_bytes) {
        // Too far behind: free what it holds; it is told once it takes again.
        s.backlog_bytes -= sub.backlog_bytes_;
        sub.backlog_.clear();
        sub.backlog_bytes_ = 0;
        sub.dropped_ = true;
        ++s.dropped_total;
        wake.push_back(sub.notify_);
        it = s.subscribers.erase(it);
        continue;
      }
      if (was_empty) wake.push_back(sub.notify_);
      ++it;
    }
  }
  for (const auto& w : wake) {
    if (w) w();
  }
  return id;
}

EventHub::Page EventHub::after(std::optional<std::uint64_t> after, std::size_t limit,
                               const std::set<std::string>& types) const {
  const HubState& s = *state_;
  Page page;
  std::lock_guard lock(s.mutex);
  page.last_id = s.last_id;
  std::uint64_t from = s.ring.empty() ? s.last_id : s.ring.front()->id - 1;
  if (after) {
    if (s.kept_after(*after)) {
      from = *after;
    } else {
      page.reset = s.reset(HubState::reset_reason(*after, s.last_id));
      from = s.last_id;
    }
  }
  if (s.ring.empty() || from >= s.last_id) return page;
  for (auto it = s.ring.begin() + static_cast<std::ptrdiff_t>(from + 1 - s.ring.front()->id);
       it != s.ring.end(); ++it) {
    if (!types.empty() && types.count((*it)->type) == 0) continue;
    if (page.items.size() == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(*it);
  }
  return page;
}

std::shared_ptr<Subscription> EventHub::subscribe(std::optional<std::uint64_t> last_event_id,
                                                  std::function<void()> notify) {
  HubState& s = *state_;
  std::shared_ptr<Subscription> sub(new Subscription(state_, std::move(notify)));
  std::lock_guard lock(s.mutex);
  if (last_event_id) {
    if (s.kept_after(*last_event_id)) {
      if (!s.ring.empty() && *last_event_id < s.last_id) {
        for (auto it = s.ring.begin() +
                       static_cast<std::ptrdiff_t>(*last_event_id + 1 - s.ring.front()->id);
             it != s.ring.end(); ++it) {
          sub->backlog_.push_back(*it);
          sub->backlog_bytes_ += (*it)->data.size();
        }
      }
    } else {
      sub->backlog_.push_back(s.reset(HubState::reset_reason(*last_event_id, s.last_id)));
      sub->backlog_bytes_ += sub->backlog_.back()->data.size();
    }
  }
  s.backlog_bytes += sub->backlog_bytes_;
  s.subscribers.insert(sub.get());
  return sub;
}

HubStats EventHub::stats() const {
  std::lock_guard lock(state_->mutex);
  HubStats out;
  out.subscribers = state_->subscribers.size();
  out.dropped_total = state_->dropped_total;
  out.published_total = state_->last_id;
  out.backlog_bytes = state_->backlog_bytes;
  return out;
}

std::string sse_frame(const Event& event) {
  // JSON text holds no raw line feed (json::dump escapes them), so one data line suffices.
  return "id: " + std::to_string(event.id) + "\nevent: " + event.type + "\ndata: " + event.data +
         "\n\n";
}

}  // namespace vmfabric::northbound::events
