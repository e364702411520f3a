#include "audit/runner.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "audit/audit.h"
#include "log/log.h"
#include "reconcile/reconciler.h"

namespace vmfabric::audit {

namespace asio = boost::asio;

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How long an audit's result waits before it is written again, when the store refused it.
constexpr std::chrono::seconds kStoreRetry{1};

// The journal entries an audit reads to tell what vmfabric itself last did: the newest ones,
// oldest first. Older changes were overwritten or confirmed by these in a fabric that changes.
constexpr std::size_t kJournalWindow = 10'000;

// Whether `remediate` repairs findings of `kind`.
bool repairs(Remediation remediate, FindingKind kind) {
  switch (kind) {
    case FindingKind::kVlanMissing:
    case FindingKind::kVlanNotInDatabase:
      return remediate != Remediation::kNone;
    case FindingKind::kVlanUnneeded:
      return remediate == Remediation::kFull;
    default:
      return false;
  }
}

}  // namespace

struct AuditRunner::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, Store& s, const SnapshotPublisher& g, ReadAllFn r, FlushFn f,
       RepairFn p, Options o)
      : strand(asio::make_strand(executor)),
        store(s),
        graph(g),
        read_all(std::move(r)),
        flush(std::move(f)),
        repair(std::move(p)),
        options(std::move(o)),
        timer(strand) {}

  void arm() {
    if (options.config.interval_s <= 0 || stopping) return;
    timer.expires_after(std::chrono::seconds(options.config.interval_s));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopping) return;
      try {
        self->begin("schedule", "");
      } catch (const AuditBusy& e) {
        log::info("audit.skipped", {{"why", e.what()}});
      } catch (const std::exception& e) {
        log::error("audit.failed", {{"error", e.what()}});
      }
      self->arm();
    });
  }

  // Records a new audit and starts it on the strand; returns its id.
  std::int64_t begin(const std::string& trigger, const std::string& actor) {
    AuditRecord audit;
    {
      std::lock_guard lock(mutex);
      if (stopping) throw Error("vmfabricd is stopping; no audit starts now");
      if (running) throw AuditBusy(*running);
      audit.started_ms = unix_ms();
      audit.trigger = trigger;
      audit.actor = actor;
      audit.remediate = to_string(options.config.remediate);
      audit.id = store.audit_begin(audit);
      running = audit.id;
      counters.running = true;
    }
    log::info("audit.started", {{"audit", audit.id},
                                {"trigger", trigger},
                                {"actor", actor},
                                {"remediate", audit.remediate}});
    asio::post(strand, [self = shared_from_this(), audit = std::move(audit)]() mutable {
      self->read(std::move(audit));
    });
    return audit.id;
  }

  // Reads every switch now, then waits until the graph has every reading.
  void read(AuditRecord audit) {
    if (options.changed) options.changed(audit);
    const auto self = shared_from_this();
    read_all([self, audit = std::move(audit)](std::vector<std::string> unreadable) mutable {
      self->flush([self, audit = std::move(audit), unreadable = std::move(unreadable)]() mutable {
        asio::post(self->strand,
                   [self, audit = std::move(audit), unreadable = std::move(unreadable)]() mutable {
                     self->compare(std::move(audit), unreadable);
                   });
      });
    });
  }

  void compare(AuditRecord audit, const std::vector<std::string>& unreadable) {
    const Remediation remediate = options.config.remediate;
    {
      std::lock_guard lock(mutex);
      if (stopping) {  // the switches' readings were cut short
        audit.status = AuditStatus::kFailed;
        audit.error = "vmfabricd stopped during the audit";
      }
    }
    if (audit.status == AuditStatus::kFailed) {
      finish(std::move(audit));
      return;
    }
    try {
      const std::shared_ptr<const Snapshot> live = graph.latest();
      const planner::PlanPolicy policy = reconcile::plan_policy(options.policy());
      planner::Planner planner(policy);
      planner.update(*live);
      JournalQuery query;
      query.limit = kJournalWindow;
      query.newest_first = true;
      std::vector<JournalEntry> journal = store.journal(query);
      std::reverse(journal.begin(), journal.end());
      const Baseline established = store.baseline();
      AuditInput input{*live,
                       planner.plan(),
                       policy,
                       std::set<std::string>(unreadable.begin(), unreadable.end()),
                       journal,
                       [&planner](const InterfaceId& where, VlanId vlan) {
                         return planner.explain(where, vlan);
                       }};
      input.established = &established;
      audit.findings = find_drift(input);
      audit.switches = static_cast<std::int64_t>(live->all<Switch>().size());
      audit.unreadable = static_cast<std::int64_t>(unreadable.size());
    } catch (const std::exception& e) {
      audit.status = AuditStatus::kFailed;
      audit.error =
          std::string("the audit could not compare the fabric with the plan: ") + e.what();
      finish(std::move(audit));
      return;
    }
    bool repairable = false;
    for (const Finding& f : audit.findings) {
      ++audit.counts[to_string(f.kind)];
      repairable = repairable || repairs(remediate, f.kind);
    }
    if (!repairable) {
      finish(std::move(audit));
      return;
    }
    const std::string cause = "audit " + std::to_string(audit.id);
    repair(remediate, cause,
           [self = shared_from_this(),
            audit = std::move(audit)](std::vector<std::int64_t> journal_ids) mutable {
             asio::post(self->strand, [self, audit = std::move(audit),
                                       journal_ids = std::move(journal_ids)]() mutable {
               audit.repairs = std::move(journal_ids);
               self->finish(std::move(audit));
             });
           });
  }

  void finish(AuditRecord audit) {
    const std::int64_t now = unix_ms();
    audit.finished_ms = now;
    if (audit.status == AuditStatus::kRunning) audit.status = AuditStatus::kDone;
    std::optional<std::string> unstored;
    try {
      store.audit_finish(audit);
    } catch (const StoreError& e) {
      bool stopping_now = false;
      {
        std::lock_guard lock(mutex);
        stopping_now = stopping;
      }
      if (e.retryable() && !stopping_now) {
        // Stored as running until then (and no other audit starts): retried while the store
        // fails (a full disk), which logs the failure once per episode.
        log::debug("audit.store_retry", {{"audit", audit.id}, {"error", e.what()}});
        auto retry = std::make_shared<asio::steady_timer>(strand, kStoreRetry);
        retry->async_wait([self = shared_from_this(), retry,
                           audit = std::move(audit)](const boost::system::error_code&) mutable {
          self->finish(std::move(audit));
        });
        return;
      }
      unstored = e.what();
    }
    if (unstored) {
      audit.status = AuditStatus::kFailed;
      audit.error = "the audit's result could not be stored: " + *unstored;
    }
    try {
      const std::int64_t kept_ms = options.config.retention_days * 86'400'000;
      if (const std::size_t pruned = store.prune_audits(now - kept_ms); pruned > 0) {
        log::info("audit.pruned",
                  {{"audits", pruned}, {"retention_days", options.config.retention_days}});
      }
    } catch (const std::exception& e) {
      log::warn("audit.prune_failed", {{"error", e.what()}});
    }
    const double seconds = static_cast<double>(now - audit.started_ms) / 1000.0;
    std::int64_t total = 0;
    for (const auto& [kind, n] : audit.counts) total += n;
    if (audit.status == AuditStatus::kDone) {
      log::info("audit.done", {{"audit", audit.id},
                               {"findings", total},
                               {"switches", audit.switches},
                               {"unreadable", audit.unreadable},
                               {"repairs", audit.repairs.size()},
                               {"seconds", seconds}});
    } else {
      log::error("audit.failed", {{"audit", audit.id}, {"error", audit.error}});
    }
    std::function<void()> stopped;
    {
      std::lock_guard lock(mutex);
      running.reset();
      counters.running = false;
      if (audit.status == AuditStatus::kDone) {
        ++counters.done;
        counters.repairs += audit.repairs.size();
        counters.last_finished_ms = now;
        counters.last_duration_s = seconds;
        counters.last_counts.clear();
        for (const FindingKind kind : kFindingKinds) counters.last_counts[to_string(kind)] = 0;
        for (const auto& [kind, n] : audit.counts) counters.last_counts[kind] = n;
      } else {
        ++counters.failed;
      }
      stopped = std::move(on_stopped);
    }
    if (options.changed) options.changed(audit);
    if (stopped) stopped();
  }

  asio::strand<asio::any_io_executor> strand;
  Store& store;
  const SnapshotPublisher& graph;
  ReadAllFn read_all;
  FlushFn flush;
  RepairFn repair;
  Options options;
  asio::steady_timer timer;
  mutable std::mutex mutex;  // guards what follows: run() and stats() come from any thread
  std::optional<std::int64_t> running;
  bool stopping = false;
  std::function<void()> on_stopped;  // called when the running audit ends
  AuditStats counters;
};

