// Store: round trips of the graph, incremental batches, migrations and the journal.
#include "store/store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <optional>

#include "log/log.h"
#include "sql.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

using namespace vmfabric;
using testing::exec_sql;
using testing::query_int;

namespace {

Graph reload(const std::string& path) {
  auto store = Store::open(path);
  Graph g;
  g.apply(store->load());
  return g;
}

// The switch `id` as the database at `path` gives it back; nothing when it holds none.
std::optional<Switch> reload_switch(const std::string& path, const SwitchId& id) {
  const Graph g = reload(path);
  const Switch* sw = g.current().find<Switch>(id);
  return sw != nullptr ? std::optional(*sw) : std::nullopt;
}

// The switch `id` read back after its row's data was replaced by `data`, as another version of
// vmfabricd wrote it.
std::optional<Switch> reload_row(const std::string& path, const SwitchId& id,
                                 const std::string& data) {
  exec_sql(path, "UPDATE switches SET data = '" + data + "'");
  return reload_switch(path, id);
}

// Saves `sw` alone into a new database at `path` and reads it back.
std::optional<Switch> save_and_reload(const std::string& path, const Switch& sw) {
  Graph graph;
  Delta add;
  add.upsert(sw);
  Store::open(path)->save(graph.current(), graph.apply(add));
  return reload_switch(path, sw.id);
}

// Captures log lines for the lifetime of the object.
struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    log::set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~LogCapture() { log::reset_sink(); }
  bool contains(const std::string& needle) const {
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("save then reopen gives the identical graph", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("g.db");
  Graph graph;
  {
    auto store = Store::open(path);
    const auto changes = graph.apply(testing::synthetic_inventory({}));
    store->save(graph.current(), changes);
    REQUIRE(store->entity_count() == testing::entity_count(graph.current()));
  }
  const Graph loaded = reload(path);
  REQUIRE(testing::diff(loaded.current(), graph.current()) == "");
  REQUIRE(testing::entity_count(loaded.current()) > 500);
}

TEST_CASE("incremental batches, modifications and cascading removals persist", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("g.db");
  Graph graph;
  auto store = Store::open(path);
  store->save(graph.current(), graph.apply(testing::synthetic_inventory({})));
  for (int round = 1; round <= 5; ++round) {
    store->save(graph.current(), graph.apply(testing::vm_churn(graph.current(), 25, round)));
  }
  // Remove a host (its pnics, vswitches, portgroups, vmknics go with it), a VM (its NICs), a
  // switch (its interfaces, port-channels, links, MLAG pair) and a distributed switch.
  const Host host = *graph.current().all<Host>().begin();
  const Vm vm = *graph.current().all<Vm>().begin();
  const DistributedSwitch dvs = *graph.current().all<DistributedSwitch>().begin();
  Delta removal;
  removal.remove(host.id);
  removal.remove(vm.id);
  removal.remove(SwitchId("leaf1a"));
  removal.remove(dvs.id);
  const GraphChanges changes = graph.apply(removal);
  REQUIRE(changes.changes.size() > 4);
  store->save(graph.current(), changes);
  REQUIRE(graph.current().find<Host>(host.id) == nullptr);
  REQUIRE(graph.current().count<DvPortgroup>() == 0);

  const Graph loaded = reload(path);
  REQUIRE(testing::diff(loaded.current(), graph.current()) == "");
  REQUIRE(store->check_integrity().empty());
}

TEST_CASE("a fresh database is created at the latest schema", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("fresh.db");
  LogCapture logs;
  auto store = Store::open(path);
  REQUIRE(store->schema_version() == Store::latest_schema_version());
  REQUIRE(Store::latest_schema_version() >= 1);
  REQUIRE(logs.contains("event=store.migrated"));
  REQUIRE(logs.contains("from=0 to=" + std::to_string(Store::latest_schema_version())));
  REQUIRE(query_int(path, "SELECT count(*) FROM schema_migrations") ==
          Store::latest_schema_version());
  REQUIRE(query_int(path, "SELECT max(version) FROM schema_migrations") ==
          Store::latest_schema_version());
  REQUIRE(store->check_integrity().empty());
}

TEST_CASE("an already migrated database is opened as it is", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("db.db");
  Graph graph;
  {
    auto store = Store::open(path);
    store->save(graph.current(), graph.apply(testing::synthetic_inventory({})));
  }
  LogCapture logs;
  auto store = Store::open(path);
  REQUIRE_FALSE(logs.contains("event=store.migrated"));
  REQUIRE(store->schema_version() == Store::latest_schema_version());
  REQUIRE(query_int(path, "SELECT count(*) FROM schema_migrations") ==
          Store::latest_schema_version());
  REQUIRE(store->entity_count() == testing::entity_count(graph.current()));
}

TEST_CASE("pending migrations are applied in order, and only those", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("upgrade.db");
  std::vector<Migration> steps = migrations();
  { Store::open(path, steps); }
  const int base = steps.back().version;
  steps.push_back(
      {base + 1, "add_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"});
  steps.push_back({base + 2, "seed_notes", "INSERT INTO notes (text) VALUES ('hello');"});
  LogCapture logs;
  auto store = Store::open(path, steps);
  REQUIRE(store->schema_version() == base + 2);
  REQUIRE(logs.contains("from=" + std::to_string(base) + " to=" + std::to_string(base + 2)));
  REQUIRE(query_int(path, "SELECT count(*) FROM notes") == 1);
}

TEST_CASE("a failing migration leaves the database as it was", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("fail.db");
  std::vector<Migration> steps = migrations();
  { Store::open(path, steps); }
  const int base = steps.back().version;
  steps.push_back({base + 1, "good", "CREATE TABLE extra (id INTEGER PRIMARY KEY);"});
  steps.push_back({base + 2, "broken", "CREATE TABLE broken (id INTEGER PRIMARY KEY;"});
  REQUIRE_THROWS_WITH(
      Store::open(path, steps),
      Catch::Contains("syntax error") &&
          Catch::EndsWith("(in migration " + std::to_string(base + 2) + "_broken)"));
  // All pending migrations run in one transaction: the good one was rolled back with it.
  REQUIRE(query_int(path, "SELECT max(version) FROM schema_migrations") == base);
  REQUIRE(query_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'") == 0);
}

TEST_CASE("a database from a newer vmfabricd is refused", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("newer.db");
  { Store::open(path); }
  const int newer = Store::latest_schema_version() + 1;
  exec_sql(path, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                     ", 'from_the_future', '2030-01-01T00:00:00Z')");
  REQUIRE_THROWS_WITH(
      Store::open(path),
      path + ": database schema version " + std::to_string(newer) +
          " is newer than this vmfabricd supports (" +
          std::to_string(Store::latest_schema_version()) +
          "); run the vmfabricd that wrote it, or restore a backup taken before the upgrade");
  // Refusing did not touch it.
  REQUIRE(query_int(path, "SELECT max(version) FROM schema_migrations") == newer);
}

TEST_CASE("a file that is not a database is refused with a clear error", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.write("junk.db", std::string(4096, 'x'));
  REQUIRE_THROWS_WITH(Store::open(path), Catch::StartsWith(path + ": file is not a database") &&
                                             Catch::EndsWith("is this a vmfabric database?"));
}

TEST_CASE("an unwritable location is refused with the path", "[store]") {
  REQUIRE_THROWS_WITH(Store::open("/nonexistent-dir/vmfabric.db"),
                      Catch::StartsWith("/nonexistent-dir/vmfabric.db: cannot open the database"));
}

TEST_CASE("a corrupted row is reported with its table and id", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("rows.db");
  Graph graph;
  {
    auto store = Store::open(path);
    store->save(graph.current(), graph.apply(testing::synthetic_inventory({})));
  }
  exec_sql(path, "UPDATE vms SET data = '{\"id\": 5' WHERE id = '[\"vc1\",\"vm-1000\"]'");
  auto store = Store::open(path);
  REQUIRE_THROWS_WITH(
      store->load(),
      Catch::StartsWith(path + ": table vms, row [\"vc1\",\"vm-1000\"]: unreadable entity: "));
}

TEST_CASE("a cycle's changes are journaled together, each with its own id", "[store][journal]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("j.db"));
  std::vector<JournalEntry> entries(3);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].created_ms = 1000;
    entries[i].switch_name = "leaf" + std::to_string(i + 1);
    entries[i].session = "vmfabric-1000-" + std::to_string(i + 1);
    entries[i].commands = {"vlan 120"};
  }
  store->journal_begin(std::span<JournalEntry>(entries));
  REQUIRE(entries[0].id > 0);
  REQUIRE(entries[1].id == entries[0].id + 1);
  REQUIRE(entries[2].id == entries[1].id + 1);
  const auto all = store->journal({});
  REQUIRE(all.size() == 3);
  for (const JournalEntry& e : all) {
    CHECK(e.result == JournalResult::kPending);
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const JournalEntry& x) { return x.id == e.id; });
    REQUIRE(it != entries.end());
    CHECK(it->switch_name == e.switch_name);
    CHECK(it->session == e.session);
  }
}

