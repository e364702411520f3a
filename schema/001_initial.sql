-- vmfabric schema 1: the topology graph, one table per entity kind, and the change journal.
--
-- Each graph table keys an entity by its canonical id (a JSON array such as ["vc1","host-21"])
-- and keeps the entity itself as JSON in `data`. Ownership is enforced here too: removing an
-- owner (a host, a switch) removes what it owns.

CREATE TABLE vcenters (
  id   TEXT PRIMARY KEY,
  data TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE clusters (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES vcenters(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE hosts (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES vcenters(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pnics (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE vswitches (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE standard_portgroups (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE vmknics (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE distributed_switches (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES vcenters(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE dv_portgroups (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES distributed_switches(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE vms (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES vcenters(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE vm_nics (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE switches (
  id   TEXT PRIMARY KEY,
  data TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE interfaces (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES switches(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE port_channels (
  id     TEXT PRIMARY KEY,
  parent TEXT NOT NULL REFERENCES switches(id) ON DELETE CASCADE,
  data   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE mlag_pairs (
  id      TEXT PRIMARY KEY,
  parent  TEXT NOT NULL REFERENCES switches(id) ON DELETE CASCADE,
  parent2 TEXT REFERENCES switches(id) ON DELETE CASCADE,
  data    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE links (
  id      TEXT PRIMARY KEY,
  parent  TEXT NOT NULL REFERENCES switches(id) ON DELETE CASCADE,
  parent2 TEXT REFERENCES switches(id) ON DELETE CASCADE,
  data    TEXT NOT NULL
) WITHOUT ROWID;

-- Child lookups for ON DELETE CASCADE.
CREATE INDEX clusters_parent ON clusters(parent);
CREATE INDEX hosts_parent ON hosts(parent);
CREATE INDEX pnics_parent ON pnics(parent);
CREATE INDEX vswitches_parent ON vswitches(parent);
CREATE INDEX standard_portgroups_parent ON standard_portgroups(parent);
CREATE INDEX vmknics_parent ON vmknics(parent);
CREATE INDEX distributed_switches_parent ON distributed_switches(parent);
CREATE INDEX dv_portgroups_parent ON dv_portgroups(parent);
CREATE INDEX vms_parent ON vms(parent);
CREATE INDEX vm_nics_parent ON vm_nics(parent);
CREATE INDEX interfaces_parent ON interfaces(parent);
CREATE INDEX port_channels_parent ON port_channels(parent);
CREATE INDEX mlag_pairs_parent ON mlag_pairs(parent);
CREATE INDEX mlag_pairs_parent2 ON mlag_pairs(parent2);
CREATE INDEX links_parent ON links(parent);
CREATE INDEX links_parent2 ON links(parent2);

-- Every change vmfabric makes to a switch: written before it is sent (result 'pending') and
-- completed after. A 'pending' row left by a crash tells the operator what was in flight.
CREATE TABLE journal (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ms  INTEGER NOT NULL,
  finished_ms INTEGER,
  switch      TEXT NOT NULL,
  session     TEXT NOT NULL DEFAULT '',  -- the EOS configuration session name
  commands    TEXT NOT NULL,             -- JSON array of CLI commands: what
  reason      TEXT NOT NULL,             -- why
  cause       TEXT NOT NULL,             -- which VM, event, audit or user caused it
  result      TEXT NOT NULL CHECK (result IN ('pending', 'applied', 'failed', 'aborted')),
  detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_switch ON journal(switch, id);
CREATE INDEX journal_created ON journal(created_ms);
