// Drift found by the last finished audit (GET /api/v1/audits/{id}), placed on the drawing. Pure
// data, no DOM. Findings name switches and hosts by name, interfaces as the switch names them,
// uplinks by pnic; a host name found in two vCenters marks both hosts.

// The kinds that mark a switch node, and those that mark a host node.
const SWITCH_KINDS = new Set(['vlan-missing', 'vlan-unneeded', 'vlan-not-in-database', 'switch-unreachable']);
const HOST_KINDS = new Set(['uplink-unlocated', 'uplink-bundle-mismatch', 'cluster-gap']);

function push(map, key, value) {
  if (!map.has(key)) map.set(key, []);
  map.get(key).push(value);
}

// `audit`: the audit with its findings, or null. Returns the findings per marked node id and per
// marked edge id: a switch with a VLAN or unreachable finding, a host with an uplink or cluster
// finding, any link whose switch interface (an uplink's port-channel included) or whose host
// uplink has a finding.
export function driftIndex(audit, model) {
  const nodes = new Map();
  const edges = new Map();
  const index = { audit, nodes, edges };
  if (!audit || !model) return index;
  const hostsByName = new Map();
  for (const n of model.nodes.values()) if (n.kind === 'host') push(hostsByName, n.name, n.id);
  const edgesByInterface = new Map(); // "leaf1a:Ethernet11" -> [edge id]
  const edgesByUplink = new Map(); // "esx-a1 vmnic0" -> [edge id]
  for (const e of model.edges.values()) {
    for (const k of e.ifaceKeys) push(edgesByInterface, k, e.id);
    if (e.kind === 'uplink') push(edgesByUplink, `${model.nodes.get(e.source).name} ${e.source_interface}`, e.id);
  }
  for (const f of audit.findings) {
    if (f.switch && SWITCH_KINDS.has(f.kind) && model.nodes.has(`switch:${f.switch}`)) push(nodes, `switch:${f.switch}`, f);
    if (f.host && HOST_KINDS.has(f.kind)) for (const id of hostsByName.get(f.host) || []) push(nodes, id, f);
    const hit = new Set([
      ...(f.switch && f.interface ? edgesByInterface.get(`${f.switch}:${f.interface}`) || [] : []),
      ...(f.host && f.uplink ? edgesByUplink.get(`${f.host} ${f.uplink}`) || [] : []),
    ]);
    for (const id of hit) push(edges, id, f);
  }
  return index;
}

// The findings a switch's or a host's panel lists: those naming it, and for a host those on the
// switch ports its uplinks land on.
export function switchFindings(index, name) {
  return index.audit ? index.audit.findings.filter((f) => f.switch === name) : [];
}

export function hostFindings(index, name, uplinkEdgeIds) {
  if (!index.audit) return [];
  const onUplinks = new Set(uplinkEdgeIds.flatMap((id) => index.edges.get(id) || []));
  return index.audit.findings.filter((f) => f.host === name || onUplinks.has(f));
}
