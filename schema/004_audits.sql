-- vmfabric schema 4: drift audits and the reconciler's baseline.
--
-- An audit compares what the switches carry with what the plan needs; its row is written when it
-- starts (status 'running') and completed when it ends. A 'running' row left by a crash is
-- marked failed at the next start. Finished audits are pruned after the retention period, their
-- findings with them.
CREATE TABLE audits (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  started_ms  INTEGER NOT NULL,
  finished_ms INTEGER,
  trigger     TEXT NOT NULL,             -- 'schedule' or 'api'
  actor       TEXT NOT NULL DEFAULT '',  -- the API token's name; '' for the schedule
  remediate   TEXT NOT NULL,             -- the policy in force: 'none', 'add-only', 'full'
  status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  error       TEXT NOT NULL DEFAULT '',  -- why it failed
  switches    INTEGER NOT NULL DEFAULT 0,  -- switches audited
  unreadable  INTEGER NOT NULL DEFAULT 0,  -- of which could not be read
  counts      TEXT NOT NULL DEFAULT '{}',  -- JSON object: findings by kind name
  repairs     TEXT NOT NULL DEFAULT '[]'   -- JSON array: journal ids of the repairs it started
);
-- Pruning by age.
CREATE INDEX audits_started ON audits(started_ms);

-- What an audit found, in the order it found it (seq from 0). VLAN sets are range lists
-- ("120,130-132"; '' when none).
CREATE TABLE audit_findings (
  audit_id    INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  kind        TEXT NOT NULL,              -- 'vlan-missing', 'cluster-gap', ...
  switch      TEXT NOT NULL DEFAULT '',
  interface   TEXT NOT NULL DEFAULT '',
  host        TEXT NOT NULL DEFAULT '',
  uplink      TEXT NOT NULL DEFAULT '',
  vlans       TEXT NOT NULL DEFAULT '',
  why         TEXT NOT NULL DEFAULT '[]',  -- JSON array of lines
  undone      TEXT NOT NULL DEFAULT '',
  last_change TEXT,                        -- JSON object {added, at_ms, session}; NULL: none
  outside_change TEXT,  -- JSON object {session, user, at_ms}: the switch's session since; NULL: none
  detail      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (audit_id, seq)
) WITHOUT ROWID;

-- The reconciler's baseline: per switch and interface, the VLANs vmfabric established there when
-- the switch last converged (interface '' is the switch's VLAN database). Kept so that a restart
-- still knows what became unneeded while vmfabricd was down.
CREATE TABLE baseline (
  switch    TEXT NOT NULL,
  interface TEXT NOT NULL,
  vlans     TEXT NOT NULL,  -- range list; '' when none
  PRIMARY KEY (switch, interface)
) WITHOUT ROWID;
