#include "runtime/graph_writer.h"

#include <boost/asio/post.hpp>
#include <map>

#include "log/log.h"

namespace vmfabric {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{500};
constexpr std::chrono::milliseconds kMaxRetry{30'000};

// Merges the changes of several deltas into what the store must write: per key, the last change
// decides (removed: delete the row; added or modified: write the current value).
void merge_into(std::map<EntityKey, ChangeType>& merged, const GraphChanges& changes) {
  for (const Change& c : changes.changes) merged[c.key] = c.type;
}

}  // namespace

GraphWriter::GraphWriter(boost::asio::any_io_executor executor, Store& store, Graph graph)
    : strand_(boost::asio::make_strand(executor)),
      retry_timer_(strand_),
      store_(store),
      graph_(std::move(graph)) {
  publisher_.publish(graph_.snapshot());
}

void GraphWriter::submit(Delta delta, std::string source) {
  std::lock_guard lock(mutex_);
  queue_.push_back({std::move(delta), std::move(source), nullptr});
  if (!draining_) {
    draining_ = true;
    boost::asio::post(strand_, [this] { drain(); });
  }
}

void GraphWriter::flush(std::function<void()> done) {
  std::lock_guard lock(mutex_);
  queue_.push_back({Delta{}, "", std::move(done)});
  if (!draining_) {
    draining_ = true;
    boost::asio::post(strand_, [this] { drain(); });
  }
}

void GraphWriter::drain() {
  if (retrying_) return;  // the timer drains when it fires
  std::deque<Pending> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
    draining_ = false;
  }
  if (batch.empty()) return;

  const Snapshot before = graph_.snapshot();
  std::map<EntityKey, ChangeType> merged;
  for (const Pending& p : batch) {
    if (p.flushed) continue;
    try {
      merge_into(merged, graph_.apply(p.delta));
    } catch (const GraphError& e) {
      log::error("graph.delta_rejected", {{"source", p.source}, {"error", e.what()}});
    }
  }

  if (!merged.empty()) {
    GraphChanges to_write;
    to_write.version = graph_.current().version();
    for (auto& [key, type] : merged) to_write.changes.push_back({type, key});
    try {
      store_.save(graph_.current(), to_write);
    } catch (const StoreError& e) {
      // Roll the graph back and keep the batch, in order, ahead of anything newer.
      graph_ = Graph(before);
      {
        std::lock_guard lock(mutex_);
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
      }
      retry_delay_ =
          retry_delay_.count() == 0 ? kFirstRetry : std::min(retry_delay_ * 2, kMaxRetry);
      log::error("store.write_failed", {{"error", e.what()},
                                        {"entities", to_write.changes.size()},
                                        {"retry_in_ms", retry_delay_.count()}});
      schedule_retry();
      return;
    }
    if (retry_delay_.count() != 0) {
      log::info("store.write_recovered", {{"entities", to_write.changes.size()}});
      retry_delay_ = std::chrono::milliseconds(0);
    }
    const Snapshot after = graph_.snapshot();
    publisher_.publish(after);
    for (const Listener& l : listeners_) l(to_write, after);
  }
  for (const Pending& p : batch) {
    if (p.flushed) p.flushed();
  }
}

void GraphWriter::schedule_retry() {
  retrying_ = true;
  retry_timer_.expires_after(retry_delay_);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    retrying_ = false;
    if (!ec) drain();
  });
}

}  // namespace vmfabric
