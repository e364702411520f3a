// Store on a file system that fills up (a small tmpfs; needs root): writes fail as "disk full",
// logged once per episode, counted in health(), and resume once space is back, with nothing
// committed before lost and the database intact.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "log/log.h"
#include "store/store.h"
#include "support/fixtures.h"
#include "support/small_tmpfs.h"

using namespace vmfabric;

namespace {

JournalEntry entry(int n) {
  JournalEntry e;
  e.created_ms = n;
  e.switch_name = "leaf1a";
  e.session = "vmfabric-" + std::to_string(n);
  // Big enough that the log grows by a page or more at each entry.
  e.commands = std::vector<std::string>(
      40, "interface Ethernet" + std::to_string(n) + "\n switchport trunk allowed vlan add 120");
  return e;
}

std::size_t count(const std::vector<std::string>& lines, const std::string& needle) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("on a full disk writes fail as disk full once logged and resume when space is back",
          "[store][disk_full]") {
  testing::SmallTmpfs disk("4m");
  const std::string path = disk.file("s.db");
  auto store = Store::open(path);
  Graph graph;
  store->save(graph.current(), graph.apply(testing::synthetic_inventory({})));
  store->add_inventory({InventoryKind::kSwitch, "leaf9", "{}", 1, "admin"});
  // A refused constraint is the caller's mistake, not a failing disk.
  CHECK_THROWS_AS(store->add_inventory({InventoryKind::kSwitch, "leaf9", "{}", 2, "admin"}),
                  StoreError);
  CHECK(store->health().writable);
  CHECK(store->health().write_errors == 0);

  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  disk.fill();
  // The log may still have room for a few entries: write until the disk refuses, then more.
  std::size_t journaled = 0;
  std::size_t refused = 0;
  for (int n = 0; n < 2'000 && refused < 5; ++n) {
    try {
      store->journal_begin(entry(n));
      ++journaled;
    } catch (const StoreError& e) {
      INFO(e.what());
      CHECK(e.disk_full());
      ++refused;
    }
  }
  REQUIRE(refused == 5);
  const StoreHealth full = store->health();
  CHECK_FALSE(full.writable);
  CHECK(full.disk_full);
  CHECK(full.write_errors == 5);
  CHECK(full.error.find(path) != std::string::npos);
  CHECK(count(lines, "event=store.disk_full") == 1);
  CHECK(count(lines, "database=" + path) == 1);

  disk.free_space();
  store->journal_begin(entry(9'999));
  log::reset_sink();
  CHECK(store->health().writable);
  CHECK(store->health().write_errors == 5);
  CHECK(count(lines, "event=store.write_recovered") == 1);
  CHECK(count(lines, "failed_writes=5") == 1);

  JournalQuery all;
  all.limit = 10'000;
  CHECK(store->journal(all).size() == journaled + 1);
  CHECK(store->check_integrity().empty());
  store.reset();
  CHECK(Store::open(path)->check_integrity().empty());
}
