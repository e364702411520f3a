// What the API keeps in the store (schema 3): the journal's actor, the switches and vCenters it
// added, the policy it set; and a database of schema 2 migrating to it with its journal intact.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/temp_dir.h"

namespace vmfabric {

TEST_CASE("a schema 2 database migrates: its journal rows get no actor", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("old.db");
  std::vector<Migration> old;
  for (const Migration& m : migrations()) {
    if (m.version <= 2) old.push_back(m);
  }
  REQUIRE(old.size() == 2);
  {
    REQUIRE(Store::open(path, old)->schema_version() == 2);
    // A row as vmfabricd 2 wrote it (this build's statements name the new column).
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const int rc = sqlite3_exec(db,
                                "INSERT INTO journal (created_ms, switch, commands, reason, cause, "
                                "result) VALUES (1, 'leaf1a', '[\"vlan 120\"]', '', '', 'applied')",
                                nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  auto store = Store::open(path);
  CHECK(store->schema_version() == Store::latest_schema_version());
  const auto rows = store->journal({});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].switch_name == "leaf1a");
  CHECK(rows[0].actor.empty());
  CHECK(store->inventory().empty());
  CHECK_FALSE(store->policy_override());
  CHECK(store->check_integrity().empty());
}

TEST_CASE("the journal keeps who made a change", "[store]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("j.db"));
  JournalEntry e;
  e.created_ms = 5;
  e.commands = {"add switch leaf9 (10.0.0.9:443)"};
  e.actor = "alice";
  const std::int64_t id = store->journal_begin(e);
  store->journal_finish(id, JournalResult::kApplied, "", 6);
  e.actor.clear();
  store->journal_begin(e);
  const auto rows = store->journal({});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].actor == "alice");
  CHECK(rows[0].result == JournalResult::kApplied);
  CHECK(rows[1].actor.empty());
}

TEST_CASE("switches and vCenters added through the API are kept by kind and name", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("i.db");
  {
    auto store = Store::open(path);
    store->add_inventory({InventoryKind::kSwitch, "leaf9", R"({"name":"leaf9"})", 10, "alice"});
    store->add_inventory({InventoryKind::kVCenter, "leaf9", R"({"name":"leaf9"})", 11, "bob"});
    CHECK_THROWS_AS(store->add_inventory({InventoryKind::kSwitch, "leaf9", "{}", 12, "carol"}),
                    StoreError);
  }
  auto store = Store::open(path);
  auto all = store->inventory();
  REQUIRE(all.size() == 2);
  CHECK(all[0].kind == InventoryKind::kSwitch);
  CHECK(all[0].entry == R"({"name":"leaf9"})");
  CHECK(all[0].created_by == "alice");
  CHECK(all[1].kind == InventoryKind::kVCenter);
  CHECK(all[1].created_ms == 11);
  CHECK(store->remove_inventory(InventoryKind::kSwitch, "leaf9"));
  CHECK_FALSE(store->remove_inventory(InventoryKind::kSwitch, "leaf9"));
  REQUIRE(store->inventory().size() == 1);
}

TEST_CASE("the policy set through the API replaces the one before", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  {
    auto store = Store::open(path);
    CHECK_FALSE(store->policy_override());
    store->set_policy_override({R"({"apply":"dry-run"})", 1, "alice"});
    store->set_policy_override({R"({"apply":"auto"})", 2, "bob"});
  }
  const auto p = Store::open_reader(path)->policy_override();
  REQUIRE(p);
  CHECK(p->policy == R"({"apply":"auto"})");
  CHECK(p->updated_ms == 2);
  CHECK(p->updated_by == "bob");
}

}  // namespace vmfabric
