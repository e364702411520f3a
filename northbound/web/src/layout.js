// The layered layout: spines on top, leaves below them (MLAG pairs side by side), ESX hosts
// grouped by cluster below the leaves, a host's VMs in a small grid under it when expanded.
// Deterministic: the same fabric gives the same positions, so a live update moves only what
// changed (a VM that moved, a host added to a cluster) and never re-lays-out the rest.
import { byName } from './model.js';

export const SIZE = {
  switchW: 130, switchH: 36, pairW: 120, pairGapW: 170, // an MLAG peer's slot, and the slot after a pair
  hostW: 150, hostH: 46,
  vmCols: 4, vmW: 34, vmH: 28,
  tierGap: 200, groupGap: 60, rowGap: 34,
};

// Places `items` in a row centred on x = 0, `spacing(item, i)` from each centre to the next.
function row(items, spacing, y, out) {
  const gaps = items.map(spacing);
  const total = gaps.slice(0, -1).reduce((a, b) => a + b, 0);
  let x = -total / 2;
  for (const [i, it] of items.entries()) {
    out.set(it.id, { x, y });
    x += gaps[i];
  }
  return total + SIZE.switchW;
}

function leafOrder(a, b) {
  const ka = a.mlag_domain || a.name;
  const kb = b.mlag_domain || b.name;
  return ka < kb ? -1 : ka > kb ? 1 : byName(a, b);
}

// Positions of every drawn node: Map id -> {x, y}; a cluster's is the centre of the box drawn
// behind its hosts, with its size ({x, y, w, h}). `expanded` holds the host ids whose VMs are
// shown.
export function layout(model, expanded) {
  const pos = new Map();
  const switches = [...model.nodes.values()].filter((n) => n.kind === 'switch');
  const spines = switches.filter((s) => s.tier !== 'leaf').sort((a, b) =>
    (a.tier === 'spine') !== (b.tier === 'spine') ? (a.tier === 'spine' ? -1 : 1) : byName(a, b));
  const leaves = switches.filter((s) => s.tier === 'leaf').sort(leafOrder);
  const spineWidth = row(spines, () => SIZE.switchW, 0, pos);
  // MLAG peers sit close together and pairs further apart, so that pairs read as pairs.
  const leafWidth = row(leaves, (s, i) => (leaves[i + 1] && s.mlag_peer === leaves[i + 1].name
    ? SIZE.pairW : s.mlag_peer ? SIZE.pairGapW : SIZE.switchW), SIZE.tierGap, pos);

  // Host groups: a cluster, or a vCenter's hosts outside any cluster; ordered by where their
  // uplinks land on the leaf row, so that uplinks cross as little as possible.
  const groups = new Map();
  for (const n of model.nodes.values()) {
    if (n.kind !== 'host') continue;
    const key = n.cluster && model.nodes.has(n.cluster) ? n.cluster : `standalone:${n.vcenter}`;
    if (!groups.has(key)) groups.set(key, { id: key, name: model.nodes.get(key)?.name ?? key, hosts: [] });
    groups.get(key).hosts.push(n);
  }
  const centre = (host) => {
    const xs = (model.uplinksByHost.get(host.id) || []).map((e) => pos.get(e.target)?.x).filter((x) => x !== undefined);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity;
  };
  const ordered = [...groups.values()];
  for (const g of ordered) {
    g.hosts.sort(byName);
    const xs = g.hosts.map(centre).filter(Number.isFinite);
    g.centre = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity;
    g.cols = Math.min(g.hosts.length, Math.max(1, Math.ceil(Math.sqrt(g.hosts.length * 2.5))));
  }
  ordered.sort((a, b) => a.centre - b.centre || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hostless = model.vmsByHost.get(null) || [];
  if (hostless.length) {
    ordered.push({ id: 'unplaced', hosts: [], cols: SIZE.vmCols * 3, vms: hostless });
  }

  // Shelves: groups left to right, a new shelf below when the row is as wide as the fabric.
  const maxWidth = Math.max(spineWidth, leafWidth, 1400);
  const vmRows = (host) => (expanded.has(host.id) ? Math.ceil((model.vmsByHost.get(host.id)?.length || 0) / SIZE.vmCols) : 0);
  let y = 2 * SIZE.tierGap + 40;
  let shelf = [];
  let shelfWidth = 0;
  let shelfHeight = 0;
  const flush = () => {
    let x = -shelfWidth / 2;
    for (const { g, width, height } of shelf) {
      placeGroup(g, x, y, model, pos, vmRows);
      if (model.nodes.has(g.id)) {
        // The cluster's box: its hosts (centred on the first row's y) and their VMs.
        const inner = height - SIZE.rowGap; // no gap below the last row
        pos.set(g.id, { x: x + width / 2, y: y - SIZE.hostH / 2 + inner / 2, w: width + 20, h: inner + 20 });
      }
      x += width + SIZE.groupGap;
    }
    y += shelfHeight + SIZE.groupGap + SIZE.rowGap;
    shelf = [];
    shelfWidth = 0;
    shelfHeight = 0;
  };
  for (const g of ordered) {
    const width = g.vms ? g.cols * SIZE.vmW : g.cols * SIZE.hostW;
    const height = g.vms ? Math.ceil(g.vms.length / g.cols) * SIZE.vmH : groupHeight(g, vmRows);
    if (shelf.length && shelfWidth + SIZE.groupGap + width > maxWidth) flush();
    shelfWidth += (shelf.length ? SIZE.groupGap : 0) + width;
    shelfHeight = Math.max(shelfHeight, height);
    shelf.push({ g, width, height });
  }
  if (shelf.length) flush();
  return pos;
}

function rowHeights(g, vmRows) {
  const heights = [];
  g.hosts.forEach((h, i) => {
    const r = Math.floor(i / g.cols);
    heights[r] = Math.max(heights[r] || 0, SIZE.hostH + SIZE.rowGap + vmRows(h) * SIZE.vmH);
  });
  return heights;
}

function groupHeight(g, vmRows) {
  return rowHeights(g, vmRows).reduce((a, b) => a + b, 0);
}

function placeGroup(g, left, top, model, pos, vmRows) {
  if (g.vms) {
    g.vms.forEach((vm, i) => pos.set(vm.id, {
      x: left + (i % g.cols + 0.5) * SIZE.vmW, y: top + Math.floor(i / g.cols) * SIZE.vmH,
    }));
    return;
  }
  const heights = rowHeights(g, vmRows);
  let y = top;
  g.hosts.forEach((h, i) => {
    const col = i % g.cols;
    if (i > 0 && col === 0) y += heights[Math.floor(i / g.cols) - 1];
    const x = left + (col + 0.5) * SIZE.hostW;
    pos.set(h.id, { x, y });
    if (vmRows(h) === 0) return;
    (model.vmsByHost.get(h.id) || []).forEach((vm, k) => pos.set(vm.id, {
      x: x + ((k % SIZE.vmCols) - (SIZE.vmCols - 1) / 2) * SIZE.vmW,
      y: y + SIZE.hostH / 2 + SIZE.vmH * (0.9 + Math.floor(k / SIZE.vmCols)),
    }));
  });
}
