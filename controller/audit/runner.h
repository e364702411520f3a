// AuditRunner: runs drift audits on its own strand, every `audit.interval_s` and on demand. An
// audit reads every switch now (not the cached graph), plans the fresh graph off the
// reconciler's strand, classifies what differs (find_drift), stores the result, and under
// `audit.remediate` add-only or full asks the reconciler to repair, journaled with the audit as
// the cause. Under `none` it never writes to a switch; it never blocks the live reconciler.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "graph/graph.h"
#include "model/error.h"
#include "store/store.h"

namespace vmfabric::audit {

// What the audits did since vmfabricd started, for /metrics: a consistent copy.
struct AuditStats {
  std::uint64_t done = 0;     // audits that finished
  std::uint64_t failed = 0;   // audits that could not finish (database, stop)
  std::uint64_t repairs = 0;  // changes audits started to repair drift
  bool running = false;
  // The last finished audit: when it ended, how long it took, its findings by kind (every kind,
  // 0 when none).
  std::optional<std::int64_t> last_finished_ms;
  double last_duration_s = 0;
  std::map<std::string, std::int64_t> last_counts;
};

// An audit was asked for while another runs.
class AuditBusy : public Error {
 public:
  explicit AuditBusy(std::int64_t running)
      : Error("audit " + std::to_string(running) + " is running; follow it at /api/v1/audits/" +
              std::to_string(running) + " and ask again once it ended"),
        running_(running) {}
  std::int64_t running() const { return running_; }

 private:
  std::int64_t running_;
};

class AuditRunner {
 public:
  // Reads every followed switch now; `done` (from any thread) gets the names of the switches
  // whose reading failed. Each successful reading is submitted to the graph before `done`.
  using ReadAllFn =
      std::function<void(std::function<void(std::vector<std::string> unreadable)> done)>;
  // Calls back once every Delta submitted so far is applied (GraphWriter::flush).
  using FlushFn = std::function<void(std::function<void()> done)>;
  // Repairs drift under `remediate` (add-only or full), each change journaled with `cause`;
  // `done` (from any thread) gets the journal ids of the changes started.
  using RepairFn = std::function<void(Remediation remediate, std::string cause,
                                      std::function<void(std::vector<std::int64_t>)> done)>;

  struct Options {
    AuditConfig config;
    // The planning policy in force (it may change at run time); called on the runner's strand.
    std::function<PolicyConfig()> policy;
    // Called on the runner's strand when an audit starts and when it ends (the API's events).
    std::function<void(const AuditRecord&)> changed;
  };

  AuditRunner(boost::asio::any_io_executor executor, Store& store, const SnapshotPublisher& graph,
              ReadAllFn read_all, FlushFn flush, RepairFn repair, Options options);
  ~AuditRunner();
  AuditRunner(const AuditRunner&) = delete;
  AuditRunner& operator=(const AuditRunner&) = delete;

  // Marks audits a stopped vmfabricd left running as failed, and starts the schedule (the first
  // scheduled audit one interval from now).
  void start();
  // Thread-safe: starts an audit now and returns its id. Throws AuditBusy while one runs,
  // StoreError when it cannot be recorded.
  std::int64_t run(const std::string& trigger, const std::string& actor);
  // Thread-safe: no new audit starts; `done` once the one running (if any) ended.
  void stop(std::function<void()> done);

  AuditStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vmfabric::audit
