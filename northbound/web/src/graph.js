// The drawing: Cytoscape (canvas) with preset positions from layout.js. `sync` brings the
// drawing to a new model in place: elements are added, updated or removed by id, and only nodes
// whose computed position changed move. Level of detail: labels vanish when too small to read,
// edges hide while panning a large fabric, VMs are drawn only for expanded hosts.
import cytoscape from 'cytoscape';
import { layout, SIZE } from './layout.js';

const DRIFT = '#9c36b5';
// Node box heights by label lines: a drift badge adds one.
const LINE_H = 13;
const boxHeight = (base, label) => Math.max(base, LINE_H * label.split('\n').length + 8);

const STYLE = [
  { selector: 'node', style: {
    'font-size': 11, 'min-zoomed-font-size': 7, 'text-wrap': 'wrap', 'text-valign': 'center',
    'text-halign': 'center', color: '#fff', label: 'data(label)', shape: 'round-rectangle',
    width: SIZE.switchW - 20, height: SIZE.switchH, 'border-width': 0, 'z-index-compare': 'manual', 'z-index': 2,
  } },
  { selector: 'node[kind="switch"]', style: { 'background-color': '#3c7dbf' } },
  { selector: 'node[tier="spine"]', style: { 'background-color': '#1f4e79' } },
  { selector: 'node[tier="other"]', style: { 'background-color': '#6c7a89' } },
  { selector: 'node[kind="host"]', style: {
    'background-color': '#5c940d', width: SIZE.hostW - 22, height: SIZE.hostH - 8,
  } },
  { selector: 'node[kind="vm"]', style: {
    shape: 'ellipse', width: SIZE.vmW - 8, height: SIZE.vmH - 10, 'background-color': '#adb5bd',
    color: '#1d232b', 'font-size': 7, 'min-zoomed-font-size': 6, 'text-valign': 'bottom',
    'text-margin-y': 1, 'text-max-width': SIZE.vmW + 4, 'text-wrap': 'ellipsis',
  } },
  { selector: 'node[state="powered-off"]', style: { 'background-color': '#e9ecef' } },
  { selector: 'node[state="moving"]', style: {
    'background-color': '#74c0fc', 'border-width': 2, 'border-style': 'dashed', 'border-color': '#1971c2',
  } },
  // A cluster is a box drawn behind its hosts, sized by the layout: not a Cytoscape compound
  // node, whose bookkeeping costs most of the first frame on a large fabric.
  { selector: 'node[kind="cluster"]', style: {
    'background-color': '#f1f3f5', 'border-width': 1, 'border-color': '#ced4da', width: 'data(w)',
    height: 'data(h)', color: '#495057', 'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4,
    'font-size': 13, 'min-zoomed-font-size': 5, 'z-index': 0,
  } },
  { selector: 'node.down', style: {
    'background-color': '#c92a2a', 'border-width': 3, 'border-style': 'dashed', 'border-color': '#5c0e0e',
  } },
  { selector: 'node.vc-down', style: { 'background-color': '#868e96', 'border-width': 2,
    'border-style': 'dashed', 'border-color': '#c92a2a' } },
  { selector: 'node.pending', style: { 'border-width': 4, 'border-color': '#e0a100', 'border-style': 'double' } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': '#adb5bd', 'curve-style': 'straight', 'font-size': 8,
    'z-index-compare': 'manual', 'z-index': 1,
    'min-zoomed-font-size': 7, 'source-label': 'data(sourceLabel)', 'target-label': 'data(targetLabel)',
    'source-text-offset': 26, 'target-text-offset': 26, color: '#495057',
    'text-background-color': '#fff', 'text-background-opacity': 0.8, 'text-background-padding': 1,
  } },
  { selector: 'edge[kind="mlag-peer"]', style: { width: 3, 'line-color': '#74c0fc' } },
  { selector: 'edge[kind="fabric"]', style: { 'line-color': '#8ca0b3' } },
  { selector: 'edge.pending', style: { 'line-color': '#e0a100', 'line-style': 'dashed', width: 2.5 } },
  // Drift found by the last audit: a purple dashed border or line and a "⚠ N drift" label, so
  // that it reads without colour too. Marked boxes grow to fit the extra label line.
  { selector: 'node.drift', style: {
    'border-width': 4, 'border-style': 'dashed', 'border-color': DRIFT, height: 'data(h)',
  } },
  { selector: 'edge.drift', style: {
    'line-color': DRIFT, 'line-style': 'dashed', 'line-dash-pattern': [7, 3], width: 3, label: 'data(drift)',
    'font-size': 9, color: DRIFT, 'font-weight': 'bold',
  } },
  { selector: '.dim', style: { opacity: 0.18 } },
  { selector: 'edge.hl', style: { 'line-color': '#e8590c', width: 4, opacity: 1, 'z-index': 10 } },
  { selector: 'edge.hl-add', style: { 'line-style': 'dashed' } },
  { selector: 'edge.hl-remove', style: { 'line-color': '#c92a2a', 'line-style': 'dotted' } },
  { selector: 'node.hl', style: { 'border-width': 4, 'border-color': '#e8590c', 'border-style': 'solid', opacity: 1 } },
  { selector: 'node.sel', style: { 'overlay-color': '#e8590c', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
  { selector: 'edge.sel', style: { 'overlay-color': '#e8590c', 'overlay-opacity': 0.25 } },
];

// Zoomed out, interface names and VM names are unreadable anyway: the overview style drops
// them, which also spares measuring ~2 labels per edge on every redraw.
const DETAIL_ZOOM = 0.55;
const OVERVIEW = [...STYLE, { selector: 'edge', style: { 'source-label': '', 'target-label': '' } },
  { selector: 'node[kind="vm"]', style: { label: '' } }];

// The Cytoscape element data of the drawn part of `model`; `state.drift` is driftIndex().
function elements(model, expanded, state, pos) {
  const out = [];
  const vcDown = (n) => state.vcenters.get(n.vcenter) === false;
  const drift = (id, classes) => {
    const n = state.drift.nodes.get(id)?.length || 0;
    if (n) classes.push('drift');
    return n ? `\n⚠ ${n} drift` : '';
  };
  for (const n of model.nodes.values()) {
    const classes = [];
    let data;
    if (n.kind === 'switch') {
      const pending = state.pendingSwitches.get(n.name) ?? n.pending_changes ?? 0;
      if (n.reachability !== 'reachable') classes.push('down');
      if (pending > 0) classes.push('pending');
      const why = n.reachability === 'reachable' ? '' : `\n${n.reachability}`;
      const label = `${n.name}${why}${pending > 0 ? `\n${pending} pending` : ''}${drift(n.id, classes)}`;
      data = { id: n.id, kind: 'switch', tier: n.tier, label, h: boxHeight(SIZE.switchH, label) };
    } else if (n.kind === 'cluster') {
      const box = pos.get(n.id);
      if (!box) continue; // no host in it
      data = { id: n.id, kind: 'cluster', label: n.name, w: box.w, h: box.h };
    } else if (n.kind === 'host') {
      const vms = model.vmsByHost.get(n.id)?.length || 0;
      if (n.connection !== 'connected' || vcDown(n)) classes.push('vc-down');
      const sign = vms ? (expanded.has(n.id) ? ' ▾' : ' ▸') : '';
      const label = `${n.name}\n${vms} VM${vms === 1 ? '' : 's'}${sign}${drift(n.id, classes)}`;
      data = { id: n.id, kind: 'host', label, h: boxHeight(SIZE.hostH - 8, label) };
    } else if (n.kind === 'vm') {
      if (n.host && !expanded.has(n.host)) continue;
      if (vcDown(n)) classes.push('vc-down');
      data = { id: n.id, kind: 'vm', label: n.name, state: n.state };
    } else {
      continue;
    }
    out.push({ group: 'nodes', data, classes });
  }
  for (const e of model.edges.values()) {
    const classes = state.pendingInterfaces.size && e.ifaceKeys.some((k) => state.pendingInterfaces.has(k)) ? ['pending'] : [];
    const findings = state.drift.edges.get(e.id)?.length || 0;
    if (findings) classes.push('drift');
    const target = e.port_channel ? `${e.target_interface} (${e.port_channel})` : e.target_interface;
    out.push({ group: 'edges', data: {
      id: e.id, kind: e.kind, source: e.source, target: e.target,
      sourceLabel: e.source_interface || '', targetLabel: target || '', drift: findings ? `⚠ ${findings} drift` : '',
    }, classes });
  }
  return out;
}

export class Graph {
  constructor(container, { onTap, onDoubleTap }) {
    this.cy = cytoscape({
      container, style: OVERVIEW, minZoom: 0.02, maxZoom: 4,
      autoungrabify: true, // positions are the layout's: a dragged node would snap back
      boxSelectionEnabled: false, selectionType: 'single',
    });
    this.cy.on('tap', (ev) => onTap(ev.target === this.cy ? null : ev.target.id()));
    this.cy.on('dbltap', 'node', (ev) => onDoubleTap(ev.target.id()));
    this.classesOf = new Map(); // element id -> its model classes ("down", "pending", ...)
    this.positions = new Map(); // the last layout
    this.detailed = false;
    this.cy.on('zoom', () => this.levelOfDetail());
  }

  levelOfDetail() {
    const detailed = this.cy.zoom() >= DETAIL_ZOOM;
    if (detailed === this.detailed) return;
    this.detailed = detailed;
    this.cy.style(detailed ? STYLE : OVERVIEW);
  }

  // Brings the drawing to `model`.
  sync(model, expanded, state) {
    const cy = this.cy;
    const pos = layout(model, expanded);
    const wanted = elements(model, expanded, state, pos);
    this.positions = pos;
    const large = wanted.length > 2000;
    // Level of detail for big fabrics: edges and a texture instead of a full redraw while
    // panning or zooming.
    cy.renderer().options.hideEdgesOnViewport = large;
    cy.renderer().options.textureOnViewport = large;
    const ids = new Set(wanted.map((w) => w.data.id));
    cy.batch(() => {
      cy.elements().filter((el) => !ids.has(el.id())).remove();
      // One lookup table: cy.getElementById builds a collection for each id it does not find.
      const existing = new Map(cy.elements().map((el) => [el.id(), el]));
      const fresh = [];
      for (const w of wanted) {
        const el = existing.get(w.data.id);
        const p = w.group === 'nodes' && pos.get(w.data.id);
        if (p) w.position = { x: p.x, y: p.y };
        if (!el) {
          fresh.push(w);
          this.classesOf.set(w.data.id, w.classes);
          continue;
        }
        if (w.group === 'edges' && (el.data('source') !== w.data.source || el.data('target') !== w.data.target)) {
          el.remove();
          fresh.push(w);
          this.classesOf.set(w.data.id, w.classes);
          continue;
        }
        for (const [k, v] of Object.entries(w.data)) {
          if (el.data(k) !== v) el.data(k, v);
        }
        const old = this.classesOf.get(w.data.id) || [];
        for (const c of old) if (!w.classes.includes(c)) el.removeClass(c);
        for (const c of w.classes) if (!old.includes(c)) el.addClass(c);
        this.classesOf.set(w.data.id, w.classes);
        if (w.position) {
          const p = el.position();
          if (Math.abs(p.x - w.position.x) > 0.5 || Math.abs(p.y - w.position.y) > 0.5) {
            el.position(w.position);
          }
        }
      }
      if (fresh.length) cy.add(fresh);
    });
    for (const id of [...this.classesOf.keys()]) if (!ids.has(id)) this.classesOf.delete(id);
  }

  // cy.fit() measures every element and label to bound the drawing (most of a second at 5,000
  // nodes): the layout's positions frame it as well.
  fit(padding = 60) {
    const cy = this.cy;
    if (!this.positions.size) return;
    const bb = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    for (const { x, y } of this.positions.values()) {
      bb.x1 = Math.min(bb.x1, x - SIZE.hostW / 2);
      bb.x2 = Math.max(bb.x2, x + SIZE.hostW / 2);
      bb.y1 = Math.min(bb.y1, y - SIZE.hostH);
      bb.y2 = Math.max(bb.y2, y + SIZE.hostH);
    }
    bb.w = bb.x2 - bb.x1;
    bb.h = bb.y2 - bb.y1;
    const zoom = Math.min(cy.maxZoom(), Math.max(cy.minZoom(),
      Math.min((cy.width() - 2 * padding) / bb.w, (cy.height() - 2 * padding) / bb.h)));
    cy.viewport({ zoom, pan: { x: (cy.width() - zoom * (bb.x1 + bb.x2)) / 2, y: (cy.height() - zoom * (bb.y1 + bb.y2)) / 2 } });
    this.levelOfDetail();
  }

  // Highlight: `ids` get `cls`; with `dimOthers`, everything else fades.
  mark(cls, ids, dimOthers) {
    this.cy.batch(() => {
      this.cy.elements(`.${cls}`).removeClass(cls);
      this.cy.elements('.dim').removeClass('dim');
      for (const [id, extra] of ids) {
        const el = this.cy.getElementById(id);
        el.addClass(cls);
        if (extra) el.addClass(extra);
      }
      if (dimOthers && ids.size) this.cy.elements().not(`.${cls}`).not('[kind="cluster"]').addClass('dim');
    });
  }

  clearMarks() {
    this.cy.batch(() => {
      this.cy.elements('.hl, .hl-add, .hl-remove, .dim, .sel').removeClass('hl hl-add hl-remove dim sel');
    });
  }

  // Marks the selected element; with `reveal`, pans to it when it is off screen or tiny.
  select(id, reveal = true) {
    this.cy.elements('.sel').removeClass('sel');
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    el.addClass('sel');
    if (reveal && el.isNode() && el.data('kind') !== 'cluster') {
      const ext = this.cy.extent();
      const p = el.position();
      const inside = p.x > ext.x1 && p.x < ext.x2 && p.y > ext.y1 && p.y < ext.y2;
      if (!inside || this.cy.zoom() < 0.5) this.cy.animate({ center: { eles: el }, zoom: Math.max(this.cy.zoom(), 0.9) }, { duration: 250 });
    }
  }
}
