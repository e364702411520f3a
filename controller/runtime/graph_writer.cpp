#include "runtime/graph_writer.h"

#include <boost/asio/post.hpp>

#include "log/log.h"

namespace vmfabric {
namespace {

// A failed write costs little (SQLite refuses at once on a full disk): retry often enough that
// the graph moves again within seconds once the store can write.
constexpr std::chrono::milliseconds kFirstRetry{500};
constexpr std::chrono::milliseconds kMaxRetry{2'000};

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
      graph_(std::move(graph)),
      store_work_(boost::asio::make_work_guard(store_io_)),
      store_thread_([this] { store_io_.run(); }) {
  publisher_.publish(graph_.snapshot());
}

GraphWriter::~GraphWriter() {
  store_work_.reset();
  store_thread_.join();
}

void GraphWriter::submit(Delta delta, std::string source) {
  enqueue({std::move(delta), std::move(source), nullptr});
}

void GraphWriter::flush(std::function<void()> done) { enqueue({Delta{}, "", std::move(done)}); }

void GraphWriter::stop(std::function<void()> done) {
  boost::asio::post(strand_, [this, done = std::move(done)]() mutable {
    stopping_ = true;
    retry_timer_.cancel();  // its handler drains now
    enqueue({Delta{}, "", std::move(done)});
  });
}

void GraphWriter::enqueue(Pending pending) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(pending));
  if (!draining_) {
    draining_ = true;
    boost::asio::post(strand_, [this] { drain(); });
  }
}

void GraphWriter::drain() {
  // The retry timer, or the end of the transaction in flight, drains again.
  if (retrying_ || saving_) return;
  auto batch = std::make_shared<Batch>();
  {
    std::lock_guard lock(mutex_);
    batch->pending.swap(queue_);
    draining_ = false;
  }
  if (batch->pending.empty() && unsaved_.empty()) return;

  // What failed batches left unsaved goes first, with their flush markers.
  std::map<EntityKey, ChangeType> merged = std::exchange(unsaved_, {});
  for (auto it = unsaved_markers_.rbegin(); it != unsaved_markers_.rend(); ++it) {
    batch->pending.push_front(std::move(*it));
  }
  unsaved_markers_.clear();
  for (Pending& p : batch->pending) {
    if (p.flushed) continue;
    try {
      merge_into(merged, graph_.apply(p.delta));
    } catch (const GraphError& e) {
      log::error("graph.delta_rejected", {{"source", p.source}, {"error", e.what()}});
    }
    p.delta = Delta{};  // applied: kept no longer than needed
  }
  if (merged.empty()) {
    finish(*batch);
    return;
  }
  batch->to_write.version = graph_.current().version();
  for (auto& [key, type] : merged) batch->to_write.changes.push_back({type, key});

  // The transaction runs on the writer's thread; until it ends, the graph stays as it is (no
  // other batch is applied) and nothing is published.
  saving_ = true;
  boost::asio::post(store_io_, [this, batch, after = graph_.snapshot()] {
    std::optional<std::string> error;
    const auto started = std::chrono::steady_clock::now();
    try {
      store_.save(after, batch->to_write);
    } catch (const StoreError& e) {
      error = e.what();
    }
    if (!error) {
      log::debug("graph.batch_saved",
                 {{"entries", batch->pending.size()},
                  {"entities", batch->to_write.changes.size()},
                  {"save_us", std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count()}});
    }
    boost::asio::post(strand_,
                      [this, batch, error = std::move(error)] { persisted(batch, error); });
  });
}

void GraphWriter::persisted(std::shared_ptr<Batch> batch, std::optional<std::string> error) {
  saving_ = false;
  if (error && stopping_) {
    log::warn("graph.unsaved_at_stop",
              {{"entities", batch->to_write.changes.size()},
               {"error", *error},
               {"detail", "vmfabricd reads vCenter and the switches again at its next start"}});
    finish(*batch);
    drain();
    return;
  }
  if (error) {
    // The graph keeps the batch, unpublished; the next batch writes it too.
    for (const Change& c : batch->to_write.changes) unsaved_[c.key] = c.type;
    for (Pending& p : batch->pending) {
      if (p.flushed) unsaved_markers_.push_back(std::move(p));
    }
    retry_delay_ = retry_delay_.count() == 0 ? kFirstRetry : std::min(retry_delay_ * 2, kMaxRetry);
    // The store logs the failure once per episode (store.disk_full, store.write_failed).
    log::debug("graph.save_retry", {{"error", *error},
                                    {"entities", batch->to_write.changes.size()},
                                    {"retry_in_ms", retry_delay_.count()}});
    schedule_retry();
    return;
  }
  retry_delay_ = std::chrono::milliseconds(0);
  const Snapshot after = graph_.snapshot();
  publisher_.publish(after);
  for (const Listener& l : listeners_) l(batch->to_write, after);
  finish(*batch);
  drain();  // what was submitted meanwhile
}

void GraphWriter::finish(Batch& batch) {
  for (const Pending& p : batch.pending) {
    if (p.flushed) p.flushed();
  }
}

void GraphWriter::schedule_retry() {
  retrying_ = true;
  retry_timer_.expires_after(retry_delay_);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    retrying_ = false;
    if (!ec || stopping_) drain();
  });
}

}  // namespace vmfabric
