// What the daemon publishes to the API's EventHub: graph changes (`graph`), vCenter session and
// switch reachability transitions (`session`), journaled changes (`change`), the reconciler's
// pending changes (`plan`) and drift audits as they start and end (`audit`), in the shapes of
// /work/notes/contract.md ("Events") and README.md.
#pragma once

#include <cstddef>
#include <mutex>

#include "graph/graph.h"
#include "northbound/events/events.h"
#include "store/store.h"

namespace vmfabric::northbound::api {

class EventFeed {
 public:
  // A graph event lists at most this many changes (then "truncated": true).
  static constexpr std::size_t kMaxGraphChanges = 200;

  // `current`: the graph before the first graph_changed (the previous states of sessions).
  EventFeed(events::EventHub& hub, const Snapshot& current);

  // GraphWriter's listener (one batch at a time, in order). Updates that change nothing but a
  // vCenter's or a switch's last-update time (every poll) are left out.
  void graph_changed(const GraphChanges& changes, const Snapshot& after);
  // ReconcilerOptions::journaled.
  void journaled(const JournalEntry& entry);
  // ReconcilerOptions::pending_changed.
  void pending_changed(std::size_t switches, std::size_t changes);
  // AuditRunner::Options::changed: the audit's summary, as GET /api/v1/audits lists it.
  void audit(const AuditRecord& audit);

 private:
  events::EventHub& hub_;
  std::mutex mutex_;  // the writer's thread and a test may call graph_changed
  // The graph as of the last batch: vCenters and switches as last seen. A copy of a snapshot
  // shares its entities (a copy of every switch took ~3 MB at 200 switches).
  Snapshot last_;
};

}  // namespace vmfabric::northbound::api
