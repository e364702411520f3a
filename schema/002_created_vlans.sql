-- vmfabric schema 2: the VLANs vmfabric created on each switch. vmfabric deletes a VLAN from a
-- switch's database only when it is listed here: VLANs it found there are never its to remove.
CREATE TABLE created_vlans (
  switch      TEXT NOT NULL,
  vlan        INTEGER NOT NULL CHECK (vlan BETWEEN 1 AND 4094),
  created_ms  INTEGER NOT NULL,
  PRIMARY KEY (switch, vlan)
) WITHOUT ROWID;
