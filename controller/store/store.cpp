#include "store/store.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "log/log.h"
#include "store/codec.h"
#include "store/migrations.h"

namespace vmfabric {

bool StoreError::disk_full() const { return sqlite_code_ == SQLITE_FULL; }

bool StoreError::retryable() const {
  switch (sqlite_code_) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The table of each entity kind; the order of AllEntities is the order owners come first.
const char* table_of(EntityKind kind) {
  switch (kind) {
    case EntityKind::kVCenter:
      return "vcenters";
    case EntityKind::kCluster:
      return "clusters";
    case EntityKind::kHost:
      return "hosts";
    case EntityKind::kPnic:
      return "pnics";
    case EntityKind::kVSwitch:
      return "vswitches";
    case EntityKind::kStandardPortgroup:
      return "standard_portgroups";
    case EntityKind::kVmkNic:
      return "vmknics";
    case EntityKind::kDistributedSwitch:
      return "distributed_switches";
    case EntityKind::kDvPortgroup:
      return "dv_portgroups";
    case EntityKind::kVm:
      return "vms";
    case EntityKind::kVmNic:
      return "vm_nics";
    case EntityKind::kSwitch:
      return "switches";
    case EntityKind::kInterface:
      return "interfaces";
    case EntityKind::kPortChannel:
      return "port_channels";
    case EntityKind::kMlagPair:
      return "mlag_pairs";
    case EntityKind::kLink:
      return "links";
  }
  return "";
}

template <class... T>
constexpr auto kinds_of(TypeList<T...>) {
  return std::array<EntityKind, sizeof...(T)>{T::kKind...};
}
constexpr auto kAllKinds = kinds_of(AllEntities{});

// How many owner columns each table has: 0 (top level), 1 (`parent`) or 2 (`parent`, `parent2`).
int owner_columns(EntityKind kind) {
  switch (kind) {
    case EntityKind::kVCenter:
    case EntityKind::kSwitch:
      return 0;
    case EntityKind::kMlagPair:
    case EntityKind::kLink:
      return 2;
    default:
      return 1;
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& path) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt_, nullptr) != SQLITE_OK) {
      throw StoreError(path + ": preparing \"" + sql + "\": " + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // Steps once: true while a row is available. Throws on error (with `path` and the statement).
  bool step(const std::string& path) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    throw StoreError(path + ": " + msg + " (in \"" + sqlite3_sql(stmt_) + "\")", rc & 0xff);
  }
  void run(const std::string& path) {
    step(path);
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

struct Store::Impl {
  // The graph's writer saves while other strands journal: one connection, one caller at a time,
  // so that no statement lands inside another caller's transaction.
  mutable std::mutex mutex;
  sqlite3* db = nullptr;
  std::string path;
  bool read_only = false;           // open_reader's connection
  mutable std::mutex health_mutex;  // guards health (never held during a write)
  WriteHealth health;
  // Per kind: upsert and delete, prepared once.
  std::vector<std::unique_ptr<Statement>> upserts;
  std::vector<std::unique_ptr<Statement>> deletes;

  ~Impl() {
    upserts.clear();
    deletes.clear();
    if (db != nullptr) sqlite3_close(db);
  }

  void exec(const std::string& sql) const {
    char* err = nullptr;
    if (const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      throw StoreError(path + ": " + msg, rc & 0xff);
    }
  }

  void require_writable() const {
    if (read_only) throw StoreError(path + ": opened for reading only");
  }

  std::string pragma(const std::string& sql) const {
    Statement s(db, sql, path);
    return s.step(path) ? s.text(0) : std::string();
  }

  // Runs the write `f` and records how it fared: a retryable failure (a full disk, I/O,
  // locking; not a constraint, which is the caller's mistake) begins or continues an episode,
  // a success ends one. Each end of an episode is logged once.
  template <class F>
  auto write(F&& f) {
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        wrote();
      } else {
        auto result = f();
        wrote();
        return result;
      }
    } catch (const StoreError& e) {
      if (e.retryable()) write_failed(e);
      throw;
    }
  }

  void wrote() {
    std::optional<WriteHealth::Recovery> ended;
    {
      std::lock_guard lock(health_mutex);
      ended = health.succeeded(unix_ms());
    }
    if (ended) {
      log::info("store.write_recovered",
                {{"database", path},
                 {"failed_writes", ended->failed_writes},
                 {"failing_s", static_cast<double>(ended->failing_ms) / 1000.0}});
    }
  }

  void write_failed(const StoreError& e) {
    bool begins = false;
    {
      std::lock_guard lock(health_mutex);
      begins = health.failed(unix_ms(), e.what(), e.disk_full());
    }
    if (!begins) return;
    if (e.disk_full()) {
      log::error("store.disk_full",
                 {{"database", path},
                  {"error", e.what()},
                  {"action",
                   "free space on the file system that holds the database; until then vmfabricd "
                   "sends no switch change it cannot journal and retries its writes"}});
    } else {
      log::error("store.write_failed",
                 {{"database", path},
                  {"error", e.what()},
                  {"action",
                   "check the file system that holds the database (space, permissions, I/O "
                   "errors); until then vmfabricd sends no switch change it cannot journal and "
                   "retries its writes"}});
    }
  }

  // Runs `f` in one transaction: committed when it returns, rolled back when it throws.
  template <class F>
  void transaction(F&& f, const char* begin = "BEGIN") {
    exec(begin);
    try {
      f();
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // A write of several statements: one transaction, recorded by write().
  template <class F>
  void write_transaction(F&& f) {
    write([&] { transaction(f); });
  }
};

Store::Store(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

Store::~Store() = default;

int Store::latest_schema_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

namespace {

// Whether a journal entry's commands (a JSON array of EOS CLI lines) name `vlan`.
bool commands_name_vlan(std::string_view commands, VlanId vlan) {
  static constexpr std::string_view kPrefixes[] = {"switchport trunk allowed vlan add ",
                                                   "switchport trunk allowed vlan remove ",
                                                   "switchport trunk allowed vlan ",
                                                   "switchport access vlan ",
                                                   "no vlan ",
                                                   "vlan "};
  const nlohmann::json lines = nlohmann::json::parse(commands, nullptr, false);
  if (!lines.is_array()) return false;
  for (const nlohmann::json& line : lines) {
    if (!line.is_string()) continue;
    const std::string& text = line.get_ref<const std::string&>();
    for (std::string_view prefix : kPrefixes) {
      if (!text.starts_with(prefix)) continue;
      try {
        if (VlanSet::parse(std::string_view(text).substr(prefix.size())).contains(vlan)) {
          return true;
        }
      } catch (const VlanSetError&) {
      }
      break;
    }
  }
  return false;
}

// SQL: vmfabric_names_vlan(commands, vlan) -> 1 or 0.
void names_vlan_sql(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = sqlite3_value_text(argv[0]);
  const sqlite3_int64 v = sqlite3_value_int64(argv[1]);
  if (text == nullptr || v < VlanId::kMin || v > VlanId::kMax) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  const std::string_view commands(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  sqlite3_result_int(ctx, commands_name_vlan(commands, VlanId::checked(v)) ? 1 : 0);
}

}  // namespace

std::unique_ptr<Store> Store::open_reader(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->read_only = true;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    throw StoreError(path + ": cannot open the database for reading: " +
                     (impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 5000);
  if (sqlite3_create_function_v2(impl->db, "vmfabric_names_vlan", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, nullptr,
                                 &names_vlan_sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw StoreError(path + ": cannot register a SQL function: " + sqlite3_errmsg(impl->db));
  }
  auto store = std::unique_ptr<Store>(new Store(path, std::move(impl)));
  Statement s(store->impl_->db, "SELECT coalesce(max(version), 0) FROM schema_migrations", path);
  s.step(path);
  store->schema_version_ = static_cast<int>(s.integer(0));
  return store;
}

std::unique_ptr<Store> Store::open(const std::string& path) { return open(path, migrations()); }

std::unique_ptr<Store> Store::open(const std::string& path, const std::vector<Migration>& steps) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    throw StoreError(path + ": cannot open the database: " +
                     (impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 5000);
  std::string journal_mode;
  try {
    journal_mode = impl->pragma("PRAGMA journal_mode=WAL");
  } catch (const StoreError&) {  // the first read of the file: "file is not a database", ...
    throw StoreError(path + ": " + sqlite3_errmsg(impl->db) + "; is this a vmfabric database?");
  }
  if (journal_mode != "wal") {
    throw StoreError(path + ": cannot switch the database to WAL mode (journal_mode is " +
                     journal_mode + "; is it on a network file system?)");
  }
  // FULL: a committed batch survives power loss too, not only a process crash.
  impl->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (sqlite3_create_function_v2(impl->db, "vmfabric_names_vlan", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, nullptr,
                                 &names_vlan_sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw StoreError(path + ": cannot register a SQL function: " + sqlite3_errmsg(impl->db));
  }

  auto store = std::unique_ptr<Store>(new Store(path, std::move(impl)));
  Impl& db = *store->impl_;
  const int latest = steps.empty() ? 0 : steps.back().version;
  int current = 0;
  db.transaction(
      [&] {
        db.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        {
          Statement s(db.db, "SELECT coalesce(max(version), 0) FROM schema_migrations", path);
          s.step(path);
          current = static_cast<int>(s.integer(0));
        }
        if (current > latest) {
          throw StoreError(path + ": database schema version " + std::to_string(current) +
                           " is newer than this vmfabricd supports (" + std::to_string(latest) +
                           "); run the vmfabricd that wrote it, or restore a backup taken "
                           "before the upgrade");
        }
        for (const Migration& m : steps) {
          if (m.version <= current) continue;
          try {
            db.exec(m.sql);
          } catch (const StoreError& e) {
            throw StoreError(std::string(e.what()) + " (in migration " + std::to_string(m.version) +
                             "_" + m.name + ")");
          }
          Statement ins(db.db,
                        "INSERT INTO schema_migrations(version, name, applied_at) VALUES "
                        "(?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                        path);
          ins.bind(1, static_cast<std::int64_t>(m.version)).bind(2, std::string(m.name)).run(path);
        }
      },
      "BEGIN IMMEDIATE");
  if (current < latest) {
    log::info("store.migrated", {{"path", path}, {"from", current}, {"to", latest}});
  }
  store->schema_version_ = latest;

  for (EntityKind kind : kAllKinds) {
    const std::string table = table_of(kind);
    const int owners = owner_columns(kind);
    std::string cols = "id, data";
    std::string vals = "?1, ?2";
    std::string set = "data = excluded.data";
    // The owner columns only change where the owner is not part of the id (a DV portgroup's
    // switch); leaving them out of the update spares rewriting their index on every upsert.
    const bool owner_in_id = kind != EntityKind::kDvPortgroup;
    if (owners >= 1) {
      cols += ", parent";
      vals += ", ?3";
      if (!owner_in_id) set += ", parent = excluded.parent";
    }
    if (owners == 2) {
      cols += ", parent2";
      vals += ", ?4";
    }
    // An upsert, not INSERT OR REPLACE: replacing would delete the row and cascade to its children.
    db.upserts.push_back(std::make_unique<Statement>(db.db,
                                                     "INSERT INTO " + table + " (" + cols +
                                                         ") VALUES (" + vals +
                                                         ") ON CONFLICT(id) DO UPDATE SET " + set,
                                                     path));
    db.deletes.push_back(
        std::make_unique<Statement>(db.db, "DELETE FROM " + table + " WHERE id = ?1", path));
  }
  return store;
}

void Store::save(const Snapshot& after, const GraphChanges& changes) {
  impl_->require_writable();
  if (changes.empty()) return;
  std::lock_guard lock(impl_->mutex);
  Impl& db = *impl_;
  db.write_transaction([&] {
    // Removals last-kind first (an owner's rows cascade anyway); then upserts, owners first.
    for (auto it = changes.changes.rbegin(); it != changes.changes.rend(); ++it) {
      if (it->type != ChangeType::kRemoved) continue;
      Statement& del = *db.deletes[static_cast<std::size_t>(kind_of(it->key))];
      del.bind(1, codec::key_text(it->key)).run(path_);
    }
    for (const Change& change : changes.changes) {
      if (change.type == ChangeType::kRemoved) continue;
      const std::optional<Entity> entity = after.get(change.key);
      if (!entity) {
        throw StoreError(path_ + ": " + to_string(change.key) +
                         " changed but is not in the snapshot given to save");
      }
      const EntityKind kind = kind_of(change.key);
      Statement& up = *db.upserts[static_cast<std::size_t>(kind)];
      up.bind(1, codec::key_text(change.key)).bind(2, codec::encode(*entity));
      const auto owners = owners_of(*entity);
      for (int i = 0; i < owner_columns(kind); ++i) {
        if (static_cast<std::size_t>(i) < owners.size()) {
          up.bind(3 + i, codec::key_text(owners[static_cast<std::size_t>(i)]));
        } else {
          up.bind_null(3 + i);
        }
      }
      up.run(path_);
    }
  });
}

Delta Store::load() const {
  std::lock_guard lock(impl_->mutex);
  Delta delta;
  for (EntityKind kind : kAllKinds) {
    Statement s(impl_->db, std::string("SELECT id, data FROM ") + table_of(kind) + " ORDER BY id",
                path_);
    while (s.step(path_)) {
      try {
        delta.upsert(codec::decode(kind, s.text(1)));
      } catch (const std::exception& e) {
        throw StoreError(path_ + ": table " + table_of(kind) + ", row " + s.text(0) +
                         ": unreadable entity: " + e.what());
      }
    }
  }
  return delta;
}

std::size_t Store::entity_count() const {
  std::lock_guard lock(impl_->mutex);
  std::size_t n = 0;
  for (EntityKind kind : kAllKinds) {
    Statement s(impl_->db, std::string("SELECT count(*) FROM ") + table_of(kind), path_);
    s.step(path_);
    n += static_cast<std::size_t>(s.integer(0));
  }
  return n;
}

const char* to_string(JournalResult result) {
  switch (result) {
    case JournalResult::kPending:
      return "pending";
    case JournalResult::kApplied:
      return "applied";
    case JournalResult::kFailed:
      return "failed";
    case JournalResult::kAborted:
      return "aborted";
  }
  return "pending";
}

namespace {
JournalResult journal_result(const std::string& s) {
  for (JournalResult r : {JournalResult::kPending, JournalResult::kApplied, JournalResult::kFailed,
                          JournalResult::kAborted}) {
    if (s == to_string(r)) return r;
  }
  return JournalResult::kPending;
}
}  // namespace

std::int64_t Store::journal_begin(const JournalEntry& entry) {
  JournalEntry one = entry;
  journal_begin(std::span<JournalEntry>(&one, 1));
  return one.id;
}

void Store::journal_begin(std::span<JournalEntry> entries) {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::int64_t> ids;
  impl_->write_transaction([&] {
    Statement s(impl_->db,
                "INSERT INTO journal (created_ms, switch, session, commands, reason, cause, "
                "result, detail, actor) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                path_);
    for (const JournalEntry& entry : entries) {
      s.bind(1, entry.created_ms)
          .bind(2, entry.switch_name)
          .bind(3, entry.session)
          .bind(4, nlohmann::json(entry.commands).dump())
          .bind(5, entry.reason)
          .bind(6, entry.cause)
          .bind(7, entry.detail);
      if (entry.actor.empty()) {
        s.bind_null(8);
      } else {
        s.bind(8, entry.actor);
      }
      s.run(path_);
      ids.push_back(sqlite3_last_insert_rowid(impl_->db));
    }
  });
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i].id = ids[i];
}

namespace {

constexpr const char* kFinishEntry =
    "UPDATE journal SET result = ?, detail = ?, finished_ms = ? WHERE id = ?";

// Records how journal entry `id` ended, with `s` prepared from kFinishEntry.
void finish_entry(Statement& s, sqlite3* db, const std::string& path, std::int64_t id,
                  JournalResult result, const std::string& detail, std::int64_t finished_ms) {
  s.bind(1, std::string(to_string(result))).bind(2, detail).bind(3, finished_ms).bind(4, id);
  s.run(path);
  if (sqlite3_changes(db) != 1) {
    throw StoreError(path + ": journal entry " + std::to_string(id) + " does not exist");
  }
}

}  // namespace

void Store::journal_finish(std::int64_t id, JournalResult result, const std::string& detail,
                           std::int64_t finished_ms) {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, kFinishEntry, path_);
  impl_->write([&] { finish_entry(s, impl_->db, path_, id, result, detail, finished_ms); });
}

void Store::journal_end(const SessionEnd& end) {
  journal_end(std::span<const SessionEnd>(&end, 1));
}

void Store::journal_end(std::span<const SessionEnd> ends) {
  if (ends.empty()) return;
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  // Each statement is prepared once, when the first row needs it.
  std::optional<Statement> finish, created, deleted, baseline;
  const auto statement = [&](std::optional<Statement>& s, const char* sql) -> Statement& {
    if (!s) s.emplace(impl_->db, sql, path_);
    return *s;
  };
  impl_->write_transaction([&] {
    for (const SessionEnd& end : ends) {
      finish_entry(statement(finish, kFinishEntry), impl_->db, path_, end.journal_id, end.result,
                   end.detail, end.finished_ms);
      for (const VlanId v : end.created.ids()) {
        statement(created,
                  "INSERT OR IGNORE INTO created_vlans (switch, vlan, created_ms) VALUES (?, ?, ?)")
            .bind(1, end.switch_name)
            .bind(2, std::int64_t{v.value})
            .bind(3, end.finished_ms)
            .run(path_);
      }
      for (const VlanId v : end.deleted.ids()) {
        statement(deleted, "DELETE FROM created_vlans WHERE switch = ? AND vlan = ?")
            .bind(1, end.switch_name)
            .bind(2, std::int64_t{v.value})
            .run(path_);
      }
      for (const auto& [name, vlans] : end.baseline) {
        statement(baseline,
                  "INSERT OR REPLACE INTO baseline (switch, interface, vlans) VALUES (?, ?, ?)")
            .bind(1, end.switch_name)
            .bind(2, name)
            .bind(3, vlans.to_range_list())
            .run(path_);
      }
    }
  });
}

std::size_t Store::close_interrupted_journal(std::int64_t now_ms, const std::string& detail) {
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              "UPDATE journal SET result = 'failed', detail = ?, finished_ms = ? "
              "WHERE result = 'pending'",
              path_);
  s.bind(1, detail).bind(2, now_ms);
  impl_->write([&] { s.run(path_); });
  return static_cast<std::size_t>(sqlite3_changes(impl_->db));
}

std::vector<JournalEntry> Store::journal(const JournalQuery& query) const {
  std::lock_guard lock(impl_->mutex);
  std::string sql =
      "SELECT id, created_ms, finished_ms, switch, session, commands, reason, cause, result, "
      "detail, actor FROM journal WHERE id > ?1 AND (?2 IS NULL OR switch = ?2) AND "
      "(?4 IS NULL OR id < ?4) AND (?5 IS NULL OR created_ms >= ?5) AND "
      "(?6 IS NULL OR created_ms < ?6)";
  if (query.vlan) sql += " AND vmfabric_names_vlan(commands, ?7)";
  sql += query.newest_first ? " ORDER BY id DESC LIMIT ?3" : " ORDER BY id LIMIT ?3";
  Statement s(impl_->db, sql, path_);
  s.bind(1, query.after_id);
  if (query.switch_name) {
    s.bind(2, *query.switch_name);
  } else {
    s.bind_null(2);
  }
  s.bind(3, static_cast<std::int64_t>(query.limit));
  auto bind_opt = [&s](int i, const std::optional<std::int64_t>& v) {
    if (v) {
      s.bind(i, *v);
    } else {
      s.bind_null(i);
    }
  };
  bind_opt(4, query.before_id);
  bind_opt(5, query.since_ms);
  bind_opt(6, query.until_ms);
  if (query.vlan) s.bind(7, static_cast<std::int64_t>(query.vlan->value));
  std::vector<JournalEntry> out;
  while (s.step(path_)) {
    JournalEntry e;
    e.id = s.integer(0);
    e.created_ms = s.integer(1);
    if (!s.is_null(2)) e.finished_ms = s.integer(2);
    e.switch_name = s.text(3);
    e.session = s.text(4);
    e.commands = nlohmann::json::parse(s.text(5)).get<std::vector<std::string>>();
    e.reason = s.text(6);
    e.cause = s.text(7);
    e.result = journal_result(s.text(8));
    e.detail = s.text(9);
    e.actor = s.text(10);
    out.push_back(std::move(e));
  }
  return out;
}

StoreHealth Store::health() const {
  std::lock_guard lock(impl_->health_mutex);
  return impl_->health.state();
}

std::vector<std::string> Store::check_integrity() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> problems;
  {
    Statement s(impl_->db, "PRAGMA integrity_check", path_);
    while (s.step(path_)) {
      if (s.text(0) != "ok") problems.push_back(s.text(0));
    }
  }
  Statement fk(impl_->db, "PRAGMA foreign_key_check", path_);
  while (fk.step(path_)) {
    problems.push_back("foreign key violation in " + fk.text(0) + " (row " + fk.text(1) + ")");
  }
  return problems;
}

std::map<std::string, VlanSet> Store::created_vlans() const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, "SELECT switch, vlan FROM created_vlans ORDER BY switch, vlan", path_);
  std::map<std::string, VlanSet> out;
  while (s.step(path_)) out[s.text(0)].insert(VlanId::checked(s.integer(1)));
  return out;
}

const char* to_string(InventoryKind kind) {
  return kind == InventoryKind::kSwitch ? "switch" : "vcenter";
}

void Store::add_inventory(const InventoryEntry& entry) {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              "INSERT INTO inventory (kind, name, entry, created_ms, created_by) VALUES (?, ?, ?, "
              "?, ?)",
              path_);
  s.bind(1, std::string(to_string(entry.kind)))
      .bind(2, entry.name)
      .bind(3, entry.entry)
      .bind(4, entry.created_ms)
      .bind(5, entry.created_by);
  impl_->write([&] { s.run(path_); });
}

bool Store::remove_inventory(InventoryKind kind, const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, "DELETE FROM inventory WHERE kind = ? AND name = ?", path_);
  s.bind(1, std::string(to_string(kind))).bind(2, name);
  impl_->write([&] { s.run(path_); });
  return sqlite3_changes(impl_->db) == 1;
}

std::vector<InventoryEntry> Store::inventory() const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              "SELECT kind, name, entry, created_ms, created_by FROM inventory ORDER BY kind, name",
              path_);
  std::vector<InventoryEntry> out;
  while (s.step(path_)) {
    InventoryEntry e;
    e.kind = s.text(0) == "switch" ? InventoryKind::kSwitch : InventoryKind::kVCenter;
    e.name = s.text(1);
    e.entry = s.text(2);
    e.created_ms = s.integer(3);
    e.created_by = s.text(4);
    out.push_back(std::move(e));
  }
  return out;
}

