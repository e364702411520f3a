// BlockPool: fixed-size blocks for the graph's nodes, kept apart from the rest of the heap.
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
  // One pool per size class (block sizes rounded up to 16 bytes), shared by every node type of
  // that class; never destroyed (nodes may be freed during static destruction).
  template <std::size_t Size>
  static BlockPool& for_size() {
    return of_class<round_up(Size)>();
  }

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
  static constexpr std::size_t round_up(std::size_t size) { return (size + 15) / 16 * 16; }
  template <std::size_t BlockSize>
  static BlockPool& of_class() {
    static BlockPool& pool = *new BlockPool(BlockSize);
    return pool;
  }

  struct FreeBlock {
    FreeBlock* next;
  };

  const std::size_t block_size_;
  std::mutex mutex_;
  FreeBlock* free_ = nullptr;  // blocks given back, reused first
  std::byte* next_ = nullptr;  // the current region's first never-used byte
  std::byte* end_ = nullptr;   // the current region's end
};

}  // namespace vmfabric
