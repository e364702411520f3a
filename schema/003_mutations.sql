-- vmfabric schema 3: what the API changed at run time. The journal names who made each change
-- (the API token's name; NULL for vmfabric's own changes); switches and vCenters added through
-- the API are kept (with secrets only as references, as in the config file) and started again at
-- every start; a policy set through the API overrides the config file's.
ALTER TABLE journal ADD COLUMN actor TEXT;

CREATE TABLE inventory (
  kind       TEXT NOT NULL CHECK (kind IN ('switch', 'vcenter')),
  name       TEXT NOT NULL,
  entry      TEXT NOT NULL,  -- the entry as in the config file's switches/vcenters array (JSON)
  created_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,  -- the API token's name
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE policy_override (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  policy     TEXT NOT NULL,  -- as the config file's policy object (JSON)
  updated_ms INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
