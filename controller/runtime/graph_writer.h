// GraphWriter: the one writer of the topology graph. Edges (vCenter sessions, switch pollers)
// submit Deltas from their own strands; the writer applies them in arrival order on its strand,
// persists each batch in one store transaction, then publishes the new snapshot to readers and
// tells its listeners. Deltas queued while a batch is being written go together in the next one.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "graph/graph.h"
#include "store/store.h"

namespace vmfabric {

class GraphWriter {
 public:
  // Called on the writer strand after each persisted batch that changed the graph, with the
  // batch's changes merged (per key, the last change of the batch).
  using Listener = std::function<void(const GraphChanges& changes, const Snapshot& after)>;

  // `graph` is the state loaded from `store` at start.
  GraphWriter(boost::asio::any_io_executor executor, Store& store, Graph graph);
  GraphWriter(const GraphWriter&) = delete;
  GraphWriter& operator=(const GraphWriter&) = delete;

  // Register before the first submit.
  void subscribe(Listener listener) { listeners_.push_back(std::move(listener)); }

  // Thread-safe. `source` names the edge in logs ("vcenter vc1"). A Delta the graph rejects is
  // logged and dropped alone; a batch the store cannot write is rolled back and retried (with
  // backoff) until it can, keeping its order.
  void submit(Delta delta, std::string source);

  // Thread-safe: calls `done` (on the writer strand) once every Delta submitted before this call
  // has been applied and persisted.
  void flush(std::function<void()> done);

  const SnapshotPublisher& snapshots() const { return publisher_; }

 private:
  struct Pending {
    Delta delta;
    std::string source;
    std::function<void()> flushed;  // set for flush markers instead of a Delta
  };
  void drain();  // on the strand
  void schedule_retry();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer retry_timer_;
  Store& store_;
  Graph graph_;  // strand-confined
  SnapshotPublisher publisher_;
  std::vector<Listener> listeners_;

  std::mutex mutex_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool draining_ = false;      // guarded by mutex_: a drain is posted or running
  bool retrying_ = false;      // strand-confined: waiting for the retry timer
  std::chrono::milliseconds retry_delay_{0};
};

}  // namespace vmfabric
