// The fabric as the viewer holds it: the /topology JSON indexed for layout, search and
// highlighting. Pure data, no DOM.

export function buildModel(topology) {
  const nodes = new Map();
  const vmsByHost = new Map(); // host id (or null) -> [vm], by name
  const uplinksByHost = new Map(); // host id -> [uplink edge]
  for (const n of topology.nodes) {
    nodes.set(n.id, n);
    if (n.kind === 'vm') {
      const key = n.host || null;
      if (!vmsByHost.has(key)) vmsByHost.set(key, []);
      vmsByHost.get(key).push(n);
    }
  }
  for (const list of vmsByHost.values()) list.sort(byName);
  const edges = new Map();
  for (const e of topology.edges) {
    // An edge whose end is not a node (a race with a removal) cannot be drawn.
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    e.ifaceKeys = edgeInterfaces(e);
    edges.set(e.id, e);
    if (e.kind === 'uplink') {
      if (!uplinksByHost.has(e.source)) uplinksByHost.set(e.source, []);
      uplinksByHost.get(e.source).push(e);
    }
  }
  return { version: topology.graph_version, nodes, edges, vmsByHost, uplinksByHost };
}

export function byName(a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// "switch:leaf1a" -> "leaf1a"; "vm:vc1/vm-42" -> "vc1/vm-42".
export function keyOf(id) {
  return id.slice(id.indexOf(':') + 1);
}

// The switch interfaces ("leaf1a:Port-Channel11") an edge's ends sit on: both ends of a link
// between switches, the switch end (and its port-channel) of an ESX uplink.
export function edgeInterfaces(edge) {
  const out = [];
  const add = (nodeId, name) => {
    if (name && nodeId.startsWith('switch:')) out.push(`${keyOf(nodeId)}:${name}`);
  };
  add(edge.source, edge.source_interface);
  add(edge.target, edge.target_interface);
  if (edge.port_channel) add(edge.target, edge.port_channel);
  return out;
}
