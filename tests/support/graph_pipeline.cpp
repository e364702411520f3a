#include "support/graph_pipeline.h"

#include <future>

namespace vmfabric::testing {

GraphPipeline::GraphPipeline(int threads) : work_(io_.get_executor()) {
  store_ = Store::open(dir_.file("vmfabric.db"));
  writer_ = std::make_unique<GraphWriter>(io_.get_executor(), *store_, Graph{});
  writer_->subscribe([this](const GraphChanges& changes, const Snapshot&) {
    {
      std::lock_guard lock(mutex_);
      ++batches_;
      for (const Change& c : changes.changes) {
        ++changes_;
        ++kind_changes_[kind_of(c.key)];
      }
    }
    changed_.notify_all();
  });
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

GraphPipeline::~GraphPipeline() {
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
}

bool GraphPipeline::wait_for(const std::function<bool(const Snapshot&)>& pred,
                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  while (true) {
    const std::uint64_t seen = batches_;
    lock.unlock();
    if (pred(*graph())) return true;
    lock.lock();
    if (!changed_.wait_until(lock, deadline, [&] { return batches_ != seen; })) return false;
  }
}

void GraphPipeline::flush() {
  std::promise<void> flushed;
  writer_->flush([&] { flushed.set_value(); });
  flushed.get_future().wait();
}

std::uint64_t GraphPipeline::changes() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

std::uint64_t GraphPipeline::changes(EntityKind kind) const {
  std::lock_guard lock(mutex_);
  const auto it = kind_changes_.find(kind);
  return it == kind_changes_.end() ? 0 : it->second;
}

}  // namespace vmfabric::testing
