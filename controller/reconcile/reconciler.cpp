#include "reconcile/reconciler.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "log/log.h"
#include "model/text.h"
#include "reconcile/diff.h"

namespace vmfabric::reconcile {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

planner::PlanPolicy plan_policy(const PolicyConfig& policy) {
  planner::PlanPolicy p;
  p.managed = policy.managed_vlans;
  p.mode = policy.mode == PlanMode::kCluster     ? planner::DemandMode::kCluster
           : policy.mode == PlanMode::kPortgroup ? planner::DemandMode::kPortgroup
                                                 : planner::DemandMode::kOnDemand;
  return p;
}

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// At most this many VMs changed in a cycle are looked at first for its changes' causes.
constexpr std::size_t kMaxRecentVms = 64;

std::int64_t micros(Steady::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// The VLANs a ChangeSet adds, as questions for the planner, a few at a time (a first plan adds
// thousands per switch, and a cause needs the first few): on ESX-facing interfaces first, where
// the demand itself is, then the others in order.
class AddedVlans {
 public:
  AddedVlans(const SwitchId& sw, const southbound::ChangeSet& changes,
             const planner::SwitchPlan* plan)
      : sw_(sw) {
    for (const auto& change : changes.interfaces) interfaces_.push_back(&change);
    std::stable_partition(interfaces_.begin(), interfaces_.end(), [plan](const auto* change) {
      if (plan == nullptr) return false;
      const auto role = plan->roles.find(change->first);
      return role != plan->roles.end() && role->second == planner::PortRole::kEsxFacing;
    });
  }

  std::optional<planner::Planner::Question> next() {
    while (next_id_ == ids_.size()) {
      if (next_interface_ == interfaces_.size()) return std::nullopt;
      const auto* change = interfaces_[next_interface_++];
      name_ = &change->first;
      ids_ = change->second.add.ids();
      next_id_ = 0;
    }
    return planner::Planner::Question{InterfaceId{sw_, *name_}, ids_[next_id_++]};
  }

 private:
  SwitchId sw_;
  std::vector<const std::pair<const InterfaceName, southbound::InterfaceVlanChange>*> interfaces_;
  std::size_t next_interface_ = 0;
  const InterfaceName* name_ = nullptr;
  std::vector<VlanId> ids_;
  std::size_t next_id_ = 0;
};

// Who needs the first VLANs each switch's changes add: the planner's reasons, at most three
// lines, naming the VMs that just changed (`recent`) when they are the reason. The switches are
// asked together, a few VLANs each per round, so that a search of every VM serves all of them.
std::map<SwitchId, std::string> causes_of(const planner::Planner& planner,
                                          const std::map<SwitchId, SwitchDiff>& switches,
                                          const std::vector<VmId>& recent) {
  constexpr std::size_t kLines = 3;
  constexpr std::size_t kPerRound = 8;
  struct Cause {
    const SwitchId* sw;
    AddedVlans added;
    std::vector<std::string> lines;
    bool more = false;  // a line beyond the first three
    bool asked_all = false;
  };
  std::vector<Cause> open;
  for (const auto& [sw, sd] : switches) {
    open.push_back({&sw, AddedVlans(sw, sd.changes, planner.plan().find(sw)), {}});
  }
  std::map<SwitchId, std::string> out;
  std::vector<planner::Planner::Question> questions;
  std::vector<std::size_t> first;  // of each open switch's questions
  while (!open.empty()) {
    questions.clear();
    first.clear();
    for (Cause& c : open) {
      first.push_back(questions.size());
      for (std::size_t n = 0; n < kPerRound; ++n) {
        auto q = c.added.next();
        if (!q) {
          c.asked_all = true;
          break;
        }
        questions.push_back(std::move(*q));
      }
    }
    first.push_back(questions.size());
    std::vector<std::vector<std::string>> demand =
        planner.explain_demand(questions, kLines, &recent);
    for (std::size_t c = 0; c < open.size(); ++c) {
      Cause& cause = open[c];
      for (std::size_t q = first[c]; q < first[c + 1] && !cause.more; ++q) {
        planner.explain_fabric(questions[q], kLines, demand[q]);
        for (std::string& line : demand[q]) {
          if (std::find(cause.lines.begin(), cause.lines.end(), line) != cause.lines.end()) {
            continue;
          }
          if (cause.lines.size() == kLines) {
            cause.more = true;
            break;
          }
          cause.lines.push_back(std::move(line));
        }
      }
    }
    std::erase_if(open, [&](Cause& c) {
      if (!c.more && !c.asked_all) return false;
      const southbound::ChangeSet& changes = switches.at(*c.sw).changes;
      out[*c.sw] = !c.lines.empty() ? join(c.lines, "; ") + (c.more ? "; ..." : "")
                   : changes.interfaces.empty() && changes.create_vlans.empty()
                       ? "nothing uses these VLANs on this switch any more"
                       : "nothing needs the removed VLANs on these interfaces any more";
      return true;
    });
  }
  return out;
}

}  // namespace

struct Reconciler::Impl : std::enable_shared_from_this<Impl> {
  struct SwitchState {
    bool in_flight = false;
    int failures = 0;
    Steady::time_point retry_at{};
    std::vector<std::string> last_dry_run;  // the commands last logged in dry-run mode
  };

