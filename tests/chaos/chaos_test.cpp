// The fault campaign on the standard lab (tests/e2e/reconcile_test.cpp describes it), every pnic
// cabled and speaking LLDP so that a converged fabric audits clean. web-1 (VLAN 120) moves
// between esx-a1 (uplinks: Port-Channel11 of leaf1a/leaf1b) and esx-b1 (Ethernet12 of both)
// while faults strike. Each case ends converged, with an audit of 0 findings and nothing lost:
// every session vmfabric committed on a switch is in its journal (it journals before it sends)
// and no entry is left pending. Each case prints one row of the campaign's summary table.
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include "lab.h"
#include "support/small_tmpfs.h"

using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Where web-1's VLAN 120 lands on leaf1a and leaf1b for each of its hosts.
std::string uplink_of(const std::string& host) {
  return host == "esx-b1.lab.local" ? "Ethernet12" : "Port-Channel11";
}
std::string other_host(const std::string& host) {
  return host == "esx-b1.lab.local" ? "esx-a1.lab.local" : "esx-b1.lab.local";
}

// Whether `sw` carries 120 on web-1's host uplink only.
bool follows_web1(E2eLab& lab, const std::string& sw, const std::string& host) {
  return lab.allows(sw, uplink_of(host), 120) && !lab.allows(sw, uplink_of(other_host(host)), 120);
}

E2eLab::Options cabled_lab() {
  E2eLab::Options options;
  options.adjust_topology = cable_every_pnic_with_lldp;
  return options;
}

struct Outcome {
  std::size_t committed = 0;  // sessions named vmfabric-* the switches committed
  std::size_t lost = 0;       // of those, the ones missing from vmfabric's journal
  std::size_t pending = 0;    // journal entries still pending
  std::size_t closed_at_restart = 0;
  std::size_t findings = 0;
};

// The end of every case: converged and idle, a clean audit, and nothing lost from the journal.
Outcome settle_and_check(E2eLab& lab, const std::string& web1_host) {
  Outcome out;
  CHECK(lab.eventually([&] {
    return follows_web1(lab, "leaf1a", web1_host) && follows_web1(lab, "leaf1b", web1_host);
  }));
  lab.wait_quiet();
  const json audit = lab.run_audit();
  INFO(audit.dump(2));
  CHECK(audit.at("status") == "done");
  out.findings = audit.at("findings").size();
  CHECK(out.findings == 0);

  const E2eLab::JournalCheck journal = lab.check_journal();
  for (const std::string& lost : journal.lost)
    UNSCOPED_INFO("committed but not journaled: " << lost);
  out.committed = journal.committed;
  out.lost = journal.lost.size();
  out.pending = journal.pending;
  out.closed_at_restart = journal.closed_at_restart;
  CHECK(out.lost == 0);
  CHECK(out.pending == 0);
  return out;
}

void print_row(const std::string& name, std::size_t rounds, const Outcome& o) {
  const bool passed = o.lost == 0 && o.pending == 0 && o.findings == 0;
  std::cout << "chaos | " << name << " | rounds " << rounds << " | sessions committed "
            << o.committed << " | lost " << o.lost << " | pending " << o.pending
            << " | closed at restart " << o.closed_at_restart << " | audit findings " << o.findings
            << " | " << (passed ? "passed" : "FAILED") << std::endl;
}

// The seed of a case's random choices: VMFABRIC_CHAOS_SEED to replay one, else a fresh one.
unsigned chaos_seed() {
  if (const char* s = std::getenv("VMFABRIC_CHAOS_SEED")) return std::stoul(s);
  return std::random_device{}();
}

// The id of vmfabricd's newest journal entry (0: none).
std::int64_t newest_change(E2eLab& lab) {
  const auto all = lab.changes();
  return all.empty() ? 0 : all.front().at("id").get<std::int64_t>();
}

