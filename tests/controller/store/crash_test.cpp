// Crash safety: a writer killed with SIGKILL in the middle of writing batches leaves a database
// that opens, passes integrity checks and holds every batch committed before the kill.
#include <signal.h>

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <thread>

#include "store/store.h"
#include "support/crash_workload.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace vmfabric;
using namespace std::chrono_literals;

namespace {

Graph replay(int last_batch) {
  Graph g;
  for (int b = 0; b <= last_batch; ++b) g.apply(testing::crash_batch(g.current(), b));
  return g;
}

}  // namespace

TEST_CASE("a store killed mid-write keeps every committed batch", "[store][crash]") {
  testing::TempDir dir;
  const std::string db = dir.file("crash.db");
  std::mt19937 rng(20261125);

  // Several rounds on the same file: each writer starts over (batch 0 rewrites the whole
  // inventory), writes a few batches and is killed at a random point of the next one.
  for (int round = 0; round < 6; ++round) {
    const std::string cause = "round " + std::to_string(round);
    testing::ChildProcess writer({CRASH_WRITER, db, cause});
    const int target = 2 + static_cast<int>(rng() % 6);
    int seen = -1;
    while (seen < target) {
      const auto line = writer.read_line(60s);
      REQUIRE(line.has_value());
      REQUIRE(line->rfind("committed ", 0) == 0);
      seen = std::stoi(line->substr(10));
    }
    // Land the kill inside the next batch: its graph apply or its SQLite transaction.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    writer.signal(SIGKILL);
    REQUIRE(writer.wait(10s) == 128 + SIGKILL);
    // The writer may have committed (and reported) more batches before the kill landed: the
    // last line it wrote is the last batch known committed.
    while (const auto line = writer.read_line(1s)) {
      if (line->rfind("committed ", 0) == 0) seen = std::stoi(line->substr(10));
    }

    INFO(cause << ", last batch reported committed: " << seen);
    auto store = Store::open(db);
    REQUIRE(store->check_integrity().empty());
    Graph loaded;
    loaded.apply(store->load());

    // Batch `seen` was committed; batch seen+1 may have committed before the kill landed.
    std::string diff = testing::diff(loaded.current(), replay(seen).current());
    if (!diff.empty()) diff = testing::diff(loaded.current(), replay(seen + 1).current());
    REQUIRE(diff == "");

    std::set<std::string> journaled;
    for (const auto& e : store->journal({std::nullopt, 0, 100000})) {
      if (e.cause == cause) journaled.insert(e.reason);
    }
    for (int b = 0; b <= seen; ++b) REQUIRE(journaled.count("batch " + std::to_string(b)) == 1);
  }
}
