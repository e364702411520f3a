// Store: the SQLite file that keeps the topology graph and the change journal across restarts.
// WAL mode, foreign keys on, every write one transaction: a crash at any point leaves a database
// that opens and holds every batch committed before it. Opening migrates the schema (all pending
// migrations in one transaction) and refuses a database written by a newer vmfabricd.
//
// Thread-safe: the graph's writer saves; the reconciler and the API journal from their own
// strands (calls are serialized on the one connection).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "model/error.h"
#include "model/finding.h"
#include "store/migrations.h"
#include "store/write_health.h"

namespace vmfabric {

class StoreError : public Error {
 public:
  // `sqlite_code`: SQLite's primary result code when SQLite refused (0: vmfabric did).
  explicit StoreError(const std::string& what, int sqlite_code = 0)
      : Error(what), sqlite_code_(sqlite_code) {}
  int sqlite_code() const { return sqlite_code_; }
  // SQLite answered SQLITE_FULL: the file system holding the database has no space left.
  bool disk_full() const;
  // SQLite refused for what the database's file or its disk went through (full, I/O, locked),
  // not for what was asked (a constraint) or a bug: the same write may succeed later.
  bool retryable() const;

 private:
  int sqlite_code_ = 0;
};

enum class JournalResult { kPending, kApplied, kFailed, kAborted };

struct JournalEntry {
  std::int64_t id = 0;  // assigned by journal_begin
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> finished_ms;
  std::string switch_name;
  std::string session;                // EOS configuration session name
  std::vector<std::string> commands;  // what
  std::string reason;                 // why
  std::string cause;                  // which VM, event, audit or user
  JournalResult result = JournalResult::kPending;
  std::string detail;
  std::string actor;  // the API token's name that made or approved it; empty: vmfabric itself
};

// How a switch's configuration session ended (Store::journal_end).
struct SessionEnd {
  std::int64_t journal_id = 0;
  JournalResult result = JournalResult::kFailed;
  std::string detail;
  std::int64_t finished_ms = 0;
  // What it changed on `switch_name` when it committed: the VLANs it created (vmfabric's to
  // delete later) and deleted, and its baseline rows (interface name, "" for the VLAN database)
  // that the session changed, each replacing the stored one.
  std::string switch_name;
  VlanSet created;
  VlanSet deleted;
  std::map<std::string, VlanSet> baseline;
};

// A switch or vCenter added through the API: its config-file entry (JSON text, secrets only as
// references) and who added it when.
enum class InventoryKind { kSwitch, kVCenter };
struct InventoryEntry {
  InventoryKind kind = InventoryKind::kSwitch;
  std::string name;
  std::string entry;
  std::int64_t created_ms = 0;
  std::string created_by;
};

// A policy set through the API, overriding the config file's: its JSON text (as the config
// file's policy object) and who set it when.
struct PolicyOverride {
  std::string policy;
  std::int64_t updated_ms = 0;
  std::string updated_by;
};

enum class AuditStatus { kRunning, kDone, kFailed };

// One drift audit: written when it starts (audit_begin), completed when it ends (audit_finish).
struct AuditRecord {
  std::int64_t id = 0;  // assigned by audit_begin
  std::int64_t started_ms = 0;
  std::optional<std::int64_t> finished_ms;
  std::string trigger;    // "schedule" or "api"
  std::string actor;      // the API token's name; empty for the schedule
  std::string remediate;  // the policy in force: "none", "add-only", "full"
  AuditStatus status = AuditStatus::kRunning;
  std::string error;                           // why it failed (status kFailed)
  std::int64_t switches = 0;                   // switches audited
  std::int64_t unreadable = 0;                 // of which could not be read
  std::map<std::string, std::int64_t> counts;  // findings by kind name (kinds found only)
  std::vector<std::int64_t> repairs;           // journal ids of the repairs it started
  std::vector<audit::Finding> findings;        // audit(id) fills it; audits() leaves it empty
};

struct AuditQuery {
  std::size_t limit = 50;
  std::optional<std::int64_t> before_id = std::nullopt;  // audits with a smaller id
};

// The reconciler's baseline: per switch name, per interface name ("" = the VLAN database), the
// VLANs vmfabric established there.
using Baseline = std::map<std::string, std::map<std::string, VlanSet>>;

struct JournalQuery {
  std::optional<std::string> switch_name;
  std::int64_t after_id = 0;  // entries with a larger id
  std::size_t limit = 100;
  std::optional<std::int64_t> before_id = std::nullopt;  // entries with a smaller id
  std::optional<std::int64_t> since_ms = std::nullopt;   // created at or after
  std::optional<std::int64_t> until_ms = std::nullopt;   // created before
  // Entries whose commands name this VLAN (`vlan N`, `no vlan ...`, `switchport trunk allowed
  // vlan add|remove ...`, `switchport access vlan N`).
  std::optional<VlanId> vlan = std::nullopt;
  bool newest_first = false;  // by id, descending (default: ascending)
};

class Store {
 public:
  // Opens (creating it when absent) and migrates. Throws StoreError naming the file and the
  // problem: not a database, newer schema, unwritable, WAL unavailable.
  static std::unique_ptr<Store> open(const std::string& path);
  // The same with a given list of migrations (tests of the migration runner).
  static std::unique_ptr<Store> open(const std::string& path,
                                     const std::vector<Migration>& migrations);
  // A second connection for readers on other threads (the API): the journal and created VLANs
  // read through it never wait for the graph's writer (WAL). Reads only: writes throw
  // StoreError. The database must exist and be migrated (Store::open first).
  static std::unique_ptr<Store> open_reader(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }
  int schema_version() const { return schema_version_; }
  // The newest schema this build knows.
  static int latest_schema_version();