// The sequence number of the newest commit on any switch (the emulator numbers them fabric-wide).
std::uint64_t newest_commit(E2eLab& lab) {
  std::uint64_t seq = 0;
  for (const std::string& sw : lab.fabric().switch_names()) {
    for (const json& commit : lab.fabric().journal(sw)) {
      seq = std::max(seq, commit.at("seq").get<std::uint64_t>());
    }
  }
  return seq;
}

json healthz(E2eLab& lab) { return json::parse(lab.api_get("/healthz", "").body); }

// The `PRAGMA integrity_check` of the database at `path`, read through a connection of its own:
// "ok" when healthy.
std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          auto& text = *static_cast<std::string*>(out);
          text += (text.empty() ? "" : "; ") + std::string(values[0] ? values[0] : "NULL");
          return 0;
        },
        &result, nullptr);
  }
  if (result.empty()) result = std::string("cannot check: ") + sqlite3_errmsg(db);
  sqlite3_close(db);
  return result;
}

// vmfabricd's log lines so far that contain `needle`.
std::vector<std::string> log_lines(E2eLab& lab, const std::string& needle) {
  // Reads what it logged until now: a line it never logs, awaited briefly.
  lab.controller().wait_for_stderr("\x01", 200ms);
  std::vector<std::string> out;
  for (const std::string& line : lab.controller().stderr_lines()) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("vmfabricd killed at random points while VMs move loses nothing") {
  const unsigned seed = chaos_seed();
  std::cout << "chaos kill -9 seed " << seed << " (VMFABRIC_CHAOS_SEED replays it)" << std::endl;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // A kill up to 3.5 s after a move starts: during the vMotion (1.5 s: planning), while a
  // session is open (each eAPI call slowed to 200 ms: committing) or after it.
  std::uniform_int_distribution<int> delay_ms(0, 3500);

  E2eLab lab(cabled_lab());
  REQUIRE(lab.standard_plan_applied());
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", 200}});
  constexpr std::size_t kRounds = 5;
  std::string host = "esx-a1.lab.local";
  for (std::size_t round = 0; round <= kRounds; ++round) {
    host = other_host(host);
    auto move = std::async(std::launch::async, [&lab, host] {
      lab.vcenter().client({"migrate", "web-1", host});
    });
    if (round < kRounds) {
      const int delay = delay_ms(rng);
      // The crash point is the test's random input, not a condition to await.
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      std::cout << "chaos kill -9 round " << round + 1 << " after " << delay << " ms" << std::endl;
    } else {
      // The last round is sure to strike mid-commit: while a journal entry is pending.
      CHECK(lab.eventually([&] {
        const auto all = lab.changes();
        return !all.empty() && all.front().at("result") == "pending";
      }));
      std::cout << "chaos kill -9 round " << round + 1 << " mid-commit" << std::endl;
    }
    lab.kill_controller();
    move.get();
    lab.start_controller();
  }
  lab.fabric().clear_faults();
  const Outcome outcome = settle_and_check(lab, host);
  CHECK(outcome.closed_at_restart >= 1);  // the mid-commit round's entry
  print_row("kill -9 during moves", kRounds + 1, outcome);
}

TEST_CASE("a failing switch is reported and retried while the healthy ones converge") {
  // On the standard lab's 6 switches, 1 fails (17%, not 5%): leaf1b, web-1's second uplink.
  E2eLab lab(cabled_lab());
  REQUIRE(lab.standard_plan_applied());
  const std::vector<std::string> kinds = {"drop", "http500", "fail_commit"};
  std::string host = "esx-a1.lab.local";
  for (const std::string& kind : kinds) {
    INFO("fault " << kind);
    host = other_host(host);
    const std::int64_t before = newest_change(lab);
    lab.fabric().inject({{"switch", "leaf1b"}, {"kind", kind}});
    lab.vcenter().client({"migrate", "web-1", host});
    // The changes that failed since the fault was set, on leaf1b or (`healthy`) on the others.
    const auto failed_changes = [&](bool healthy) {
      std::size_t n = 0;
      for (const json& c : lab.changes()) {
        if (c.at("id").get<std::int64_t>() > before && (c.at("switch") != "leaf1b") == healthy &&
            (c.at("result") == "failed" || c.at("result") == "aborted")) {
          ++n;
        }
      }
      return n;
    };
    // The healthy switches get their additions, all of which succeed (removals wait: vmfabricd
    // freezes them fabric-wide while a switch cannot be read).
    CHECK(lab.eventually([&] { return lab.allows("leaf1a", uplink_of(host), 120); }));
    CHECK(failed_changes(true) == 0);
    // leaf1b is reported (unreachable, or its changes failed) and retried.
    const auto reachability = [&] {
      const vmfabric::net::HttpResponse r = lab.api_get("/api/v1/switches/leaf1b");
      return json::parse(r.body).at("reachability").get<std::string>();
    };
    if (kind == "fail_commit") {
      CHECK(lab.eventually([&] { return failed_changes(false) >= 2; }));
    } else {
      CHECK(lab.eventually([&] {
        return (reachability() != "reachable" || failed_changes(false) > 0) &&
               lab.fabric().stats()["leaf1b"]["faults"][kind].get<int>() >= 2;
      }));
    }
    CHECK_FALSE(lab.allows("leaf1b", uplink_of(host), 120));
    lab.fabric().clear_faults();
    CHECK(lab.eventually([&] { return follows_web1(lab, "leaf1b", host); }));
    CHECK(lab.eventually([&] { return reachability() == "reachable"; }));
  }
  print_row("1 of 6 switches failing (drop, http500, fail_commit)", kinds.size(),
            settle_and_check(lab, host));
}

TEST_CASE("while vCenter is down nothing is pruned and after it is back the fabric converges") {
  E2eLab::Options options = cabled_lab();
  options.prune_delay_s = 4;  // the hold-down ends while vCenter is down
  E2eLab lab(options);
  REQUIRE(lab.standard_plan_applied());
  lab.vcenter().client({"migrate", "web-1", "esx-b1.lab.local"});
  const auto moved = std::chrono::steady_clock::now();
  // vmfabricd saw the move (it added 120 at the destination); the source's 120 is now held down.
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Ethernet12", 120) && lab.allows("leaf1b", "Ethernet12", 120);
  }));
  REQUIRE(lab.allows("leaf1a", "Port-Channel11", 120));
  lab.kill_vcenter();
  const std::uint64_t seq_before = newest_commit(lab);
  CHECK(lab.eventually([&] {
    return !json::parse(lab.api_get("/api/v1/plan").body).at("removals_frozen").is_null();
  }));
  // A missing prune shows only once its hold-down has passed: wait that long, then until idle.
  std::this_thread::sleep_until(moved + std::chrono::seconds(options.prune_delay_s + 1));
  lab.wait_quiet();
  CHECK(lab.allows("leaf1a", "Port-Channel11", 120));
  CHECK(lab.allows("leaf1b", "Port-Channel11", 120));
  for (const std::string& sw : lab.fabric().switch_names()) {
    for (const json& commit : lab.fabric().journal(sw)) {
      if (commit.at("seq").get<std::uint64_t>() <= seq_before) continue;
      for (const json& line : commit.at("commands")) {
        CHECK(line.get<std::string>().find("remove") == std::string::npos);
      }
    }
  }
  // Back with web-1 on esx-a1 (the topology's inventory): as if it moved back during the outage.
  lab.start_vcenter();
  print_row("vCenter down after a move", 1, settle_and_check(lab, "esx-a1.lab.local"));
}