TEST_CASE("the journal records a change before and after it is applied", "[store][journal]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("j.db"));
  JournalEntry e;
  e.created_ms = 1000;
  e.switch_name = "leaf1a";
  e.session = "vmfabric-1";
  e.commands = {"vlan 120", "name web", "interface Ethernet1",
                "switchport trunk allowed vlan add 120"};
  e.reason = "VM web-1 powered on";
  e.cause = "vc1/vm-57";
  const auto id1 = store->journal_begin(e);
  e.switch_name = "leaf1b";
  const auto id2 = store->journal_begin(e);
  REQUIRE(id2 > id1);

  auto all = store->journal({});
  REQUIRE(all.size() == 2);
  REQUIRE(all[0].result == JournalResult::kPending);
  REQUIRE_FALSE(all[0].finished_ms.has_value());
  REQUIRE(all[0].commands == e.commands);

  store->journal_finish(id1, JournalResult::kApplied, "verified", 1500);
  store->journal_finish(id2, JournalResult::kFailed, "CLI command 2 of 4 'name web' failed", 1600);
  all = store->journal({});
  REQUIRE(all[0].result == JournalResult::kApplied);
  REQUIRE(all[0].finished_ms == 1500);
  REQUIRE(all[0].detail == "verified");
  REQUIRE(all[0].session == "vmfabric-1");
  REQUIRE(all[0].reason == "VM web-1 powered on");
  REQUIRE(all[0].cause == "vc1/vm-57");
  REQUIRE(all[1].result == JournalResult::kFailed);

  const auto leaf1b = store->journal({std::string("leaf1b"), 0, 100});
  REQUIRE(leaf1b.size() == 1);
  REQUIRE(leaf1b[0].id == id2);
  REQUIRE(store->journal({std::nullopt, id1, 100}).size() == 1);
  REQUIRE(store->journal({std::nullopt, 0, 1}).size() == 1);
  REQUIRE_THROWS_WITH(store->journal_finish(9999, JournalResult::kApplied, "", 0),
                      Catch::EndsWith("journal entry 9999 does not exist"));
}

