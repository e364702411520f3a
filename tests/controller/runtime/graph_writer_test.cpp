// GraphWriter: ordered application of Deltas from many threads, persistence of every batch,
// rejected deltas dropped alone, and store failures held unpublished and retried without loss.
#include "runtime/graph_writer.h"

#include <sqlite3.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "log/log.h"
#include "support/fixtures.h"
#include "support/small_tmpfs.h"
#include "support/temp_dir.h"

using namespace vmfabric;
using namespace std::chrono_literals;

namespace {

// An io_context running on two threads for the test's lifetime.
struct Runner {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::vector<std::thread> threads;
  Runner() {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~Runner() {
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }
};

void flush(GraphWriter& writer) {
  std::promise<void> done;
  writer.flush([&] { done.set_value(); });
  REQUIRE(done.get_future().wait_for(60s) == std::future_status::ready);
}

Graph reload(const std::string& path) {
  auto store = Store::open(path);
  Graph g;
  g.apply(store->load());
  return g;
}

Vm make_vm(const std::string& moref, PowerState power) {
  Vm vm;
  vm.id = {VCenterId("vc1"), moref};
  vm.name = moref;
  vm.power = power;
  return vm;
}

// Submits vCenter vc1 and waits until the writer persisted it.
void submit_vcenter(GraphWriter& writer) {
  Delta vc;
  VCenter center;
  center.id = VCenterId("vc1");
  vc.upsert(center);
  writer.submit(std::move(vc), "test");
  flush(writer);
}

}  // namespace

TEST_CASE("deltas from many threads are applied in order per source and persisted",
          "[runtime][graph_writer]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("w.db"));
  Runner runner;
  GraphWriter writer(runner.io.get_executor(), *store, Graph{});
  std::size_t notified = 0;
  writer.subscribe(
      [&](const GraphChanges& changes, const Snapshot&) { notified += changes.changes.size(); });

  submit_vcenter(writer);

  // Four sources, each toggling its own VMs 50 times: the last write of each source must win.
  std::vector<std::thread> sources;
  for (int s = 0; s < 4; ++s) {
    sources.emplace_back([&writer, s] {
      for (int round = 0; round < 50; ++round) {
        Delta d;
        for (int v = 0; v < 10; ++v) {
          d.upsert(make_vm("vm-" + std::to_string(s) + "-" + std::to_string(v),
                           round % 2 == 0 ? PowerState::kPoweredOn : PowerState::kPoweredOff));
        }
        writer.submit(std::move(d), "source " + std::to_string(s));
      }
    });
  }
  for (auto& t : sources) t.join();
  flush(writer);

  const auto snap = writer.snapshots().latest();
  REQUIRE(snap->count<Vm>() == 40);
  for (const Vm& vm : snap->all<Vm>()) REQUIRE(vm.power == PowerState::kPoweredOff);  // round 49
  REQUIRE(notified >= 41);
  REQUIRE(testing::diff(reload(dir.file("w.db")).current(), *snap) == "");
}

TEST_CASE("a rejected delta is logged and dropped alone", "[runtime][graph_writer]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("w.db"));
  std::vector<std::string> logs;
  log::set_sink([&](std::string_view l) { logs.emplace_back(l); });
  {
    Runner runner;
    GraphWriter writer(runner.io.get_executor(), *store, Graph{});
    Delta bad;
    Pnic orphan;
    orphan.id = {HostId{VCenterId("vc1"), "host-9"}, "vmnic0"};
    bad.upsert(orphan);
    writer.submit(std::move(bad), "vcenter vc1");
    writer.submit(testing::synthetic_inventory({}), "inventory");
    flush(writer);
    REQUIRE(writer.snapshots().latest()->count<Pnic>() > 0);
    REQUIRE(writer.snapshots().latest()->find<Pnic>(orphan.id) == nullptr);
  }
  log::reset_sink();
  bool found = false;
  for (const auto& l : logs) {
    found = found || (l.find("event=graph.delta_rejected") != std::string::npos &&
                      l.find("source=\"vcenter vc1\"") != std::string::npos &&
                      l.find("its host vc1/host-9 is not in the graph") != std::string::npos);
  }
  REQUIRE(found);
}

TEST_CASE("a batch the store cannot write is held unpublished and retried until it lands",
          "[runtime][graph_writer]") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  auto store = Store::open(path);
  std::vector<std::string> logs;
  std::mutex logs_mutex;
  std::promise<void> failed;
  bool failed_once = false;
  log::set_sink([&](std::string_view l) {
    std::lock_guard lock(logs_mutex);
    logs.emplace_back(l);
    if (!failed_once && l.find("event=store.write_failed") != std::string::npos) {
      failed_once = true;
      failed.set_value();
    }
  });

