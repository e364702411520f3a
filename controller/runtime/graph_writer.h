// GraphWriter: the one writer of the topology graph. Edges (vCenter sessions, switch pollers)
// submit Deltas from their own strands; the writer applies them in arrival order on its strand,
// persists each batch in one store transaction, then publishes the new snapshot to readers and
// tells its listeners. Deltas queued while a batch is being written go together in the next one.
//
// The store transaction (an fsync) runs on the writer's own thread, not on the executor's: while
// it waits for the disk, the executor's threads serve the other peers and the reconciler.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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
  // Ends the writer's thread. Destroy the writer once idle: after a flush() called back, with
  // nothing submitted since (what is queued is not written).
  ~GraphWriter();
  GraphWriter(const GraphWriter&) = delete;
  GraphWriter& operator=(const GraphWriter&) = delete;

  // Register before the first submit.
  void subscribe(Listener listener) { listeners_.push_back(std::move(listener)); }

  // Thread-safe. `source` names the edge in logs ("vcenter vc1"). A Delta the graph rejects is
  // logged and dropped alone. A batch the store cannot write (a full disk) stays applied to the
  // writer's graph but unpublished, and is retried (with backoff) together with what comes
  // next, as one batch of the net changes: nothing is lost, readers and listeners never see a
  // graph the database does not have, and memory stays bounded by the graph's size however long
  // the store fails.
  void submit(Delta delta, std::string source);

  // Thread-safe: calls `done` (on the writer strand) once every Delta submitted before this call
  // has been applied and persisted.
  void flush(std::function<void()> done);

  // Thread-safe: as flush, for the end of the process: once stop was called, a batch the store
  // refuses (a full disk) is logged (graph.unsaved_at_stop) and dropped instead of retried, so
  // that `done` comes however the disk fares. Nothing is lost for good: the next start reads
  // vCenter and the switches again.
  void stop(std::function<void()> done);

  const SnapshotPublisher& snapshots() const { return publisher_; }

 private:
  struct Pending {
    Delta delta;
    std::string source;
    std::function<void()> flushed;  // set for flush markers instead of a Delta
  };
  // One batch between its application to the graph and the end of its store transaction.
  struct Batch {
    std::deque<Pending> pending;  // its flush markers (its Deltas are applied)
    GraphChanges to_write;
  };
  void enqueue(Pending pending);
  void drain();                                                                    // on the strand
  void persisted(std::shared_ptr<Batch> batch, std::optional<std::string> error);  // on the strand
  void finish(Batch& batch);  // on the strand: the flush markers of a batch
  void schedule_retry();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer retry_timer_;
  Store& store_;
  Graph graph_;  // strand-confined
  // Strand-confined: what failed batches applied to graph_ that the store has not taken, per
  // key the last change, and their flush markers; written with the next batch.
  std::map<EntityKey, ChangeType> unsaved_;
  std::deque<Pending> unsaved_markers_;
  SnapshotPublisher publisher_;
  std::vector<Listener> listeners_;

  std::mutex mutex_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool draining_ = false;      // guarded by mutex_: a drain is posted or running
  bool saving_ = false;        // strand-confined: a store transaction is in flight
  bool retrying_ = false;      // strand-confined: waiting for the retry timer
  bool stopping_ = false;      // strand-confined: stop() was called
  std::chrono::milliseconds retry_delay_{0};

  // The writer's thread, for store transactions only; declared last so that it is joined first.
  boost::asio::io_context store_io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> store_work_;
  std::thread store_thread_;
};

}  // namespace vmfabric