TEST_CASE("journal entries left pending by a killed vmfabricd are closed as failed",
          "[store][journal]") {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  std::int64_t pending = 0, applied = 0;
  {
    auto store = Store::open(path);
    JournalEntry e;
    e.created_ms = 1000;
    e.switch_name = "leaf1a";
    e.session = "vmfabric-1000-1";
    applied = store->journal_begin(e);
    store->journal_finish(applied, JournalResult::kApplied, "verified", 1100);
    e.session = "vmfabric-1000-2";
    pending = store->journal_begin(e);
  }
  auto store = Store::open(path);
  CHECK(store->close_interrupted_journal(2000, "vmfabricd stopped") == 1);
  const auto all = store->journal({});
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == applied);
  CHECK(all[0].result == JournalResult::kApplied);
  CHECK(all[0].finished_ms == 1100);
  CHECK(all[0].detail == "verified");
  CHECK(all[1].id == pending);
  CHECK(all[1].result == JournalResult::kFailed);
  CHECK(all[1].finished_ms == 2000);
  CHECK(all[1].detail == "vmfabricd stopped");
  CHECK(store->close_interrupted_journal(3000, "again") == 0);
}

TEST_CASE("the VLANs vmfabric created are remembered per switch across reopen", "[store]") {
  testing::TempDir dir;
  {
    auto store = Store::open(dir.file("c.db"));
    JournalEntry entry;
    entry.switch_name = "leaf1a";
    const auto end = [&](const std::string& sw, const std::string& created,
                         const std::string& deleted) {
      SessionEnd e;
      e.journal_id = store->journal_begin(entry);
      e.result = JournalResult::kApplied;
      e.finished_ms = 1000;
      e.switch_name = sw;
      if (!created.empty()) e.created = VlanSet::parse(created);
      if (!deleted.empty()) e.deleted = VlanSet::parse(deleted);
      store->journal_end(e);
    };
    end("leaf1a", "120,130-132", "");
    end("leaf1a", "120", "");  // again: no change
    end("spine1", "120", "");
    end("leaf1a", "", "131");
  }
  auto store = Store::open(dir.file("c.db"));
  const auto created = store->created_vlans();
  REQUIRE(created.size() == 2);
  REQUIRE(created.at("leaf1a") == VlanSet::parse("120,130,132"));
  REQUIRE(created.at("spine1") == VlanSet::of({120}));
}

