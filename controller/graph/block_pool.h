// BlockPool: fixed-size blocks for long-lived memory (the graph's nodes, the vCenter inventory's
// VMs), kept apart from the rest of the heap.
//
// Why: a full sync frees tens of MB of parse buffers in small pieces, and glibc can give a page
// back only when nothing on it is in use. Graph nodes allocated among those pieces pin their
// pages for as long as the entity lives (15-23 MB at 40,000 VMs; tests/bench/RESULTS.md). A
// pool carves its blocks from regions of its own, so transient memory never shares a page with
// a node.
//
// Blocks are reused (a free list) but regions are kept for the life of the process: a pool's
// memory is its peak. Pages are touched as blocks are first handed out, so reserved but unused
// address space costs nothing resident.
//
// Thread-safe: a node may be freed on another thread than the one that made it (a snapshot
// released by an API reader). Under AddressSanitizer the pools hand out plain heap blocks, so
// that use-after-free and overflows of nodes are still caught.
#pragma once

#include <cstddef>
#include <mutex>

namespace vmfabric {

class BlockPool {
 public:
  static constexpr std::size_t kLargestBlock = 1024;

  // The pool of blocks of `size` bytes (1 to kLargestBlock) rounded up to 16: one pool per size
  // class, shared by everything of that class; never destroyed (nodes may be freed during
  // static destruction).
  static BlockPool& for_bytes(std::size_t size);
  template <std::size_t Size>
  static BlockPool& for_size() {
    static_assert(Size > 0 && Size <= kLargestBlock);
    static BlockPool& pool = for_bytes(Size);
    return pool;
  }
  // `size` bytes from their pool, or from the heap when larger than kLargestBlock (or 0).
  static void* allocate_bytes(std::size_t size);
  static void deallocate_bytes(void* block, std::size_t size) noexcept;

  // False under AddressSanitizer, where blocks are plain heap blocks (and `usage` stays 0).
  static const bool kPooled;

  void* allocate();
  void deallocate(void* block) noexcept;

  std::size_t block_size() const { return block_size_; }

  // Totals over every pool. `touched`: bytes handed out at least once, so resident (unless
  // swapped out): what the pools add to the process beside the heap. `in_use`: bytes handed out
  // and not given back.
  struct Usage {
    std::size_t touched = 0;
    std::size_t in_use = 0;
  };
  static Usage usage() noexcept;

  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

 private:
  explicit BlockPool(std::size_t block_size) : block_size_(block_size) {}

  struct FreeBlock {
    FreeBlock* next;
  };

  const std::size_t block_size_;
  std::mutex mutex_;
  FreeBlock* free_ = nullptr;  // blocks given back, reused first
  std::byte* next_ = nullptr;  // the current region's first never-used byte
  std::byte* end_ = nullptr;   // the current region's end
};

// An allocator for standard containers of long-lived things (the vCenter inventory's VMs):
// blocks from the pools, so that they too stay apart from the transient heap.
template <class T>
struct PoolAllocator {
  static_assert(alignof(T) <= 16, "pool blocks are 16-byte aligned");
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(BlockPool::allocate_bytes(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { BlockPool::deallocate_bytes(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace vmfabric