  // Another connection holds the write lock: the writer's transaction fails (busy) until it
  // lets go.
  sqlite3* blocker = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &blocker) == SQLITE_OK);
  REQUIRE(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  {
    Runner runner;
    GraphWriter writer(runner.io.get_executor(), *store, Graph{});
    writer.submit(testing::synthetic_inventory({}), "inventory");
    REQUIRE(failed.get_future().wait_for(60s) == std::future_status::ready);
    // Unpublished: readers never saw a graph that is not in the database.
    REQUIRE(writer.snapshots().latest()->count<Vm>() == 0);
    REQUIRE(sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
    flush(writer);
    REQUIRE(writer.snapshots().latest()->count<Vm>() > 0);
    REQUIRE(testing::diff(reload(path).current(), *writer.snapshots().latest()) == "");
  }
  sqlite3_close(blocker);
  log::reset_sink();
  bool recovered = false;
  for (const auto& l : logs)
    recovered = recovered || l.find("event=store.write_recovered") != std::string::npos;
  REQUIRE(recovered);
}

TEST_CASE(
    "while the disk is full batches are held as their net changes and land once space is back",
    "[runtime][graph_writer]") {
  testing::SmallTmpfs disk("4m");
  const std::string path = disk.file("w.db");
  auto store = Store::open(path);
  Runner runner;
  GraphWriter writer(runner.io.get_executor(), *store, Graph{});
  std::atomic<int> batches{0};
  writer.subscribe([&](const GraphChanges&, const Snapshot&) { ++batches; });
  submit_vcenter(writer);
  const int before = batches;

  disk.fill();
  // 200 deltas toggling the same 10 VMs: the writer keeps their net effect (10 VMs), not them.
  for (int round = 0; round < 200; ++round) {
    Delta d;
    for (int v = 0; v < 10; ++v) {
      d.upsert(make_vm("vm-" + std::to_string(v),
                       round % 2 == 0 ? PowerState::kPoweredOn : PowerState::kPoweredOff));
    }
    writer.submit(std::move(d), "vcenter");
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (store->health().write_errors < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polls the retries' count: no notification exists
  }
  REQUIRE(store->health().write_errors >= 2);
  REQUIRE_FALSE(store->health().writable);
  REQUIRE(store->health().disk_full);
  REQUIRE(writer.snapshots().latest()->count<Vm>() == 0);  // nothing published meanwhile
  REQUIRE(batches == before);

  disk.free_space();
  flush(writer);
  CHECK(batches == before + 1);  // one batch: every delta held while the disk was full
  const auto snap = writer.snapshots().latest();
  REQUIRE(snap->count<Vm>() == 10);
  for (const Vm& vm : snap->all<Vm>()) CHECK(vm.power == PowerState::kPoweredOff);  // round 199
  CHECK(store->health().writable);
  CHECK(testing::diff(reload(path).current(), *snap) == "");
  CHECK(store->check_integrity().empty());
}

TEST_CASE("stopping while the disk is full drops what the store refuses instead of waiting",
          "[runtime][graph_writer]") {
  testing::SmallTmpfs disk("4m");
  auto store = Store::open(disk.file("w.db"));
  Runner runner;
  GraphWriter writer(runner.io.get_executor(), *store, Graph{});
  disk.fill();
  writer.submit(testing::synthetic_inventory({}), "inventory");
  std::promise<void> stopped;
  writer.stop([&] { stopped.set_value(); });
  REQUIRE(stopped.get_future().wait_for(30s) == std::future_status::ready);
  CHECK(store->health().disk_full);
  CHECK(writer.snapshots().latest()->count<Vm>() == 0);  // never published
}
