// Writes graph batches to a store forever, printing "committed N" after batch N is durable.
// Batch 0 is the synthetic inventory; batch N>0 churns VMs (support/crash_workload.h). After each
// batch it journals one entry with reason "batch N" and the given cause. crash_test kills it with
// SIGKILL mid-write and checks what survived.
#include <cstdio>
#include <string>

#include "store/store.h"
#include "support/crash_workload.h"
#include "support/fixtures.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer DB CAUSE\n");
    return 2;
  }
  using namespace vmfabric;
  auto store = Store::open(argv[1]);
  Graph graph;
  for (int batch = 0;; ++batch) {
    const GraphChanges changes = graph.apply(testing::crash_batch(graph.current(), batch));
    store->save(graph.current(), changes);
    JournalEntry entry;
    entry.created_ms = batch;
    entry.switch_name = "leaf1a";
    entry.commands = {"vlan " + std::to_string(100 + batch % 3000)};
    entry.reason = "batch " + std::to_string(batch);
    entry.cause = argv[2];
    store->journal_begin(entry);
    std::printf("committed %d\n", batch);
    std::fflush(stdout);
  }
}
