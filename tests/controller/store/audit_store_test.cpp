// What drift audits keep in the store (schema 4): audits with their findings, listing, pruning,
// audits abandoned by a crash, the reconciler's baseline; and a schema 3 database migrating.
#include <catch2/catch.hpp>

#include "sql.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace vmfabric {
namespace {

using testing::exec_sql;
using testing::query_int;

audit::Finding full_finding() {
  audit::Finding f;
  f.kind = audit::FindingKind::kVlanMissing;
  f.switch_name = "leaf1a";
  f.interface = "Ethernet11";
  f.host = "esx-a1";
  f.uplink = "vmnic2";
  f.vlans = VlanSet::parse("120,130-132");
  f.why = {"VM web-3 on esx-a2 via pg-app (VLAN 120)", "VM db-1 on esx-a1 via pg-db (VLAN 130)"};
  f.undone = VlanSet::of({120});
  f.last_change = audit::LastChange{true, 1234, "vmfabric-7"};
  f.outside = audit::OutsideChange{"ansible_167510439362", "joe.bob", 1675104396450};
  f.detail = "VLANs 120,130-132 are not allowed on leaf1a Ethernet11; the plan needs them";
  return f;
}

// A finding with every optional part empty: no VLANs, no reasons, no last change.
audit::Finding bare_finding() {
  audit::Finding f;
  f.kind = audit::FindingKind::kClusterGap;
  f.host = "esx-b2";
  f.detail = "esx-b2 cannot reach esx-b1's VLANs";
  return f;
}

AuditRecord started(std::int64_t started_ms, const std::string& trigger = "schedule") {
  AuditRecord a;
  a.started_ms = started_ms;
  a.trigger = trigger;
  a.remediate = "none";
  return a;
}

void require_same(const AuditRecord& got, const AuditRecord& want) {
  CHECK(got.id == want.id);
  CHECK(got.started_ms == want.started_ms);
  CHECK(got.finished_ms == want.finished_ms);
  CHECK(got.trigger == want.trigger);
  CHECK(got.actor == want.actor);
  CHECK(got.remediate == want.remediate);
  CHECK(to_string(got.status) == std::string(to_string(want.status)));
  CHECK(got.error == want.error);
  CHECK(got.switches == want.switches);
  CHECK(got.unreadable == want.unreadable);
  CHECK(got.counts == want.counts);
  CHECK(got.repairs == want.repairs);
  REQUIRE(got.findings.size() == want.findings.size());
  for (std::size_t i = 0; i < got.findings.size(); ++i) {
    INFO("finding " << i);
    CHECK(got.findings[i] == want.findings[i]);
  }
}

std::vector<std::int64_t> ids_of(const std::vector<AuditRecord>& audits) {
  std::vector<std::int64_t> ids;
  for (const AuditRecord& a : audits) ids.push_back(a.id);
  return ids;
}

}  // namespace

TEST_CASE("an audit and its findings round trip from start to finish", "[store][audits]") {
  testing::TempDir dir;
  const std::string path = dir.file("a.db");
  auto store = Store::open(path);
  AuditRecord a = started(1000, "api");
  a.actor = "ops";
  a.remediate = "add-only";
  a.status = AuditStatus::kDone;  // begin stores it running whatever it says
  a.finished_ms = 5;
  a.findings = {bare_finding()};
  a.id = store->audit_begin(a);
  REQUIRE(a.id > 0);
  a.status = AuditStatus::kRunning;
  a.finished_ms.reset();
  require_same(*store->audit(a.id), a);

  a.status = AuditStatus::kDone;
  a.finished_ms = 3500;
  a.switches = 40;
  a.unreadable = 1;
  a.counts = {{"cluster-gap", 1}, {"vlan-missing", 1}, {"switch-unreachable", 1}};
  a.repairs = {12, 13};
  audit::Finding unreachable;
  unreachable.kind = audit::FindingKind::kSwitchUnreachable;
  unreachable.switch_name = "leaf9";
  unreachable.detail = "leaf9 could not be read: connection refused";
  a.findings = {full_finding(), bare_finding(), unreachable};
  store->audit_finish(a);
  require_same(*store->audit(a.id), a);
  // Through a reader, after reopening.
  store.reset();
  require_same(*Store::open_reader(path)->audit(a.id), a);
  CHECK(query_int(path, "SELECT count(*) FROM audit_findings") == 3);
  CHECK(query_int(path, "SELECT count(*) FROM audit_findings WHERE outside_change IS NULL") == 2);
  CHECK(Store::open(path)->check_integrity().empty());
}

TEST_CASE("a failed audit keeps its error and no findings", "[store][audits]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("f.db"));
  AuditRecord a = started(10);
  a.findings = {full_finding()};
  a.id = store->audit_begin(a);
  a.status = AuditStatus::kFailed;
  a.finished_ms = 20;
  a.error = "the plan could not be computed: vCenter vc1 is not in sync";
  a.findings.clear();
  store->audit_finish(a);
  require_same(*store->audit(a.id), a);
}

