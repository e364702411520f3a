// store_bench: how fast graph batches reach SQLite (WAL, synchronous=FULL), and how fast the
// graph loads back. Prints one table; exits 1 when the persistence target is missed.
//
//   store_bench [--hosts N] [--vms-per-host N] [--batch N] [--batches N] [--db PATH]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "store/store.h"
#include "support/fixtures.h"

using namespace vmfabric;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void row(const char* what, std::size_t rows, double secs) {
  std::printf("%-34s %10zu rows %9.3f s %12.0f rows/s\n", what, rows, secs,
              secs > 0 ? static_cast<double>(rows) / secs : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int hosts = 500;
  int vms_per_host = 20;
  int batch = 1000;
  int batches = 50;
  std::string db = (std::filesystem::temp_directory_path() / "vmfabric-store-bench.db").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--hosts")
      hosts = std::stoi(argv[i + 1]);
    else if (flag == "--vms-per-host")
      vms_per_host = std::stoi(argv[i + 1]);
    else if (flag == "--batch")
      batch = std::stoi(argv[i + 1]);
    else if (flag == "--batches")
      batches = std::stoi(argv[i + 1]);
    else if (flag == "--db")
      db = argv[i + 1];
    else {
      std::fprintf(stderr, "store_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);

  testing::SyntheticSpec spec;
  spec.clusters_per_vcenter = (hosts + 7) / 8;
  spec.hosts_per_cluster = 8;
  spec.vms_per_host = vms_per_host;
  spec.leaf_pairs = 8;

  auto store = Store::open(db);
  Graph graph;

  auto t = Clock::now();
  const Delta inventory = testing::synthetic_inventory(spec);
  const GraphChanges initial = graph.apply(inventory);
  const double apply_secs = seconds_since(t);

  t = Clock::now();
  store->save(graph.current(), initial);
  const double initial_secs = seconds_since(t);

  std::size_t churn_rows = 0;
  double churn_apply = 0;
  double churn_save = 0;
  for (int b = 1; b <= batches; ++b) {
    const Delta churn = testing::vm_churn(graph.current(), batch, b);
    t = Clock::now();
    const GraphChanges changes = graph.apply(churn);
    churn_apply += seconds_since(t);
    t = Clock::now();
    store->save(graph.current(), changes);
    churn_save += seconds_since(t);
    churn_rows += changes.changes.size();
  }

  t = Clock::now();
  Graph loaded;
  loaded.apply(store->load());
  const double load_secs = seconds_since(t);
  const bool same = testing::diff(loaded.current(), graph.current()).empty();

  const std::size_t entities = testing::entity_count(graph.current());
  std::printf("store_bench: %d hosts, %zu VMs, %zu entities; %d batches of %d VM changes; %s\n",
              hosts, graph.current().count<Vm>(), entities, batches, batch, db.c_str());
  row("graph apply (initial inventory)", initial.changes.size(), apply_secs);
  row("persist initial inventory (1 txn)", initial.changes.size(), initial_secs);
  row("graph apply (churn batches)", churn_rows, churn_apply);
  row("persist churn batches (1 txn each)", churn_rows, churn_save);
  row("load graph from SQLite", entities, load_secs);
  std::printf("reloaded graph identical: %s\n", same ? "yes" : "NO");

  const double persist_rate = static_cast<double>(churn_rows) / churn_save;
  constexpr double kTarget = 50000;
  std::printf("target: batched persistence >= %.0f upserts/s: %s (%.0f)\n", kTarget,
              persist_rate >= kTarget ? "met" : "MISSED", persist_rate);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return same && persist_rate >= kTarget ? 0 : 1;
}