  Impl(asio::any_io_executor executor, Store& s, const SnapshotPublisher& g, PolicyConfig p,
       ApplyFn a, FlushFn f, ReconcilerOptions o)
      : strand(asio::make_strand(executor)),
        store(s),
        graph(g),
        policy(std::move(p)),
        planner(plan_policy(policy)),
        apply(std::move(a)),
        flush(std::move(f)),
        options(o),
        wake(strand),
        last_plan(std::make_shared<const planner::Plan>()) {
    try {
      baseline = store.baseline();
    } catch (const std::exception& e) {
      // Without it each interface adopts what it has at first sight: nothing is lost on a
      // switch, only removals planned before the restart are not made.
      log::error("reconcile.baseline_unreadable", {{"error", e.what()}});
    }
  }

  struct RepairRequest {
    Remediation remediate = Remediation::kNone;
    std::string cause;
    std::function<void(std::vector<std::int64_t>)> done;
  };

  void schedule() {
    if (scheduled || stopping) return;
    scheduled = true;
    asio::post(strand, [self = shared_from_this()] { self->cycle(); });
  }

  void cycle() {
    scheduled = false;
    if (stopping) return;
    std::shared_ptr<const planner::Plan> plan;
    Steady::duration plan_time{};
    {
      // The published copy is dropped while planning, so that the planner updates the switch
      // plans nobody else holds in place instead of copying them; readers wait for the new one.
      std::lock_guard lock(plan_mutex);
      last_plan.reset();
      const auto plan_start = Steady::now();
      bool planned = true;
      changed_vms.clear();
      if (replan_all) {
        replan_all = false;
        pending.clear();
        pending_polled = false;
        // The listener's snapshot may be newer than the published one, or the other way round.
        const auto published = graph.latest();
        if (!latest || latest->version() < published->version()) latest = published;
        planner.update(*latest);
        settled.clear();
      } else if (!pending.empty()) {
        const std::set<VmId> vms = touched_vms(pending);
        // A few VMs are the likely cause of this cycle's changes; after a sync all of them
        // changed, and looking at each for every cause would cost more than a search of all.
        if (vms.size() <= kMaxRecentVms) changed_vms.assign(vms.begin(), vms.end());
        const std::uint64_t from = planner.planned().version();
        unsettle(planner.update(*latest, pending));
        unsettle_touched(from);
        pending.clear();
        pending_polled = false;
      } else {
        planned = false;
      }
      plan_time = Steady::now() - plan_start;
      if (planned) {
        count_plan(planner.last_update_incremental(),
                   std::chrono::duration<double>(plan_time).count());
      }
      plan = std::make_shared<const planner::Plan>(planner.plan());  // shares the switch plans
      last_plan = plan;
    }
    const Snapshot* snapshot = &planner.planned();

    const std::int64_t now = unix_ms();
    const auto steady_now = Steady::now();
    std::vector<SwitchId> busy;
    for (const auto& [id, state] : switches) {
      if (state.in_flight || state.retry_at > steady_now) busy.push_back(id);
    }
    if (!created) {
      try {
        created = store.created_vlans();
      } catch (const std::exception& e) {
        log::error("reconcile.store_failed", {{"error", e.what()}});
        return;  // without ownership records nothing may be deleted: wait for the next change
      }
    }
    SafetyPolicy safety;
    safety.managed = policy.managed_vlans;
    safety.prune_delay_ms = policy.prune_delay_s * 1000;
    safety.max_removals_per_cycle = static_cast<std::size_t>(policy.max_removals_per_cycle);
    DiffInput input{*plan, *snapshot, safety, *created, now, busy};
    input.settled = &settled;
    std::optional<RepairRequest> repair = std::exchange(repair_request, std::nullopt);
    // What following the plan alone would change, diffed on copies so that the state moves once:
    // the switches whose ChangeSet differs repair drift.
    Diff plain;
    if (repair) {
      HoldDown plain_holds = holds;
      Baseline plain_baseline = baseline;
      plain = diff(input, plain_holds, plain_baseline);
      input.drift = repair->remediate;
    }
    const Diff d = diff(input, holds, baseline);
    const auto diffed_at = Steady::now();
    for (const auto& [id, state] : d.settled) settled.insert_or_assign(id, state);
    unsaved_baselines.insert(d.baseline_changed.begin(), d.baseline_changed.end());
    save_baselines();
    {
      std::lock_guard lock(stats_mutex);
      counters.removals_frozen = !d.removals_frozen.empty();
    }
    if (d.removals_frozen != frozen) {
      frozen = d.removals_frozen;
      if (frozen.empty()) {
        log::info("reconcile.removals_resumed", {});
      } else {
        log::warn("reconcile.removals_frozen", {{"reason", frozen}});
      }
    }
    for (const planner::CorrelationProblem& p : plan->correlation->problems) {
      if (problems_logged.insert(p.problem).second) {
        log::warn("planner.uplink_problem", {{"problem", p.problem}});
      }
    }
    for (const std::string& s : d.skipped) {
      if (skipped_logged.insert(s).second) log::warn("reconcile.interface_skipped", {{"why", s}});
    }
    report_pending(d);
    std::vector<Outgoing> outgoing;
    std::vector<JournalEntry> entries;
    std::map<SwitchId, std::string> causes = causes_of(planner, d.switches, changed_vms);
    for (const auto& [id, sd] : d.switches) {
      const auto followed = plain.switches.find(id);
      const bool repairs =
          repair && (followed == plain.switches.end() || !(followed->second.changes == sd.changes));
      if (auto entry = prepare(id, sd, std::move(causes[id]), now, repairs ? repair->cause : "")) {
        outgoing.push_back({id, sd.changes, repairs});
        entries.push_back(std::move(*entry));
      }
    }
    const std::size_t sent = outgoing.size();
    std::vector<std::int64_t> repair_ids = send(std::move(outgoing), std::move(entries));
    log::debug("reconcile.cycle", {{"plan_us", micros(plan_time)},
                                   {"diff_us", micros(diffed_at - steady_now)},
                                   {"send_us", micros(Steady::now() - diffed_at)},
                                   {"diffed", d.diffed},
                                   {"settled", settled.size()},
                                   {"sent", sent}});
    if (repair) repair->done(std::move(repair_ids));
    approved_by.clear();  // an approval applies one cycle's changes

    // Wake for the first hold-down that ends, switch that may be retried, or baseline to save.
    std::optional<Steady::time_point> at;
    for (const auto& [id, state] : switches) {
      if (!state.in_flight && state.retry_at > steady_now) {
        at = std::min(at.value_or(state.retry_at), state.retry_at);
      }
    }
    if (!unsaved_baselines.empty()) {
      const auto retry = Steady::now() + options.store_retry;
      at = std::min(at.value_or(retry), retry);
    }
    if (d.next_due_ms) {
      const auto due = steady_now + std::chrono::milliseconds(*d.next_due_ms - now);
      at = std::min(at.value_or(due), due);
    }
    wake.cancel();
    if (at) {
      wake.expires_at(*at);
      wake.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->schedule();
      });
    }
  }

  // A switch's changes on their way out, with its journal entry (kept beside, in one vector).
  struct Outgoing {
    SwitchId sw;
    southbound::ChangeSet changes;
    bool repairs = false;
  };

  // The journal entry for `sd`, or nothing in dry-run (the changes are logged, once). `cause`: from
  // causes_of(); `repair`: the audit whose drift repair this is, if it is one.
  std::optional<JournalEntry> prepare(const SwitchId& sw, const SwitchDiff& sd, std::string cause,
                                      std::int64_t now, const std::string& repair) {
    SwitchState& state = switches[sw];
    const std::string session = "vmfabric-" + std::to_string(now) + "-" + std::to_string(++seq);
    JournalEntry entry;
    entry.created_ms = now;
    entry.switch_name = sw.str();
    entry.session = session;
    entry.commands = southbound::render(sd.changes, session);
    entry.reason = join(sd.reasons, "; ");
    entry.cause = std::move(cause);
    if (!repair.empty()) entry.cause = repair + ": repairs drift; " + entry.cause;
    if (policy.apply == ApplyMode::kDryRun && !approved_by.empty()) {
      entry.actor = approved_by;
      entry.cause = "approved by " + approved_by + "; " + entry.cause;
    } else if (policy.apply == ApplyMode::kDryRun) {
      // Log a switch's pending changes once, not at every cycle that finds them again.
      std::vector<std::string> body(entry.commands.begin() + 1, entry.commands.end());
      if (body != state.last_dry_run) {
        state.last_dry_run = std::move(body);
        log::info("reconcile.dry_run", {{"switch", sw.str()},
                                        {"commands", entry.commands.size()},
                                        {"reason", entry.reason},
                                        {"cause", entry.cause}});
      }
      return std::nullopt;
    }
    return entry;
  }

  // Journals every change of a cycle in one transaction (a fabric-wide change costs one sync of
  // the disk, not one per switch), then hands each to its switch's agent. Returns the journal
  // ids of the repairs.
  std::vector<std::int64_t> send(std::vector<Outgoing> outgoing,
                                 std::vector<JournalEntry> entries) {
    if (outgoing.empty()) return {};
    try {
      store.journal_begin(std::span<JournalEntry>(entries));
    } catch (const std::exception& e) {
      // A change that cannot be journaled is not sent: the switches wait, and a later cycle plans
      // them again. The store logs the failure once per episode.
      for (const Outgoing& out : outgoing) {
        switches[out.sw].retry_at = Steady::now() + options.store_retry;
      }
      log::debug("reconcile.journal_failed", {{"switches", outgoing.size()}, {"error", e.what()}});
      return {};
    }
    std::vector<std::int64_t> repair_ids;
    for (std::size_t i = 0; i < outgoing.size(); ++i) {
      if (outgoing[i].repairs) repair_ids.push_back(entries[i].id);
      launch(outgoing[i].sw, std::move(entries[i]), std::move(outgoing[i].changes));
    }
    return repair_ids;
  }

  // Hands a journaled change to the switch's agent.
  void launch(const SwitchId& sw, JournalEntry entry, southbound::ChangeSet changes) {
    if (options.journaled) options.journaled(entry);
    switches[sw].in_flight = true;
    {
      std::lock_guard lock(stats_mutex);
      ++counters.sessions_in_flight;
    }
    log::info("reconcile.apply", {{"switch", sw.str()},
                                  {"session", entry.session},
                                  {"journal", entry.id},
                                  {"reason", entry.reason},
                                  {"cause", entry.cause}});
    const std::string session = entry.session;  // the callback below takes the entry
    apply(sw, changes, session,
          [self = shared_from_this(), sw, entry = std::move(entry),
           changes](southbound::ApplyResult result) mutable {
            asio::post(self->strand,
                       [self, sw, entry = std::move(entry), changes = std::move(changes),
                        result = std::move(result)]() mutable {
                         self->finished(sw, std::move(entry), std::move(changes), result);
                       });
          });
  }

  void finished(const SwitchId& sw, JournalEntry entry, southbound::ChangeSet changes,
                const southbound::ApplyResult& result) {
    const std::int64_t journal_id = entry.id;
    SwitchState& state = switches[sw];
    const bool committed = result.report.has_value();
    const JournalResult outcome = result.ok() ? JournalResult::kApplied
                                  : result.failure == southbound::ApplyError::Outcome::kNotApplied
                                      ? JournalResult::kAborted
                                      : JournalResult::kFailed;
    {
      std::lock_guard lock(stats_mutex);
      ++(outcome == JournalResult::kApplied   ? counters.changes_applied
         : outcome == JournalResult::kAborted ? counters.changes_aborted
                                              : counters.changes_failed);
    }
    entry.result = outcome;
    entry.finished_ms = unix_ms();
    entry.detail = result.ok() ? "verified" : result.error;
    if (committed) record_applied(baseline, sw, changes);
    settled.erase(sw);  // its baseline and what it created may have changed
    if (result.ok()) {
      state.failures = 0;
    } else {
      const auto backoff = std::min<std::chrono::milliseconds>(
          options.retry_max, options.retry_initial * (1LL << std::min(state.failures, 16)));
      ++state.failures;
      state.retry_at = Steady::now() + backoff;
      log::error("reconcile.apply_failed", {{"switch", sw.str()},
                                            {"journal", journal_id},
                                            {"error", result.error},
                                            {"retry_in_ms", backoff.count()}});
    }
    record_end(sw, std::move(entry), std::move(changes), committed);
  }

  // A session that ended, waiting to be journaled (record_end).
  struct EndedSession {
    SwitchId sw;
    JournalEntry entry;
    southbound::ChangeSet changes;
    bool committed = false;
  };

  // Journals how a session ended and, when it committed, the VLANs it created or deleted and the
  // switch's new baseline. The sessions that end before the strand gets to it are journaled
  // together (write_ends): in a storm, one transaction and one sync of the disk for them all.
  // Until then the switch stays busy: nothing more is sent to it before its last change is on
  // record.
  void record_end(const SwitchId& sw, JournalEntry entry, southbound::ChangeSet changes,
                  bool committed) {
    ended.push_back({sw, std::move(entry), std::move(changes), committed});
    if (ended.size() == 1) {
      asio::post(strand, [self = shared_from_this()] { self->write_ends(); });
    }
  }

  // The store's record of how `e` ended.
  SessionEnd session_end(const EndedSession& e) const {
    SessionEnd end;
    end.journal_id = e.entry.id;
    end.result = e.entry.result;
    end.detail = e.entry.detail;
    end.finished_ms = *e.entry.finished_ms;
    end.switch_name = e.sw.str();
    if (e.committed) {
      for (const auto& [vlan, name] : e.changes.create_vlans) end.created.insert(vlan);
      end.deleted = e.changes.delete_vlans;
      // The rows record_applied changed: the interfaces changed and the VLAN database.
      const auto base = baseline.find(e.sw.str());
      const auto row = [&](const std::string& name) {
        if (base == baseline.end()) return;
        if (const auto it = base->second.find(name); it != base->second.end()) {
          end.baseline.insert(*it);
        }
      };
      for (const auto& [name, change] : e.changes.interfaces) row(name.str());
      row("");
    }
    return end;
  }

  // Journals the sessions that ended since the last write, in one transaction. Until the store
  // takes them (a full disk) they are retried every store_retry. When stopping, or refused for
  // good, the entries are left pending (the next start closes them).
  void write_ends() {
    if (ended.empty()) return;
    std::vector<EndedSession> batch = std::exchange(ended, {});
    std::vector<SessionEnd> ends;
    ends.reserve(batch.size());
    for (const EndedSession& e : batch) ends.push_back(session_end(e));
    try {
      store.journal_end(std::span<const SessionEnd>(ends));
      for (const SessionEnd& end : ends) remember_created(end);
    } catch (const StoreError& e) {
      if (e.retryable() && !stopping) {
        log::debug("reconcile.journal_retry", {{"sessions", batch.size()},
                                               {"error", e.what()},
                                               {"retry_in_ms", options.store_retry.count()}});
        auto timer = std::make_shared<asio::steady_timer>(strand, options.store_retry);
        timer->async_wait([self = shared_from_this(), timer,
                           batch = std::move(batch)](const boost::system::error_code&) mutable {
          // Ahead of the sessions that ended meanwhile, in the order they ended.
          self->ended.insert(self->ended.begin(), std::make_move_iterator(batch.begin()),
                             std::make_move_iterator(batch.end()));
          self->write_ends();
        });
        return;
      }
      // Refused for good: each on its own, so that an entry the store refuses leaves no other
      // pending.
      for (std::size_t i = 0; i < batch.size(); ++i) {
        std::string error = e.what();
        if (batch.size() > 1) {
          try {
            store.journal_end(ends[i]);
            remember_created(ends[i]);
            continue;
          } catch (const StoreError& alone) {
            error = alone.what();
          }
        }
        log::error("reconcile.journal_failed",
                   {{"switch", batch[i].sw.str()},
                    {"journal", batch[i].entry.id},
                    {"error", error},
                    {"detail", "the entry stays pending until the next start closes it"}});
      }
    }
    for (const EndedSession& e : batch) end_recorded(e.sw, e.entry);
  }

  // Keeps `created` in step with a session end the store took.
  void remember_created(const SessionEnd& end) {
    if (!created) return;
    VlanSet& mine = (*created)[end.switch_name];
    mine |= end.created;
    mine -= end.deleted;
  }

  // After a session's end is journaled (or could not be): the switch is free once the graph has
  // its read-back.
  void end_recorded(const SwitchId& sw, const JournalEntry& entry) {
    if (options.journaled) options.journaled(entry);
    // The agent submitted its read-back before calling back: the switch stays busy until the
    // graph has it, so that no cycle diffs against its state from before the session.
    flush([self = shared_from_this(), sw] {
      asio::post(self->strand, [self, sw] {
        self->switches[sw].in_flight = false;
        {
          std::lock_guard lock(self->stats_mutex);
          --self->counters.sessions_in_flight;
        }
        if (self->stopping) {
          self->maybe_stopped();
        } else {
          self->schedule();
        }
      });
    });
  }

  // The switches whose plan changed must be diffed again.
  void unsettle(const std::vector<SwitchId>& changed) {
    for (const SwitchId& id : changed) settled.erase(id);
  }

  // So must those whose Switch or interfaces `pending` changed, when it leads from version
  // `from` to `latest`; when it does not (a batch missing), every switch is.
  void unsettle_touched(std::uint64_t from) {
    std::uint64_t version = from;
    for (const GraphChanges& batch : pending) {
      if (batch.empty()) continue;
      if (batch.version <= version) break;
      version = batch.version;
      for (const Change& change : batch.changes) {
        if (const auto* sw = std::get_if<SwitchId>(&change.key)) settled.erase(*sw);
        if (const auto* i = std::get_if<InterfaceId>(&change.key)) settled.erase(i->sw);
      }
    }
    if (version != latest->version()) settled.clear();
  }

  // Saves the baselines the store has not taken yet (kept for the next cycle when it fails).
  void save_baselines() {
    for (auto it = unsaved_baselines.begin(); it != unsaved_baselines.end();) {
      try {
        store.save_baseline(it->str(), baseline[it->str()]);
        it = unsaved_baselines.erase(it);
      } catch (const std::exception& e) {
        log::debug("reconcile.baseline_retry", {{"switch", it->str()}, {"error", e.what()}});
        ++it;
      }
    }
  }

  void report_pending(const Diff& d) {
    if (!options.pending_changed) return;
    std::size_t changes = 0;
    for (const auto& [id, sd] : d.switches) {
      changes += sd.changes.interfaces.size() + sd.changes.create_vlans.size() +
                 sd.changes.delete_vlans.size();
    }
    const std::pair<std::size_t, std::size_t> now{d.switches.size(), changes};
    if (now == last_pending) return;
    last_pending = now;
    options.pending_changed(now.first, now.second);
  }

  void count_plan(bool incremental, double seconds) {
    std::lock_guard lock(stats_mutex);
    ++(incremental ? counters.plans_incremental : counters.plans_full);
    const auto& bounds = ReconcilerStats::kPlanBuckets;
    const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin();
    ++counters.plan_buckets[static_cast<std::size_t>(bucket)];
    counters.plan_seconds_sum += seconds;
  }

  void maybe_stopped() {
    const bool idle = std::none_of(switches.begin(), switches.end(),
                                   [](const auto& s) { return s.second.in_flight; });
    if (idle && on_stopped) std::exchange(on_stopped, nullptr)();
  }

  asio::strand<asio::any_io_executor> strand;
  Store& store;
  const SnapshotPublisher& graph;
  PolicyConfig policy;
  planner::Planner planner;
  std::vector<GraphChanges> pending;       // since the snapshot planned last, in order
  bool pending_polled = false;             // pending.back() records only poll times
  std::shared_ptr<const Snapshot> latest;  // the graph after `pending`
  bool replan_all = true;                  // plan from scratch at the next cycle
  ApplyFn apply;
  FlushFn flush;
  ReconcilerOptions options;
  asio::steady_timer wake;
  HoldDown holds;
  Baseline baseline;  // what vmfabric established (diff.h), persisted
  // The VLANs vmfabric created, per switch: the store's, read once (the reconciler alone writes
  // them) and kept in step with every write.
  std::optional<std::map<std::string, VlanSet>> created;
  std::map<SwitchId, Settled> settled;          // Diff::settled, less what changed since
  std::vector<VmId> changed_vms;                // by the graph changes this cycle planned
  std::set<SwitchId> unsaved_baselines;         // changed, not yet taken by the store
  std::vector<EndedSession> ended;              // sessions ended, not journaled yet (write_ends)
  std::optional<RepairRequest> repair_request;  // for the next cycle
  std::map<SwitchId, SwitchState> switches;
  std::string frozen;                              // the last removal freeze logged
  std::set<std::string> skipped_logged;            // interfaces reported as skipped
  std::set<std::string> problems_logged;           // uplink correlation problems reported
  mutable std::mutex plan_mutex;                   // guards last_plan, read by any thread
  std::shared_ptr<const planner::Plan> last_plan;  // never null
  mutable std::mutex stats_mutex;                  // guards counters, read by any thread
  ReconcilerStats counters;
  std::uint64_t seq = 0;
  std::string approved_by;  // dry-run: the next cycle applies, approved by this token
  std::pair<std::size_t, std::size_t> last_pending{0, 0};  // switches, changes: last reported
  bool scheduled = false;
  bool stopping = false;
  std::function<void()> on_stopped;
};