TEST_CASE("a full disk under the database holds switch changes until space is back") {
  SmallTmpfs disk("24m");  // declared before the lab: unmounted after vmfabricd stopped
  E2eLab::Options options = cabled_lab();
  options.database_dir = disk.path();
  options.log_level = "debug";  // to count the changes held back (reconcile.journal_failed)
  E2eLab lab(options);
  REQUIRE(lab.standard_plan_applied());
  // web-1 moves to esx-b1: 120 is added there at once, and pruned from esx-a1's uplinks once
  // the 2 s hold-down ends, with the disk full by then: a change to journal before it is sent.
  lab.vcenter().client({"migrate", "web-1", "esx-b1.lab.local"});
  REQUIRE(lab.eventually([&] {
    return lab.allows("leaf1a", "Ethernet12", 120) && lab.allows("leaf1b", "Ethernet12", 120);
  }));
  const std::uint64_t seq_before = newest_commit(lab);
  const std::size_t filler = disk.fill();
  const auto full_at = std::chrono::steady_clock::now();

  // While the disk is full, web-1 moves back: a graph batch to write first.
  auto move = std::async(std::launch::async, [&lab] {
    lab.vcenter().client({"migrate", "web-1", "esx-a1.lab.local"});
  });
  // vmfabricd shows it, and keeps retrying: the graph's batch, and the prune once its
  // hold-down ended, twice on each leaf (neither journaled nor sent).
  CHECK(lab.eventually([&] {
    const json h = healthz(lab);
    return h.at("status") == "degraded" && h.at("store").at("write_errors").get<int>() >= 4 &&
           log_lines(lab, "event=reconcile.journal_failed").size() >= 4;
  }));
  move.get();
  const json degraded = healthz(lab);
  INFO(degraded.dump());
  CHECK(degraded.at("store").at("disk_full") == true);
  CHECK(lab.api_get("/metrics").body.find("\nvmfabric_store_writable 0\n") != std::string::npos);
  // Whatever was committed on a switch meanwhile was journaled first (settle_and_check).
  std::size_t committed_while_full = 0;
  for (const std::string& sw : lab.fabric().switch_names()) {
    for (const json& commit : lab.fabric().journal(sw)) {
      if (commit.at("seq").get<std::uint64_t>() > seq_before) ++committed_while_full;
    }
  }
  CHECK(lab.allows("leaf1a", "Port-Channel11", 120));  // the prune waits
  const std::size_t held_back = log_lines(lab, "event=reconcile.journal_failed").size();
  const auto full_for = std::chrono::steady_clock::now() - full_at;

  disk.free_space();
  const auto freed_at = std::chrono::steady_clock::now();
  CHECK(lab.eventually([&] { return healthz(lab).at("status") == "ok"; }));
  const auto writable_after = std::chrono::steady_clock::now() - freed_at;
  CHECK(lab.eventually([&] {
    return follows_web1(lab, "leaf1a", "esx-a1.lab.local") &&
           follows_web1(lab, "leaf1b", "esx-a1.lab.local");
  }));
  const auto converged_after = std::chrono::steady_clock::now() - freed_at;
  const Outcome outcome = settle_and_check(lab, "esx-a1.lab.local");
  CHECK(integrity_check(lab.database()) == "ok");

  // One line when the episode began, one when it ended: not one per retry.
  const std::vector<std::string> full_lines = log_lines(lab, "event=store.disk_full");
  const std::vector<std::string> recovered_lines = log_lines(lab, "event=store.write_recovered");
  CHECK(full_lines.size() == 1);
  CHECK(recovered_lines.size() == 1);
  CHECK(log_lines(lab, "event=store.write_failed").empty());
  for (const std::string& line : full_lines) {
    CHECK(line.find("database=" + lab.database()) != std::string::npos);
  }
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::cout << "chaos disk full: filler " << filler / 1024 << " KiB, full for " << ms(full_for)
            << " ms, commits while full " << committed_while_full
            << ", switch changes held back (not journaled, not sent) " << held_back << ", writable "
            << ms(writable_after) << " ms and converged " << ms(converged_after)
            << " ms after space was back" << std::endl;
  for (const std::string& line : log_lines(lab, "level=error")) {
    std::cout << "chaos disk full: log: " << line << std::endl;
  }
  for (const std::string& line : recovered_lines) {
    std::cout << "chaos disk full: log: " << line << std::endl;
  }
  print_row("database disk full during moves", 2, outcome);
}