TEST_CASE("audits are listed newest first without findings and paged by id", "[store][audits]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("l.db"));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    AuditRecord a = started(100 * i);
    a.findings = {full_finding()};
    ids.push_back(store->audit_begin(a));
  }
  const auto all = store->audits({});
  REQUIRE(ids_of(all) == std::vector<std::int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]});
  for (const AuditRecord& a : all) CHECK(a.findings.empty());
  CHECK(all[0].started_ms == 400);
  CHECK(all[0].status == AuditStatus::kRunning);
  CHECK_FALSE(all[0].finished_ms);

  AuditQuery page;
  page.limit = 2;
  CHECK(ids_of(store->audits(page)) == std::vector<std::int64_t>{ids[4], ids[3]});
  page.before_id = ids[3];
  CHECK(ids_of(store->audits(page)) == std::vector<std::int64_t>{ids[2], ids[1]});
  page.before_id = ids[1];
  CHECK(ids_of(store->audits(page)) == std::vector<std::int64_t>{ids[0]});
  page.before_id = ids[0];
  CHECK(store->audits(page).empty());
}

TEST_CASE("an unknown audit is absent and cannot be finished", "[store][audits]") {
  testing::TempDir dir;
  auto store = Store::open(dir.file("u.db"));
  CHECK_FALSE(store->audit(1));
  AuditRecord a = started(1);
  a.id = 99;
  REQUIRE_THROWS_WITH(store->audit_finish(a), Catch::EndsWith("audit 99 does not exist"));
  CHECK(store->audits({}).empty());
}

TEST_CASE("pruning deletes only finished audits started before the bound with their findings",
          "[store][audits]") {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  auto store = Store::open(path);
  // {started_ms, final status} for each; kRunning: never finished.
  const std::vector<std::pair<std::int64_t, AuditStatus>> plan = {
      {100, AuditStatus::kDone},
      {200, AuditStatus::kFailed},
      {150, AuditStatus::kRunning},
      {300, AuditStatus::kDone},  // at the bound: kept
      {500, AuditStatus::kDone}};
  std::vector<std::int64_t> ids;
  for (const auto& [started_ms, status] : plan) {
    AuditRecord a = started(started_ms);
    a.findings = {full_finding(), bare_finding()};
    a.id = store->audit_begin(a);
    if (status != AuditStatus::kRunning) {
      a.status = status;
      a.finished_ms = started_ms + 10;
      store->audit_finish(a);
    }
    ids.push_back(a.id);
  }
  CHECK(store->prune_audits(300) == 2);
  CHECK(ids_of(store->audits({})) == std::vector<std::int64_t>{ids[4], ids[3], ids[2]});
  CHECK(query_int(path, "SELECT count(*) FROM audit_findings WHERE audit_id IN (" +
                            std::to_string(ids[0]) + ", " + std::to_string(ids[1]) + ")") == 0);
  CHECK(query_int(path, "SELECT count(*) FROM audit_findings") == 6);
  CHECK(store->audit(ids[2])->findings.size() == 2);
  CHECK(store->prune_audits(300) == 0);
  CHECK(store->check_integrity().empty());
}

TEST_CASE("audits left running by a crash are marked failed", "[store][audits]") {
  testing::TempDir dir;
  const std::string path = dir.file("c.db");
  std::int64_t done = 0;
  std::vector<std::int64_t> running;
  {
    auto store = Store::open(path);
    running.push_back(store->audit_begin(started(10)));
    AuditRecord a = started(20);
    a.id = done = store->audit_begin(a);
    a.status = AuditStatus::kDone;
    a.finished_ms = 30;
    store->audit_finish(a);
    running.push_back(store->audit_begin(started(40)));
  }
  auto store = Store::open(path);
  CHECK(store->abandon_running_audits(900, "vmfabricd stopped during the audit") == 2);
  for (const std::int64_t id : running) {
    const auto a = store->audit(id);
    CHECK(a->status == AuditStatus::kFailed);
    CHECK(a->finished_ms == 900);
    CHECK(a->error == "vmfabricd stopped during the audit");
  }
  const auto untouched = store->audit(done);
  CHECK(untouched->status == AuditStatus::kDone);
  CHECK(untouched->finished_ms == 30);
  CHECK(untouched->error.empty());
  CHECK(store->abandon_running_audits(1000, "again") == 0);
}

