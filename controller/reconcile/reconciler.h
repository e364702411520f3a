// Reconciler: keeps the switches as the plan says, level-triggered. After every graph change
// (and when a hold-down ends) it plans, diffs and hands each switch that needs changes one
// ChangeSet, journaled before it is sent and after it ends. While a switch has a session in
// flight its further changes wait and go together in the next one, so an event storm becomes few
// sessions with no fixed delay on a quiet switch. A failed switch is retried with backoff.
// It follows the plan: drift (a switch changed by hand outside the plan) is left to the audits,
// which ask it to repair (see diff.h); what it established per interface is kept in the store.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
  // After a write to the database failed (a change to journal, how one ended, a baseline): the
  // switch waits, and the write is retried, this long.
  std::chrono::milliseconds store_retry{1000};
  // Observers for the API's live events, called on the reconciler's strand: must be cheap and
  // never block. `journaled`: a change was journaled as begun (result pending, id set), or its
  // end was (result, finished, detail set).
  std::function<void(const JournalEntry&)> journaled;
  // The changes a cycle found to send changed: switches with changes, and their changes
  // (interfaces to change + VLANs to create + VLANs to delete). Not called when they did not.
  std::function<void(std::size_t switches, std::size_t changes)> pending_changed;
};

// What the reconciler did since it started, for metrics: a consistent copy (Reconciler::stats()).
struct ReconcilerStats {
  // The upper bounds (seconds) of the plan-duration histogram's buckets; +Inf is implied.
  static constexpr std::array<double, 14> kPlanBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  std::uint64_t plans_full = 0;         // plans made from scratch
  std::uint64_t plans_incremental = 0;  // plans updated for VM and vNIC changes alone
  // Plans whose duration was at most kPlanBuckets[i] (not cumulative: each plan counts in the
  // first bucket it fits; the last entry counts those over every bound).
  std::array<std::uint64_t, kPlanBuckets.size() + 1> plan_buckets{};
  double plan_seconds_sum = 0;
  std::uint64_t changes_applied = 0;  // sessions committed and verified
  std::uint64_t changes_aborted = 0;  // sessions that changed nothing (refused, aborted)
  std::uint64_t changes_failed = 0;   // sessions whose outcome is uncertain or not verified
  std::uint64_t sessions_in_flight = 0;
  bool removals_frozen = false;  // the last cycle froze removals (a vCenter out of sync, ...)
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
  // Thread-safe: plans from scratch under `policy` from now on (soon, not before returning).
  void set_policy(PolicyConfig policy);
  // Thread-safe: while the policy's apply is dry-run, the next cycle applies what it finds
  // pending once (with the usual safety rules: managed range, hold-down, removal freeze), each
  // change journaled with `actor` and the cause "approved by <actor>; ...".
  void approve(std::string actor);
  // Thread-safe: the next cycle also repairs drift under `remediate` (add-only: restores what
  // the plan needs; full: removes what was added outside the plan too), with the usual safety
  // rules; each change that repairs drift is journaled with the cause "<cause>: ...". `done` (on
  // the reconciler's strand) gets the journal ids of the changes started (none when stopping).
  void repair(Remediation remediate, std::string cause,
              std::function<void(std::vector<std::int64_t> journal_ids)> done);
  // Thread-safe: no new sessions are started; `done` is called once those in flight ended.
  void stop(std::function<void()> done);

  // The plan of the last cycle (never null; empty before the first).
  std::shared_ptr<const planner::Plan> plan() const;
  // Thread-safe: the counters so far.
  ReconcilerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

planner::PlanPolicy plan_policy(const PolicyConfig& policy);

}  // namespace vmfabric::reconcile