void Store::set_policy_override(const PolicyOverride& policy) {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              "INSERT INTO policy_override (id, policy, updated_ms, updated_by) VALUES (1, ?, ?, "
              "?) ON CONFLICT(id) DO UPDATE SET policy = excluded.policy, updated_ms = "
              "excluded.updated_ms, updated_by = excluded.updated_by",
              path_);
  s.bind(1, policy.policy).bind(2, policy.updated_ms).bind(3, policy.updated_by);
  impl_->write([&] { s.run(path_); });
}

std::optional<PolicyOverride> Store::policy_override() const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, "SELECT policy, updated_ms, updated_by FROM policy_override", path_);
  if (!s.step(path_)) return std::nullopt;
  return PolicyOverride{s.text(0), s.integer(1), s.text(2)};
}

const char* to_string(AuditStatus status) {
  switch (status) {
    case AuditStatus::kRunning:
      return "running";
    case AuditStatus::kDone:
      return "done";
    case AuditStatus::kFailed:
      return "failed";
  }
  return "running";
}

namespace {

std::optional<AuditStatus> audit_status(const std::string& name) {
  for (AuditStatus s : {AuditStatus::kRunning, AuditStatus::kDone, AuditStatus::kFailed}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

// The audits columns but the id, in the order bind_audit binds them (?1 ... ?11) and read_audit
// reads them (after the id).
constexpr const char* kAuditFields =
    "started_ms, finished_ms, trigger, actor, remediate, status, error, switches, unreadable, "
    "counts, repairs";

// A VLAN set as VlanSet::to_range_list wrote it ("" when empty).
VlanSet parse_range_list(const std::string& text) {
  return text.empty() ? VlanSet() : VlanSet::parse(text);
}

// Binds kAuditFields.
void bind_audit(Statement& s, const AuditRecord& a) {
  s.bind(1, a.started_ms);
  if (a.finished_ms) {
    s.bind(2, *a.finished_ms);
  } else {
    s.bind_null(2);
  }
  s.bind(3, a.trigger)
      .bind(4, a.actor)
      .bind(5, a.remediate)
      .bind(6, std::string(to_string(a.status)))
      .bind(7, a.error)
      .bind(8, a.switches)
      .bind(9, a.unreadable)
      .bind(10, nlohmann::json(a.counts).dump())
      .bind(11, nlohmann::json(a.repairs).dump());
}

// One row of "id, " kAuditFields. Throws StoreError naming the row when it is unreadable.
AuditRecord read_audit(const Statement& s, const std::string& path) {
  AuditRecord a;
  a.id = s.integer(0);
  try {
    a.started_ms = s.integer(1);
    if (!s.is_null(2)) a.finished_ms = s.integer(2);
    a.trigger = s.text(3);
    a.actor = s.text(4);
    a.remediate = s.text(5);
    const std::optional<AuditStatus> status = audit_status(s.text(6));
    if (!status) throw std::invalid_argument("unknown status \"" + s.text(6) + "\"");
    a.status = *status;
    a.error = s.text(7);
    a.switches = s.integer(8);
    a.unreadable = s.integer(9);
    a.counts = nlohmann::json::parse(s.text(10)).get<std::map<std::string, std::int64_t>>();
    a.repairs = nlohmann::json::parse(s.text(11)).get<std::vector<std::int64_t>>();
  } catch (const std::exception& e) {
    throw StoreError(path + ": table audits, row " + std::to_string(a.id) +
                     ": unreadable audit: " + e.what());
  }
  return a;
}

// Writes the findings of audit `id`, numbered from 0 in their order.
void insert_findings(sqlite3* db, const std::string& path, std::int64_t id,
                     const std::vector<audit::Finding>& findings) {
  Statement s(db,
              "INSERT INTO audit_findings (audit_id, seq, kind, switch, interface, host, uplink, "
              "vlans, why, undone, last_change, outside_change, detail) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              path);
  std::int64_t seq = 0;
  for (const audit::Finding& f : findings) {
    s.bind(1, id)
        .bind(2, seq++)
        .bind(3, std::string(audit::to_string(f.kind)))
        .bind(4, f.switch_name)
        .bind(5, f.interface)
        .bind(6, f.host)
        .bind(7, f.uplink)
        .bind(8, f.vlans.to_range_list())
        .bind(9, nlohmann::json(f.why).dump())
        .bind(10, f.undone.to_range_list());
    const auto bind_json = [&](int column, const auto& value) {
      if (value) {
        s.bind(column, codec::encode(*value));
      } else {
        s.bind_null(column);
      }
    };
    bind_json(11, f.last_change);
    bind_json(12, f.outside);
    s.bind(13, f.detail).run(path);
  }
}

// The findings of audit `id`, in their order. Throws StoreError naming the audit and row of an
// unreadable one.
std::vector<audit::Finding> read_findings(sqlite3* db, const std::string& path, std::int64_t id) {
  Statement s(db,
              "SELECT seq, kind, switch, interface, host, uplink, vlans, why, undone, last_change, "
              "outside_change, detail FROM audit_findings WHERE audit_id = ? ORDER BY seq",
              path);
  s.bind(1, id);
  std::vector<audit::Finding> out;
  while (s.step(path)) {
    try {
      audit::Finding f;
      const std::optional<audit::FindingKind> kind = audit::finding_kind(s.text(1));
      if (!kind) throw std::invalid_argument("unknown finding kind \"" + s.text(1) + "\"");
      f.kind = *kind;
      f.switch_name = s.text(2);
      f.interface = s.text(3);
      f.host = s.text(4);
      f.uplink = s.text(5);
      f.vlans = parse_range_list(s.text(6));
      f.why = nlohmann::json::parse(s.text(7)).get<std::vector<std::string>>();
      f.undone = parse_range_list(s.text(8));
      if (!s.is_null(9)) f.last_change = codec::decode_last_change(s.text(9));
      if (!s.is_null(10)) f.outside = codec::decode_outside_change(s.text(10));
      f.detail = s.text(11);
      out.push_back(std::move(f));
    } catch (const std::exception& e) {
      throw StoreError(path + ": table audit_findings, audit " + std::to_string(id) + ", row " +
                       std::to_string(s.integer(0)) + ": unreadable finding: " + e.what());
    }
  }
  return out;
}

}  // namespace

std::int64_t Store::audit_begin(const AuditRecord& record) {
  impl_->require_writable();
  AuditRecord running = record;
  running.status = AuditStatus::kRunning;
  running.finished_ms.reset();
  std::lock_guard lock(impl_->mutex);
  std::int64_t id = 0;
  impl_->write_transaction([&] {
    Statement s(impl_->db,
                std::string("INSERT INTO audits (") + kAuditFields +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                path_);
    bind_audit(s, running);
    s.run(path_);
    id = sqlite3_last_insert_rowid(impl_->db);
    insert_findings(impl_->db, path_, id, running.findings);
  });
  return id;
}

void Store::audit_finish(const AuditRecord& record) {
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  impl_->write_transaction([&] {
    Statement s(impl_->db,
                "UPDATE audits SET started_ms = ?1, finished_ms = ?2, trigger = ?3, actor = ?4, "
                "remediate = ?5, status = ?6, error = ?7, switches = ?8, unreadable = ?9, "
                "counts = ?10, repairs = ?11 WHERE id = ?12",
                path_);
    bind_audit(s, record);
    s.bind(12, record.id).run(path_);
    if (sqlite3_changes(impl_->db) != 1) {
      throw StoreError(path_ + ": audit " + std::to_string(record.id) + " does not exist");
    }
    Statement del(impl_->db, "DELETE FROM audit_findings WHERE audit_id = ?", path_);
    del.bind(1, record.id).run(path_);
    insert_findings(impl_->db, path_, record.id, record.findings);
  });
}

std::vector<AuditRecord> Store::audits(const AuditQuery& query) const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              std::string("SELECT id, ") + kAuditFields +
                  " FROM audits WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
              path_);
  if (query.before_id) {
    s.bind(1, *query.before_id);
  } else {
    s.bind_null(1);
  }
  s.bind(2, static_cast<std::int64_t>(query.limit));
  std::vector<AuditRecord> out;
  while (s.step(path_)) out.push_back(read_audit(s, path_));
  return out;
}

std::optional<AuditRecord> Store::audit(std::int64_t id) const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, std::string("SELECT id, ") + kAuditFields + " FROM audits WHERE id = ?",
              path_);
  s.bind(1, id);
  if (!s.step(path_)) return std::nullopt;
  AuditRecord record = read_audit(s, path_);
  record.findings = read_findings(impl_->db, path_, id);
  return record;
}

