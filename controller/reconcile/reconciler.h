// Reconciler: keeps the switches as the plan says, level-triggered. After every graph change
// (and when a hold-down ends) it plans, diffs and hands each switch that needs changes one
// ChangeSet, journaled before it is sent and after it ends. While a switch has a session in
// flight its further changes wait and go together in the next one, so an event storm becomes few
// sessions with no fixed delay on a quiet switch. A failed switch is retried with backoff.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "graph/graph.h"
#include "planner/planner.h"
#include "southbound/change_set.h"
#include "southbound/switch_agent.h"
#include "store/store.h"

namespace vmfabric::reconcile {

struct ReconcilerOptions {
  std::chrono::milliseconds retry_initial{1000};  // after a failed apply; doubled up to max
  std::chrono::milliseconds retry_max{60'000};
};

class Reconciler {
 public:
  // Applies a ChangeSet to a switch and calls back (from any thread) when it ended; the
  // switch's read-back must be submitted to the graph before the callback.
  using ApplyFn =
      std::function<void(const SwitchId& sw, southbound::ChangeSet changes, std::string session,
                         std::function<void(southbound::ApplyResult)> done)>;
  // Calls back once every Delta submitted to the graph so far is applied (GraphWriter::flush).
  using FlushFn = std::function<void(std::function<void()> done)>;

  Reconciler(boost::asio::any_io_executor executor, Store& store, const SnapshotPublisher& graph,
             PolicyConfig policy, ApplyFn apply, FlushFn flush, ReconcilerOptions options = {});
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Thread-safe: the graph changed into `after` by `changes` (GraphWriter's listener: every
  // batch, in order); a cycle runs soon (requests while one runs coalesce). Changes to VMs and
  // vNICs alone are replanned incrementally.
  void graph_changed(const GraphChanges& changes, const Snapshot& after);
  // Thread-safe: plan from scratch from the latest snapshot soon (at start).
  void graph_changed();
  // Thread-safe: no new sessions are started; `done` is called once those in flight ended.
  void stop(std::function<void()> done);

  // The plan of the last cycle (never null; empty before the first).
  std::shared_ptr<const planner::Plan> plan() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

planner::PlanPolicy plan_policy(const PolicyConfig& policy);

}  // namespace vmfabric::reconcile