TEST_CASE("a session's end is journaled with what it changed in one transaction", "[store]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("e.db"));
  store->save_baseline("leaf1a", {{"", VlanSet::of({120})},
                                  {"Ethernet1", VlanSet::of({120})},
                                  {"Ethernet2", VlanSet::of({120})}});
  // A change journaled on `sw`, and how its session ended.
  const auto session_end = [&](const std::string& sw, JournalResult result,
                               const std::string& detail, std::int64_t finished_ms) {
    JournalEntry entry;
    entry.switch_name = sw;
    SessionEnd e;
    e.journal_id = store->journal_begin(entry);
    e.result = result;
    e.detail = detail;
    e.finished_ms = finished_ms;
    e.switch_name = sw;
    return e;
  };
  SessionEnd end = session_end("leaf1a", JournalResult::kApplied, "verified", 2000);
  end.created = VlanSet::of({130});
  end.baseline = {{"", VlanSet::parse("120,130")}, {"Ethernet1", VlanSet::parse("120,130")}};
  store->journal_end(end);
  const std::vector<JournalEntry> journal = store->journal({});
  REQUIRE(journal.size() == 1);
  CHECK(journal[0].result == JournalResult::kApplied);
  CHECK(journal[0].detail == "verified");
  CHECK(journal[0].finished_ms == 2000);
  CHECK(store->created_vlans().at("leaf1a") == VlanSet::of({130}));
  // The rows it names are replaced, the others kept.
  const auto base = store->baseline().at("leaf1a");
  CHECK(base.at("") == VlanSet::parse("120,130"));
  CHECK(base.at("Ethernet1") == VlanSet::parse("120,130"));
  CHECK(base.at("Ethernet2") == VlanSet::of({120}));

  SECTION("an unknown journal entry changes nothing") {
    SessionEnd unknown = end;
    unknown.journal_id = 9999;
    unknown.created = VlanSet::of({140});
    CHECK_THROWS_WITH(store->journal_end(unknown), Catch::Contains("journal entry 9999"));
    CHECK(store->created_vlans().at("leaf1a") == VlanSet::of({130}));
  }

  SECTION("several ends are journaled together, or none of them") {
    const SessionEnd spine = session_end("spine1", JournalResult::kFailed, "timed out", 3000);
    SessionEnd leaf = session_end("leaf1a", JournalResult::kApplied, "verified", 3001);
    leaf.created = VlanSet::of({150});
    leaf.deleted = VlanSet::of({130});
    leaf.baseline = {{"Ethernet2", VlanSet::parse("120,150")}};
    SessionEnd unknown = spine;
    unknown.journal_id = 9999;

    const std::vector<SessionEnd> refused = {spine, leaf, unknown};
    CHECK_THROWS_WITH(store->journal_end(std::span<const SessionEnd>(refused)),
                      Catch::Contains("journal entry 9999"));
    const std::vector<JournalEntry> before = store->journal({});
    REQUIRE(before.size() == 3);
    CHECK(before[1].result == JournalResult::kPending);
    CHECK(before[2].result == JournalResult::kPending);
    CHECK(store->created_vlans().at("leaf1a") == VlanSet::of({130}));

    const std::vector<SessionEnd> both = {spine, leaf};
    store->journal_end(std::span<const SessionEnd>(both));
    const std::vector<JournalEntry> after = store->journal({});
    REQUIRE(after.size() == 3);
    CHECK(after[1].result == JournalResult::kFailed);
    CHECK(after[1].detail == "timed out");
    CHECK(after[2].result == JournalResult::kApplied);
    CHECK(after[2].finished_ms == 3001);
    CHECK(store->created_vlans().at("leaf1a") == VlanSet::of({150}));
    CHECK(store->baseline().at("leaf1a").at("Ethernet2") == VlanSet::parse("120,150"));
  }
}

