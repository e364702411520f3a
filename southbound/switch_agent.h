// SwitchAgent: vmfabric's worker for one switch. On its own strand it polls the switch's state
// on an interval and on demand, turns each reading into a graph Delta, and applies ChangeSets
// one at a time, in order. A poll or apply never waits for another switch; a dead switch only
// marks itself unreachable and is polled again at the next interval.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "graph/graph.h"
#include "southbound/change_set.h"
#include "southbound/eapi_session.h"
#include "southbound/readers.h"

namespace vmfabric::southbound {

struct SwitchAgentOptions {
  std::chrono::milliseconds poll_interval{30'000};
  EapiOptions eapi;
  // The directory of switches, shared by a fabric's agents; an agent given none makes its own.
  std::shared_ptr<SwitchDirectoryCache> directories;
};

// How one apply ended. `report` is set when the session was committed (verified or not).
struct ApplyResult {
  std::optional<ApplyReport> report;
  std::string error;  // set when not committed, or committed but not as asked
  std::optional<ApplyError::Outcome> failure;
  bool ok() const { return report && report->verified(); }
};

class SwitchAgent {
 public:
  // Receives every Delta from the agent's strand.
  using Sink = std::function<void(Delta delta)>;
  // Called on the agent's strand after each poll (successful or not).
  using PollListener = std::function<void(const SwitchId& id, bool reachable)>;

  // `graph` gives the current snapshot: the switch's last known state (to remove what vanished)
  // and the other switches (to recognise them as LLDP neighbours). It must outlive the agent.
  SwitchAgent(boost::asio::any_io_executor executor, SwitchConfig config,
              const SnapshotPublisher& graph, Sink sink, SwitchAgentOptions options = {});
  ~SwitchAgent();
  SwitchAgent(const SwitchAgent&) = delete;
  SwitchAgent& operator=(const SwitchAgent&) = delete;

  const std::string& name() const;

  // Starts polling (the first poll at once).
  void start();
  // Stops after the poll or apply under way; queued applies fail with "stopped". Calls `done`
  // on the agent's strand. Thread-safe.
  void stop(std::function<void()> done);

  // Thread-safe: poll again as soon as the job under way ends (requests while one is waiting
  // coalesce).
  void poll_now();
  // Thread-safe: the same, and `done(read)` on the agent's strand once a poll that started after
  // this call ended (`read`: the switch was read and its reading submitted; false when it could
  // not be, or the agent stopped first).
  void poll_now(std::function<void(bool read)> done);
  void on_poll(PollListener listener);  // before start()

  // Thread-safe: applies `changes` as configuration session `session_name` after the jobs
  // queued before it, then calls `done` on the agent's strand. A committed session's read-back
  // updates the graph at once.
  void apply(ChangeSet changes, std::string session_name, std::function<void(ApplyResult)> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The Switch entities of configured switches that `current` does not have yet, so that every
// configured switch is recognised as an LLDP neighbour before its own first poll.
Delta new_switches(const std::vector<SwitchConfig>& switches, const Snapshot& current);

}  // namespace vmfabric::southbound