std::size_t Store::prune_audits(std::int64_t before_ms) {
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, "DELETE FROM audits WHERE status <> 'running' AND started_ms < ?", path_);
  s.bind(1, before_ms);
  impl_->write([&] { s.run(path_); });
  return static_cast<std::size_t>(sqlite3_changes(impl_->db));
}

std::size_t Store::abandon_running_audits(std::int64_t now_ms, const std::string& error) {
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db,
              "UPDATE audits SET status = 'failed', finished_ms = ?, error = ? "
              "WHERE status = 'running'",
              path_);
  s.bind(1, now_ms).bind(2, error);
  impl_->write([&] { s.run(path_); });
  return static_cast<std::size_t>(sqlite3_changes(impl_->db));
}

void Store::save_baseline(const std::string& switch_name,
                          const std::map<std::string, VlanSet>& interfaces) {
  impl_->require_writable();
  std::lock_guard lock(impl_->mutex);
  impl_->write_transaction([&] {
    Statement del(impl_->db, "DELETE FROM baseline WHERE switch = ?", path_);
    del.bind(1, switch_name).run(path_);
    Statement ins(impl_->db, "INSERT INTO baseline (switch, interface, vlans) VALUES (?, ?, ?)",
                  path_);
    for (const auto& [interface, vlans] : interfaces) {
      ins.bind(1, switch_name).bind(2, interface).bind(3, vlans.to_range_list()).run(path_);
    }
  });
}

Baseline Store::baseline() const {
  std::lock_guard lock(impl_->mutex);
  Statement s(impl_->db, "SELECT switch, interface, vlans FROM baseline ORDER BY switch, interface",
              path_);
  Baseline out;
  while (s.step(path_)) {
    try {
      out[s.text(0)][s.text(1)] = parse_range_list(s.text(2));
    } catch (const VlanSetError& e) {
      throw StoreError(path_ + ": table baseline, row " + s.text(0) + "/" + s.text(1) +
                       ": unreadable VLAN list: " + e.what());
    }
  }
  return out;
}

}  // namespace vmfabric