  // Writes the net effect of one graph batch, reading the new values from `after` (the graph
  // state that `changes` led to), in one transaction.
  void save(const Snapshot& after, const GraphChanges& changes);
  // The whole stored graph as one Delta of upserts, owners first. Throws StoreError naming the
  // table and row of any unreadable entity.
  Delta load() const;
  // Number of rows over every graph table (for logs and tests).
  std::size_t entity_count() const;

  // Journals a change before it is sent: returns its id, result kPending.
  std::int64_t journal_begin(const JournalEntry& entry);
  // Journals `entries` in one transaction (one sync of the disk for a fabric-wide change) and
  // sets each one's id; on failure none is journaled and no id is set.
  void journal_begin(std::span<JournalEntry> entries);
  // Records how it ended.
  void journal_finish(std::int64_t id, JournalResult result, const std::string& detail,
                      std::int64_t finished_ms);
  // Records how a session ended and what it changed, in one transaction (one sync of the disk per
  // session, not one per table).
  void journal_end(const SessionEnd& end);
  // Records how each of these sessions ended, all in one transaction (in a storm, one sync of the
  // disk for the sessions that ended meanwhile); on failure none is recorded.
  void journal_end(std::span<const SessionEnd> ends);
  std::vector<JournalEntry> journal(const JournalQuery& query) const;
  // Marks every pending entry failed with `detail`, finished at `now_ms` (at start: the process
  // that sent them died before it learned how they ended); returns how many.
  std::size_t close_interrupted_journal(std::int64_t now_ms, const std::string& detail);

  // The VLANs vmfabric created on each switch (the only ones it may delete), by switch name:
  // those the sessions it journaled as ended (journal_end) created and did not delete since.
  std::map<std::string, VlanSet> created_vlans() const;

  // Switches and vCenters added through the API, by kind then name. add_inventory throws
  // StoreError when one of that kind and name is already there; remove_inventory says whether
  // there was one.
  void add_inventory(const InventoryEntry& entry);
  bool remove_inventory(InventoryKind kind, const std::string& name);
  std::vector<InventoryEntry> inventory() const;

  // The policy set through the API, if any (set replaces it).
  void set_policy_override(const PolicyOverride& policy);
  std::optional<PolicyOverride> policy_override() const;

  // Drift audits. audit_begin stores `audit` (its findings too) as running, finished_ms unset,
  // and returns its id. audit_finish replaces everything of audit `audit.id` but its id, findings
  // included, in one transaction; throws StoreError when there is no such audit.
  std::int64_t audit_begin(const AuditRecord& audit);
  void audit_finish(const AuditRecord& audit);
  // Newest first, without findings.
  std::vector<AuditRecord> audits(const AuditQuery& query) const;
  // With its findings, in the order stored. Throws StoreError naming the audit and row of any
  // unreadable one (an unknown finding kind, a bad VLAN list, bad JSON).
  std::optional<AuditRecord> audit(std::int64_t id) const;
  // Deletes the audits that are no longer running and started before `before_ms`, with their
  // findings; returns how many.
  std::size_t prune_audits(std::int64_t before_ms);
  // Marks every running audit failed with `error`, finished at `now_ms` (at start: their runner
  // died with the previous process); returns how many.
  std::size_t abandon_running_audits(std::int64_t now_ms, const std::string& error);

  // Replaces the baseline of `switch_name` with `interfaces` (an empty map forgets the switch;
  // an interface with an empty set is kept as such) in one transaction.
  void save_baseline(const std::string& switch_name,
                     const std::map<std::string, VlanSet>& interfaces);
  Baseline baseline() const;

  // `PRAGMA integrity_check` and `foreign_key_check`: empty when healthy, else the problems.
  std::vector<std::string> check_integrity() const;

  // How this connection's writes fare (thread-safe; never waits for a write in progress). The
  // first failed write of an episode is logged (store.disk_full or store.write_failed, naming
  // the file and what to do), the write that ends it too (store.write_recovered).
  StoreHealth health() const;

 private:
  struct Impl;
  Store(std::string path, std::unique_ptr<Impl> impl);

  std::string path_;
  std::unique_ptr<Impl> impl_;
  int schema_version_ = 0;
};

const char* to_string(JournalResult result);
const char* to_string(InventoryKind kind);  // "switch", "vcenter"
const char* to_string(AuditStatus status);  // "running", "done", "failed"

}  // namespace vmfabric