Reconciler::Reconciler(asio::any_io_executor executor, Store& store, const SnapshotPublisher& graph,
                       PolicyConfig policy, ApplyFn apply, FlushFn flush, ReconcilerOptions options)
    : impl_(std::make_shared<Impl>(executor, store, graph, std::move(policy), std::move(apply),
                                   std::move(flush), options)) {}

Reconciler::~Reconciler() = default;

namespace {

// Whether `changes` only record that switches were polled (their last_poll_ms moved): every poll
// of every switch is such a batch, and neither the plan nor any switch's changes depend on it.
bool only_polled(const GraphChanges& changes, const Snapshot& before, const Snapshot& after) {
  for (const Change& change : changes.changes) {
    const auto* id = std::get_if<SwitchId>(&change.key);
    if (id == nullptr || change.type != ChangeType::kModified) return false;
    const Switch* was = before.find<Switch>(*id);
    const Switch* now = after.find<Switch>(*id);
    if (was == nullptr || now == nullptr) return false;
    Switch polled = *was;
    polled.last_poll_ms = now->last_poll_ms;
    if (!(polled == *now)) return false;
  }
  return true;
}

}  // namespace

void Reconciler::graph_changed(const GraphChanges& changes, const Snapshot& after) {
  auto impl = impl_;
  asio::post(
      impl->strand, [impl, changes, after = std::make_shared<const Snapshot>(after)]() mutable {
        // No cycle runs for poll times alone: the planner learns them with the next
        // change that matters. Consecutive such batches are merged (the planner needs
        // every version, not every batch), so that a quiet fabric queues at most one.
        const bool polled = impl->latest && only_polled(changes, *impl->latest, *after);
        impl->latest = std::move(after);
        if (polled && impl->pending_polled) {
          GraphChanges& tail = impl->pending.back();
          for (const Change& change : changes.changes) {
            if (std::find(tail.changes.begin(), tail.changes.end(), change) == tail.changes.end()) {
              tail.changes.push_back(change);
            }
          }
          tail.version = changes.version;
          return;
        }
        impl->pending.push_back(std::move(changes));
        impl->pending_polled = polled;
        if (!polled) impl->schedule();
      });
}

