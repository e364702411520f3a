// memory_bench: the heap the topology graph retains per tracked VM, on the large lab.
//
//   memory_bench
//
// Builds the lab of large_lab.h (1,000 switches, ~52,000 ports, ~4,000 hosts, ~100,000 VMs with
// one vNIC each, 4,000 DV portgroups), applies it to a Graph, destroys the Delta and counts the
// bytes still in use (runtime::bytes_in_use: the block pools' blocks, and glibc's mallinfo2()
// uordblks + hblkhd, which include malloc's chunk headers and rounding; chunks freed into the
// per-thread cache still count, a few KB of noise).
// Two figures per VM:
//   per VM (marginal)  (graph with the VMs - the same graph without them) / VMs
//   per VM (total)     the whole graph (fabric, hosts, portgroups, VMs) / VMs
// plus a breakdown by entity kind (each table rebuilt alone from the graph's entities and
// measured the same way). Exits 1 when the total per VM exceeds the 1.5 KB (1,536 B) target.
#include <cstddef>
#include <cstdio>
#include <tuple>
#include <type_traits>

#include "graph/graph.h"
#include "large_lab.h"
#include "runtime/heap.h"

using namespace vmfabric;

namespace {

constexpr double kTargetBytesPerVm = 1536.0;

struct Measured {
  std::size_t bytes = 0;  // heap retained by the graph
  int vms = 0;
};

// The heap retained by a Graph holding `parts` of the lab, once the Delta is gone.
Measured measure_graph(const bench::LargeLabParts& parts, Graph& graph) {
  Measured m;
  const std::size_t before = runtime::bytes_in_use();
  {
    const Delta delta = bench::large_lab(m.vms, parts);
    graph.apply(delta);
  }
  m.bytes = runtime::bytes_in_use() - before;
  return m;
}

double mb(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The heap one table of kind T takes when rebuilt alone from `snapshot`'s entities.
template <class T>
void print_kind(const Snapshot& snapshot, int vms, std::size_t& sum) {
  const std::size_t before = runtime::bytes_in_use();
  std::size_t after = before;
  {
    EntityMap<T> table;
    for (const T& e : snapshot.all<T>()) table.set(e.id, e);
    after = runtime::bytes_in_use();
  }
  const std::size_t bytes = after - before;
  sum += bytes;
  const std::size_t n = snapshot.count<T>();
  std::printf("  %-19s %8zu %10.2f MB %8.0f B each %8.1f B per VM  (sizeof %zu)\n",
              to_string(T::kKind), n, mb(bytes),
              n == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(n),
              static_cast<double>(bytes) / vms, sizeof(T));
}

template <class... T>
std::size_t print_kinds(const Snapshot& snapshot, int vms, TypeList<T...>) {
  std::size_t sum = 0;
  (print_kind<T>(snapshot, vms, sum), ...);
  return sum;
}

}  // namespace

int main() {
  bench::LargeLabParts without_vms;
  without_vms.vms = false;
  Measured rest;
  {
    Graph graph;
    rest = measure_graph(without_vms, graph);
  }
  Graph graph;
  const Measured all = measure_graph(bench::LargeLabParts(), graph);
  const int vms = all.vms;
  const Snapshot& snapshot = graph.current();

  std::printf("VMs                 %d (vNICs %zu)\n", vms, snapshot.count<VmNic>());
  std::printf("switches            %zu, ports %zu, hosts %zu, DV portgroups %zu\n",
              snapshot.count<Switch>(), snapshot.count<Interface>(), snapshot.count<Host>(),
              snapshot.count<DvPortgroup>());
  std::printf("graph node          sizeof %zu B for a Vm (sizeof(Vm) %zu B)\n",
              EntityMap<Vm>::kNodeSize, sizeof(Vm));
  std::printf("by kind             count      heap        per entity   per VM\n");
  const std::size_t sum = print_kinds(snapshot, vms, AllEntities());
  std::printf("  %-19s %8s %10.2f MB\n", "sum of kinds", "", mb(sum));
  std::printf("graph without VMs   %.2f MB\n", mb(rest.bytes));
  std::printf("graph with VMs      %.2f MB\n", mb(all.bytes));
  const double marginal = static_cast<double>(all.bytes - rest.bytes) / vms;
  const double total = static_cast<double>(all.bytes) / vms;
  std::printf("per VM (marginal)   %.0f B = %.2f KB (VM + vNIC)\n", marginal, marginal / 1024.0);
  std::printf("per VM (total)      %.0f B = %.2f KB (whole graph / VMs; target %.1f KB)\n", total,
              total / 1024.0, kTargetBytesPerVm / 1024.0);
  const bool met = total <= kTargetBytesPerVm;
  std::printf("target              %s\n", met ? "met" : "MISSED");
  return met ? 0 : 1;
}
