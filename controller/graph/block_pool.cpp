#include "graph/block_pool.h"

#include <sys/mman.h>

#include <array>
#include <atomic>
#include <cassert>
#include <new>
#include <utility>

namespace vmfabric {

// g++ says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define VMFABRIC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMFABRIC_ASAN 1
#endif
#endif

#if defined(VMFABRIC_ASAN)
const bool BlockPool::kPooled = false;
#else
const bool BlockPool::kPooled = true;
#endif

namespace {

// Address space reserved at a time. Only touched pages become resident, so a large region
// costs a small table nothing; 4 MB keeps a 40,000-VM graph to a few dozen mappings.
constexpr std::size_t kRegionBytes = std::size_t{4} << 20;

std::atomic<std::size_t> g_touched{0};
std::atomic<std::size_t> g_in_use{0};

bool pooled_size(std::size_t size) { return size != 0 && size <= BlockPool::kLargestBlock; }

}  // namespace

BlockPool& BlockPool::for_bytes(std::size_t size) {
  assert(size > 0 && size <= kLargestBlock);
  static constexpr std::size_t kClasses = kLargestBlock / 16;
  static const std::array<BlockPool*, kClasses> pools = [] {
    std::array<BlockPool*, kClasses> all{};
    for (std::size_t i = 0; i < kClasses; ++i) all[i] = new BlockPool(16 * (i + 1));
    return all;
  }();
  return *pools[(size - 1) / 16];
}

void* BlockPool::allocate_bytes(std::size_t size) {
  return pooled_size(size) ? for_bytes(size).allocate() : ::operator new(size);
}

void BlockPool::deallocate_bytes(void* block, std::size_t size) noexcept {
  if (pooled_size(size)) {
    for_bytes(size).deallocate(block);
  } else {
    ::operator delete(block);
  }
}

void* BlockPool::allocate() {
  if (!kPooled) return ::operator new(block_size_);
  g_in_use.fetch_add(block_size_, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (free_ != nullptr) return std::exchange(free_, free_->next);
  if (static_cast<std::size_t>(end_ - next_) < block_size_) {
    void* region = ::mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) {
      g_in_use.fetch_sub(block_size_, std::memory_order_relaxed);
      throw std::bad_alloc();
    }
    next_ = static_cast<std::byte*>(region);
    end_ = next_ + kRegionBytes;
  }
  g_touched.fetch_add(block_size_, std::memory_order_relaxed);
  return std::exchange(next_, next_ + block_size_);
}

void BlockPool::deallocate(void* block) noexcept {
  if (!kPooled) return ::operator delete(block);
  g_in_use.fetch_sub(block_size_, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  free_ = new (block) FreeBlock{free_};
}

BlockPool::Usage BlockPool::usage() noexcept {
  return {g_touched.load(std::memory_order_relaxed), g_in_use.load(std::memory_order_relaxed)};
}

}  // namespace vmfabric
