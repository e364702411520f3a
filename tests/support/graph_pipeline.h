// A live graph for integration tests: io_context threads, a store in a temporary directory and
// the GraphWriter, with a way to await conditions on the graph. Edges under test (vCenter
// sessions, switch agents) run on `executor()` and submit to `writer()`.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/graph_writer.h"
#include "support/temp_dir.h"

namespace vmfabric::testing {

class GraphPipeline {
 public:
  explicit GraphPipeline(int threads = 2);
  // Stops the threads: stop the edges first.
  ~GraphPipeline();
  GraphPipeline(const GraphPipeline&) = delete;
  GraphPipeline& operator=(const GraphPipeline&) = delete;

  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  GraphWriter& writer() { return *writer_; }
  Store& store() { return *store_; }
  std::shared_ptr<const Snapshot> graph() const { return writer_->snapshots().latest(); }

  // Waits until `pred(graph)` holds, re-checking after each graph change. False on timeout.
  bool wait_for(const std::function<bool(const Snapshot&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits until everything submitted so far is applied and persisted.
  void flush();
  // How many entity changes the graph has seen, in all or of one kind.
  std::uint64_t changes() const;
  std::uint64_t changes(EntityKind kind) const;

 private:
  TempDir dir_;
  std::unique_ptr<Store> store_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<GraphWriter> writer_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t batches_ = 0;                         // guarded by mutex_
  std::uint64_t changes_ = 0;                         // guarded by mutex_
  std::map<EntityKind, std::uint64_t> kind_changes_;  // guarded by mutex_
};

}  // namespace vmfabric::testing
