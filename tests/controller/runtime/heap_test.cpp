// Heap release: when the policy asks for it, and that a release gives freed pages back.
#include "runtime/heap.h"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

using namespace vmfabric::runtime;

namespace {
constexpr std::size_t kMb = 1024 * 1024;

HeapReading reading(std::size_t resident_mb, std::size_t in_use_mb) {
  return {resident_mb * kMb, in_use_mb * kMb};
}
}  // namespace

TEST_CASE("The heap is released once unused resident memory grew by the threshold") {
  HeapReleasePolicy policy(8 * kMb);
  CHECK_FALSE(policy.should_release(reading(40, 35)));   // 5 MB unused
  CHECK_FALSE(policy.should_release(reading(110, 60)));  // 50 MB, but 25 MB more in use: busy
  CHECK(policy.should_release(reading(110, 62)));        // settled
  policy.released(reading(92, 60));                      // 32 MB left: code, stacks, part pages
  CHECK_FALSE(policy.should_release(reading(92, 60)));   // nothing changed: no release again
  CHECK_FALSE(policy.should_release(reading(99, 60)));   // 39 MB: grew by 7
  CHECK(policy.should_release(reading(100, 60)));        // 40 MB: grew by 8
  CHECK(policy.should_release(reading(104, 64)));        // 4 MB more in use: still settled
  CHECK_FALSE(policy.should_release(reading(50, 80)));   // more in use than resident
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan replaces glibc's allocator: nothing to read or trim
TEST_CASE("A release gives the pages of freed small allocations back to the system") {
  // 64 MB in 256-byte pieces, one in 64 kept: their holes are whole free pages that glibc keeps.
  constexpr std::size_t kPieces = 64 * kMb / 256;
  std::vector<std::unique_ptr<char[]>> pieces(kPieces);
  for (auto& p : pieces) {
    p = std::make_unique<char[]>(256);
    p[0] = 1;  // resident
  }
  const HeapReading full = read_heap();
  for (std::size_t i = 0; i < kPieces; ++i) {
    if (i % 64 != 0) pieces[i].reset();
  }
  const HeapReading freed = read_heap();
  CHECK(freed.in_use + 60 * kMb <= full.in_use + kMb);
  CHECK(freed.unused() >= 50 * kMb);  // still resident, no longer in use
  HeapReleasePolicy policy(8 * kMb);
  policy.should_release(freed);  // a first reading: what is in use
  CHECK(policy.should_release(read_heap()));

  release_heap();
  const HeapReading after = read_heap();
  CHECK(after.resident + 40 * kMb <= freed.resident);
  policy.released(after);
  CHECK_FALSE(policy.should_release(read_heap()));
}
#endif