AuditRunner::AuditRunner(asio::any_io_executor executor, Store& store,
                         const SnapshotPublisher& graph, ReadAllFn read_all, FlushFn flush,
                         RepairFn repair, Options options)
    : impl_(std::make_shared<Impl>(executor, store, graph, std::move(read_all), std::move(flush),
                                   std::move(repair), std::move(options))) {}

AuditRunner::~AuditRunner() = default;

void AuditRunner::start() {
  try {
    const std::size_t abandoned =
        impl_->store.abandon_running_audits(unix_ms(), "vmfabricd stopped during the audit");
    if (abandoned > 0) log::warn("audit.abandoned", {{"audits", abandoned}});
  } catch (const std::exception& e) {
    log::error("audit.failed", {{"error", e.what()}});
  }
  auto impl = impl_;
  asio::post(impl->strand, [impl] { impl->arm(); });
}

std::int64_t AuditRunner::run(const std::string& trigger, const std::string& actor) {
  return impl_->begin(trigger, actor);
}

void AuditRunner::stop(std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, done = std::move(done)]() mutable {
    impl->timer.cancel();
    std::unique_lock lock(impl->mutex);
    impl->stopping = true;
    if (impl->running) {
      impl->on_stopped = std::move(done);
      return;
    }
    lock.unlock();
    done();
  });
}

AuditStats AuditRunner::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace vmfabric::audit
