#include "runtime/heap.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include "graph/block_pool.h"

namespace vmfabric::runtime {

HeapReading read_heap() {
  HeapReading r;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0, resident = 0;  // in pages
    if (std::fscanf(f, "%lu %lu", &size, &resident) == 2) {
      r.resident = resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    }
    std::fclose(f);
  }
  const struct mallinfo2 info = ::mallinfo2();
  // From the arenas, mapped on their own, and the block pools (resident beside the heap, and
  // kept: their freed blocks wait for reuse).
  r.in_use = info.uordblks + info.hblkhd + BlockPool::usage().touched;
  return r;
}

std::size_t bytes_in_use() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd + BlockPool::usage().in_use;
}

void release_heap() { ::malloc_trim(0); }

}  // namespace vmfabric::runtime
