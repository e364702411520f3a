// The heap's free memory, given back to the system. glibc keeps what vmfabricd frees for reuse:
// after a full sync or a fabric-wide plan, tens of MB freed in small pieces between long-lived
// entities stay resident (a 40,000-VM lab: 105.6 MB resident, 92.0 MB after a release;
// tests/bench/RESULTS.md). The daemon reads the heap every few seconds and releases when that
// unused resident memory has grown.
#pragma once

#include <cstddef>
#include <utility>

namespace vmfabric::runtime {

struct HeapReading {
  std::size_t resident = 0;  // the process's resident bytes (code and stacks included)
  std::size_t in_use = 0;    // the heap's bytes handed out and not had back, and the pools' kept
  std::size_t unused() const { return resident > in_use ? resident - in_use : 0; }
};

// Reads /proc/self/statm, mallinfo2 (a walk of the heap's free lists) and what the block pools
// have touched (graph/block_pool.h: the graph's nodes, the inventory's VMs; kept for reuse).
HeapReading read_heap();
// The bytes allocated and not yet freed: the heap's (malloc's headers and rounding included)
// and the block pools' blocks in use. What the memory benchmarks count.
std::size_t bytes_in_use();
// malloc_trim: every whole free page goes back to the system. Costs a walk of the heap.
void release_heap();

// When to release: once resident memory beyond what is in use has grown by `threshold` bytes
// since the last release, and the heap has settled (in use within `threshold / 2` of the
// previous reading): a release walks the heap with its locks held, up to 270 ms in the middle
// of a 40,000-VM sync, 13-134 ms after it. A release leaves the free space free (only its pages
// go), so a plain "free bytes over N" would release again at every reading. Pure.
class HeapReleasePolicy {
 public:
  explicit HeapReleasePolicy(std::size_t threshold) : threshold_(threshold) {}
  // Called with each reading, in order.
  bool should_release(const HeapReading& now) {
    const std::size_t previous = std::exchange(previous_in_use_, now.in_use);
    const std::size_t change =
        now.in_use > previous ? now.in_use - previous : previous - now.in_use;
    return change <= threshold_ / 2 && now.unused() >= unused_after_release_ + threshold_;
  }
  // What a release left (read right after it).
  void released(const HeapReading& after) {
    unused_after_release_ = after.unused();
    previous_in_use_ = after.in_use;
  }

 private:
  std::size_t threshold_;
  std::size_t unused_after_release_ = 0;
  std::size_t previous_in_use_ = 0;
};

}  // namespace vmfabric::runtime
