// BlockPool: blocks of one size class, reused once freed (from any thread), counted in its usage;
// the PersistentMap's nodes come from it, and so do PoolAllocator's small blocks.
#include "graph/block_pool.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "graph/persistent_map.h"

namespace vmfabric {

TEST_CASE("BlockPool hands out distinct aligned blocks and reuses freed ones", "[block_pool]") {
  // A size no node has: this test's blocks are the pool's only ones.
  BlockPool& pool = BlockPool::for_size<1000>();
  constexpr std::size_t kBlock = 1008;  // rounded up to 16 bytes
  REQUIRE(pool.block_size() == kBlock);
  REQUIRE(&pool == &BlockPool::for_size<1008>());  // one pool per size class
  REQUIRE(&pool != &BlockPool::for_size<1009>());
  constexpr std::size_t kBlocks = 10'000;  // more than one 4 MB region

  const BlockPool::Usage before = BlockPool::usage();
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    void* b = pool.allocate();
    REQUIRE(reinterpret_cast<std::uintptr_t>(b) % 16 == 0);
    std::memset(b, static_cast<int>(i & 0xff), kBlock);  // the whole block is writable
    blocks.push_back(b);
  }
  REQUIRE(std::set<void*>(blocks.begin(), blocks.end()).size() == blocks.size());
  if (BlockPool::kPooled) {
    REQUIRE(BlockPool::usage().in_use - before.in_use == kBlocks * kBlock);
    REQUIRE(BlockPool::usage().touched - before.touched == kBlocks * kBlock);
  }

  // Freed on another thread (a snapshot released by an API reader), then reused here.
  std::thread([&] {
    for (void* b : blocks) pool.deallocate(b);
  }).join();
  if (BlockPool::kPooled) {
    REQUIRE(BlockPool::usage().in_use == before.in_use);
    void* again = pool.allocate();
    REQUIRE(again == blocks.back());  // the last freed comes back first
    REQUIRE(BlockPool::usage().touched - before.touched ==
            kBlocks * kBlock);  // nothing new touched
    pool.deallocate(again);
  }
}

TEST_CASE("PersistentMap nodes come from their size's pool", "[block_pool]") {
  using Map = PersistentMap<int, std::uint64_t>;
  const std::size_t before = BlockPool::usage().in_use;
  {
    Map m;
    for (int i = 0; i < 1000; ++i) m.set(i, 1);
    if (BlockPool::kPooled) {
      REQUIRE(BlockPool::usage().in_use - before ==
              1000 * BlockPool::for_size<Map::kNodeSize>().block_size());
    }
  }
  REQUIRE(BlockPool::usage().in_use == before);
}

TEST_CASE("PoolAllocator takes blocks up to the largest from the pools, larger ones from the heap",
          "[block_pool]") {
  const std::size_t before = BlockPool::usage().in_use;
  {
    std::vector<std::uint32_t, PoolAllocator<std::uint32_t>> small(100);   // 400 bytes: a block
    std::vector<std::uint32_t, PoolAllocator<std::uint32_t>> large(1000);  // 4,000: the heap
    small[99] = large[999] = 7;
    if (BlockPool::kPooled) REQUIRE(BlockPool::usage().in_use - before == 400);
    std::basic_string<char, std::char_traits<char>, PoolAllocator<char>> text(200, 'x');
    if (BlockPool::kPooled) REQUIRE(BlockPool::usage().in_use - before == 400 + 208);
    REQUIRE(text.back() == 'x');
    PoolAllocator<char> allocator;
    allocator.deallocate(allocator.allocate(0), 0);  // no pool for 0 bytes: the heap's
    if (BlockPool::kPooled) REQUIRE(BlockPool::usage().in_use - before == 400 + 208);
  }
  REQUIRE(BlockPool::usage().in_use == before);
}

}  // namespace vmfabric