TEST_CASE("an unreadable finding names its audit and row", "[store][audits]") {
  testing::TempDir dir;
  const std::string path = dir.file("bad.db");
  std::int64_t id = 0;
  {
    auto store = Store::open(path);
    AuditRecord a = started(1);
    a.findings = {bare_finding(), full_finding()};
    id = store->audit_begin(a);
  }
  exec_sql(path, "UPDATE audit_findings SET kind = 'vlan-sideways' WHERE seq = 1");
  auto store = Store::open(path);
  REQUIRE_THROWS_WITH(store->audit(id),
                      path + ": table audit_findings, audit " + std::to_string(id) +
                          ", row 1: unreadable finding: unknown finding kind \"vlan-sideways\"");
  CHECK(store->audits({}).size() == 1);  // the list does not read findings

  exec_sql(path, "UPDATE audit_findings SET kind = 'vlan-missing', vlans = '120-' WHERE seq = 1");
  REQUIRE_THROWS_WITH(store->audit(id), Catch::StartsWith(path + ": table audit_findings, audit " +
                                                          std::to_string(id) + ", row 1: "));
  exec_sql(path, "UPDATE audit_findings SET vlans = '' WHERE seq = 1");
  CHECK(store->audit(id)->findings.at(1).vlans.empty());

  exec_sql(path, "UPDATE audits SET counts = '{\"vlan-missing\": '");
  REQUIRE_THROWS_WITH(store->audits({}),
                      Catch::StartsWith(path + ": table audits, row " + std::to_string(id) +
                                        ": unreadable audit: "));
  // The schema's CHECK keeps out unknown statuses; a database edited without it is still refused.
  exec_sql(
      path,
      "PRAGMA ignore_check_constraints = ON; UPDATE audits SET counts = '{}', status = 'paused'");
  REQUIRE_THROWS_WITH(store->audits({}), path + ": table audits, row " + std::to_string(id) +
                                             ": unreadable audit: unknown status \"paused\"");
}

TEST_CASE("the baseline is replaced per switch and forgotten when empty", "[store][baseline]") {
  testing::TempDir dir;
  const std::string path = dir.file("b.db");
  {
    auto store = Store::open(path);
    CHECK(store->baseline().empty());
    store->save_baseline("leaf1a", {{"", VlanSet::parse("120,130")},
                                    {"Ethernet1", VlanSet::of({120})},
                                    {"Ethernet2", VlanSet()}});
    store->save_baseline("spine1", {{"", VlanSet::of({100})}});
  }
  Baseline want = {{"leaf1a",
                    {{"", VlanSet::parse("120,130")},
                     {"Ethernet1", VlanSet::of({120})},
                     {"Ethernet2", VlanSet()}}},
                   {"spine1", {{"", VlanSet::of({100})}}}};
  auto store = Store::open(path);
  CHECK(store->baseline() == want);

  store->save_baseline("leaf1a", {{"Ethernet1", VlanSet::parse("140-142")}});
  want["leaf1a"] = {{"Ethernet1", VlanSet::parse("140-142")}};
  CHECK(store->baseline() == want);

  store->save_baseline("spine1", {});
  want.erase("spine1");
  CHECK(Store::open_reader(path)->baseline() == want);
}

TEST_CASE("the reader connection refuses audit and baseline writes", "[store][audits]") {
  testing::TempDir dir;
  const std::string path = dir.file("r.db");
  const std::int64_t id = Store::open(path)->audit_begin(started(1));
  auto reader = Store::open_reader(path);
  const std::string refused = path + ": opened for reading only";
  AuditRecord a = started(2);
  a.id = id;
  CHECK_THROWS_WITH(reader->audit_begin(a), refused);
  CHECK_THROWS_WITH(reader->audit_finish(a), refused);
  CHECK_THROWS_WITH(reader->prune_audits(100), refused);
  CHECK_THROWS_WITH(reader->abandon_running_audits(100, "x"), refused);
  CHECK_THROWS_WITH(reader->save_baseline("leaf1a", {}), refused);
  CHECK(ids_of(reader->audits({})) == std::vector<std::int64_t>{id});
}

TEST_CASE("a schema 3 database migrates to audits and keeps its rows", "[store][migrations]") {
  testing::TempDir dir;
  const std::string path = dir.file("v3.db");
  std::vector<Migration> v3;
  for (const Migration& m : migrations()) {
    if (m.version <= 3) v3.push_back(m);
  }
  REQUIRE(v3.size() == 3);
  {
    auto old = Store::open(path, v3);
    REQUIRE(old->schema_version() == 3);
    JournalEntry entry;
    entry.switch_name = "leaf1a";
    SessionEnd end;
    end.journal_id = old->journal_begin(entry);
    end.result = JournalResult::kApplied;
    end.switch_name = "leaf1a";
    end.created = VlanSet::of({120});
    old->journal_end(end);
  }
  auto store = Store::open(path);
  CHECK(store->schema_version() == Store::latest_schema_version());
  REQUIRE(Store::latest_schema_version() >= 4);
  CHECK(std::string(migrations()[3].name) == "audits");
  CHECK(query_int(path, "SELECT count(*) FROM schema_migrations WHERE version = 4") == 1);
  CHECK(store->created_vlans().at("leaf1a") == VlanSet::of({120}));
  CHECK(store->audits({}).empty());
  CHECK(store->baseline().empty());
  const std::int64_t id = store->audit_begin(started(7));
  CHECK(store->audit(id)->started_ms == 7);
  CHECK(store->check_integrity().empty());
}

}  // namespace vmfabric
