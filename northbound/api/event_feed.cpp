#include "northbound/api/event_feed.h"

#include <concepts>

#include "northbound/api/audits.h"
#include "northbound/api/render.h"

namespace vmfabric::northbound::api {
namespace {

using nlohmann::json;

const char* op_name(ChangeType t) {
  return t == ChangeType::kAdded ? "added" : t == ChangeType::kRemoved ? "removed" : "updated";
}

template <class T>
std::string name_of(const T& entity) {
  if constexpr (requires {
                  { entity.name } -> std::convertible_to<std::string>;
                }) {
    return entity.name;
  } else {
    return to_string(EntityKey{entity.id});
  }
}

// Whether `a` and `b` differ in more than the time of their last update or poll.
bool same_but_time(VCenter a, VCenter b) {
  a.last_update_ms = b.last_update_ms;
  return a == b;
}
bool same_but_time(Switch a, Switch b) {
  a.last_poll_ms = b.last_poll_ms;
  return a == b;
}

}  // namespace

EventFeed::EventFeed(events::EventHub& hub, const Snapshot& current) : hub_(hub), last_(current) {}

void EventFeed::graph_changed(const GraphChanges& changes, const Snapshot& after) {
  std::lock_guard lock(mutex_);
  json items = json::array();
  std::size_t listed = 0;
  std::vector<json> sessions;
  // The session event of a vCenter or switch whose state changed since the last batch.
  auto track = [&](const auto& id, const auto* now, const char* kind, const auto& state_of,
                   const char* initial) -> bool {
    using T = std::remove_cvref_t<decltype(*now)>;
    const T* before = last_.find<T>(id);
    const bool only_time = before != nullptr && now != nullptr && same_but_time(*before, *now);
    const std::string previous = before == nullptr ? initial : state_of(*before);
    if (now != nullptr) {
      const std::string state = state_of(*now);
      if (state != previous) {
        sessions.push_back(
            {{"kind", kind}, {"name", id.str()}, {"state", state}, {"previous", previous}});
      }
    }
    return only_time;
  };
  for (const Change& c : changes.changes) {
    std::visit(
        [&](const auto& id) {
          using T = EntityFor<std::decay_t<decltype(id)>>;
          const T* entity = c.type == ChangeType::kRemoved ? nullptr : after.find<T>(id);
          if constexpr (std::is_same_v<T, VCenter>) {
            if (track(
                    id, entity, "vcenter",
                    [](const VCenter& v) { return std::string(to_string(v.session)); },
                    "disconnected")) {
              return;
            }
          } else if constexpr (std::is_same_v<T, Switch>) {
            if (track(
                    id, entity, "switch",
                    [](const Switch& s) { return std::string(to_string(s.reachability)); },
                    "unknown")) {
              return;
            }
          }
          if (++listed > kMaxGraphChanges) return;
          const std::string kind = to_string(T::kKind);
          items.push_back(
              {{"kind", kind},
               {"op", op_name(c.type)},
               {"id", kind + ":" + to_string(EntityKey{id})},
               {"name", entity != nullptr ? name_of(*entity) : to_string(EntityKey{id})}});
        },
        c.key);
  }
  if (listed > 0) {
    hub_.publish("graph", {{"graph_version", changes.version},
                           {"changes", std::move(items)},
                           {"truncated", listed > kMaxGraphChanges}});
  }
  for (const json& s : sessions) hub_.publish("session", s);
  last_ = after;
}

void EventFeed::journaled(const JournalEntry& entry) { hub_.publish("change", change_json(entry)); }

void EventFeed::pending_changed(std::size_t switches, std::size_t changes) {
  hub_.publish("plan", {{"switches_pending", switches}, {"changes_pending", changes}});
}

void EventFeed::audit(const AuditRecord& audit) { hub_.publish("audit", audit_summary(audit)); }

}  // namespace vmfabric::northbound::api