void Reconciler::graph_changed() {
  auto impl = impl_;
  asio::post(impl->strand, [impl] {
    impl->replan_all = true;
    impl->schedule();
  });
}

void Reconciler::set_policy(PolicyConfig policy) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, policy = std::move(policy)]() mutable {
    impl->planner = planner::Planner(plan_policy(policy));
    impl->policy = std::move(policy);
    impl->replan_all = true;
    impl->schedule();
  });
}

void Reconciler::approve(std::string actor) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, actor = std::move(actor)]() mutable {
    if (impl->policy.apply != ApplyMode::kDryRun) return;
    impl->approved_by = std::move(actor);
    impl->schedule();
  });
}

void Reconciler::repair(Remediation remediate, std::string cause,
                        std::function<void(std::vector<std::int64_t>)> done) {
  auto impl = impl_;
  asio::post(
      impl->strand, [impl, remediate, cause = std::move(cause), done = std::move(done)]() mutable {
        if (impl->stopping) {
          done({});
          return;
        }
        if (impl->repair_request) impl->repair_request->done({});  // superseded: nothing started
        impl->repair_request = Impl::RepairRequest{remediate, std::move(cause), std::move(done)};
        impl->schedule();
      });
}

void Reconciler::stop(std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, done = std::move(done)]() mutable {
    impl->stopping = true;
    impl->wake.cancel();
    if (impl->repair_request) std::exchange(impl->repair_request, std::nullopt)->done({});
    impl->on_stopped = std::move(done);
    impl->maybe_stopped();
  });
}

std::shared_ptr<const planner::Plan> Reconciler::plan() const {
  std::lock_guard lock(impl_->plan_mutex);
  return impl_->last_plan;
}

ReconcilerStats Reconciler::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->counters;
}

}  // namespace vmfabric::reconcile