TEST_CASE("a DV portgroup moved to another switch is owned by the new one in the database",
          "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("dvpg.db");
  Graph graph;
  auto store = Store::open(path);
  store->save(graph.current(), graph.apply(testing::synthetic_inventory({})));
  DvPortgroup pg = *graph.current().all<DvPortgroup>().begin();
  DistributedSwitch other;
  other.id = {pg.id.vcenter, "dvs-other"};
  other.name = "dvs-other";
  Delta move;
  move.upsert(other);
  pg.dvs = other.id;
  move.upsert(pg);
  store->save(graph.current(), graph.apply(move));
  REQUIRE(query_int(
              path,
              "SELECT count(*) FROM dv_portgroups WHERE parent = '[\"vc1\",\"dvs-other\"]'") == 1);

  // Removing the new switch removes the portgroup, in the graph and by cascade in the table.
  Delta removal;
  removal.remove(other.id);
  store->save(graph.current(), graph.apply(removal));
  REQUIRE(graph.current().find<DvPortgroup>(pg.id) == nullptr);
  REQUIRE(testing::diff(reload(path).current(), graph.current()) == "");
}

TEST_CASE("a switch's foreign configuration sessions persist, and older rows load without them",
          "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("sessions.db");
  Switch sw;
  sw.id = SwitchId("leaf1a");
  sw.hostname = "leaf1a";
  sw.eos_version = "4.31.1F";
  sw.config_sessions = {{"console-fix", "", 1600000000000},
                        {"ansible_167510439362", "joe.bob", 1675104396450}};
  CHECK(save_and_reload(path, sw) == sw);

  // As a vmfabricd from before the field wrote it.
  const auto old_sw = reload_row(
      path, sw.id,
      R"({"id": "leaf1a", "hostname": "leaf1a", "eos_version": "4.31.1F", "vlans": []})");
  REQUIRE(old_sw);
  CHECK(old_sw->eos_version == "4.31.1F");
  CHECK(old_sw->config_sessions.empty());
}

TEST_CASE("a switch's VLAN database is stored as [id, name] pairs, as older versions wrote it",
          "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("vlans.db");
  Switch sw;
  sw.id = SwitchId("leaf1a");
  sw.vlans = {{VlanId{120}, "pg-120"}, {VlanId{1}, "default"}};
  CHECK(save_and_reload(path, sw) == sw);

  // A row from before the VLAN database was a sorted array (it was a std::map), out of order.
  const auto old_sw = reload_row(
      path, sw.id, R"({"id": "leaf1a", "vlans": [[300, "web"], [1, "default"], [120, "pg-120"]]})");
  REQUIRE(old_sw);
  CHECK(old_sw->vlans ==
        VlanNames{{VlanId{1}, "default"}, {VlanId{120}, "pg-120"}, {VlanId{300}, "web"}});

  exec_sql(path, "UPDATE switches SET data = '{\"id\": \"leaf1a\", \"vlans\": {\"1\": \"x\"}}'");
  CHECK_THROWS_WITH(
      Store::open(path)->load(),
      Catch::StartsWith(path + ": table switches, row \"leaf1a\": unreadable entity: "));
}
