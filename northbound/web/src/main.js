// The viewer: login, loading the fabric, selection, live updates, and window.vmfabricViewer
// (the state tests read instead of pixels).
import { Api, ApiError, enc } from './api.js';
import { $, formatTime, h } from './dom.js';
import { driftIndex, hostFindings, switchFindings } from './drift.js';
import { Graph } from './graph.js';
import { buildModel, keyOf } from './model.js';
import { auditPanel, clusterPanel, driftSection, edgePanel, hostPanel, switchPanel, vlanPanel, vmPanel } from './panel.js';
import { Search } from './search.js';

const TOKEN_KEY = 'vmfabric.token';
const REFRESH_DEBOUNCE_MS = 150;
const STREAM_RETRY_MS = 3000;

const state = {
  api: null,
  graph: null,
  model: null,
  expanded: new Set(), // host ids whose VMs are drawn
  vcenters: new Map(), // name -> session connected?
  pendingSwitches: new Map(), // switch name -> pending changes
  pendingInterfaces: new Set(), // "leaf1a:Ethernet11" with a pending change
  vlans: [], // from /vlans, for search
  macs: [], // [{mac, label, target}], for search
  audit: null, // the newest finished audit, with its findings (null: none yet)
  auditRunning: null, // the summary of an audit running now
  auditLoaded: false,
  auditError: '', // why the audits could not be read (the last ones read stay shown)
  drift: driftIndex(null, null), // where state.audit's findings are drawn
  selection: null, // {kind: 'vlan'|'node'|'edge', ref}
  highlight: { interfaces: new Set(), nodes: [], styles: new Map() }, // what the selection lights up
  status: 'login',
  message: '',
  live: 'off',
  lastEventId: 0,
  updates: 0,
  timings: {},
};

// ---- notices and status -------------------------------------------------------------------

function notice(title, text, isError, action) {
  const el = $('notice');
  el.className = `notice${isError ? ' error' : ''}`;
  el.replaceChildren(h('h2', null, title), h('p', null, text), action || '');
  el.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

function renderStatus() {
  const chips = [];
  if (state.model) {
    const switches = [...state.model.nodes.values()].filter((n) => n.kind === 'switch');
    const down = switches.filter((s) => s.reachability !== 'reachable');
    chips.push(h('span', { class: `chip${down.length ? ' bad' : ''}`, title: down.map((s) => `${s.name}: ${s.reachability}`).join('\n') },
      `${switches.length} switches${down.length ? ` · ${down.length} down` : ''}`));
    for (const [name, up] of state.vcenters) {
      chips.push(h('span', { class: `chip${up ? '' : ' bad'}` }, `${name} ${up ? 'connected' : 'disconnected'}`));
    }
    if (state.pendingSwitches.size) chips.push(h('span', { class: 'chip warn' }, `${state.pendingSwitches.size} switches with pending changes`));
    if (state.auditLoaded) chips.push(auditChip());
  }
  const live = { connected: 'live', connecting: 'connecting…', retrying: 'live updates lost: retrying', off: '' }[state.live];
  if (live) chips.push(h('span', { class: `chip${state.live === 'connected' ? '' : ' warn'}` }, live));
  $('status').replaceChildren(...chips);
}

// "Last audit #7: 3 findings, <time>" (or "No audit yet"); opens the audit's panel.
function auditChip() {
  const a = state.audit;
  let text = 'No audit yet';
  if (a?.status === 'failed') text = `Last audit #${a.id} failed, ${formatTime(a.finished)}`;
  else if (a) text = `Last audit #${a.id}: ${a.finding_count} finding${a.finding_count === 1 ? '' : 's'}, ${formatTime(a.finished)}`;
  if (state.auditRunning) text += ` · audit #${state.auditRunning.id} running…`;
  if (state.auditError) text += ' · audits unreadable';
  const tone = a?.status === 'failed' ? ' bad' : a?.finding_count ? ' drift' : state.auditError ? ' warn' : '';
  return h('button', { id: 'audit-status', type: 'button', class: `chip${tone}`, 'data-audit': a?.id,
    title: state.auditError || a?.error || 'Show the last audit\'s findings', onclick: () => select({ kind: 'audit' }) }, text);
}

// ---- login --------------------------------------------------------------------------------

function showLogin(message) {
  state.status = message ? 'error' : 'login';
  state.message = message || '';
  $('login').hidden = false;
  $('logout').hidden = true;
  const err = $('login-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('token').focus();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  stopStream();
  state.api = null;
  state.model = null;
  state.selection = null;
  state.audit = null;
  state.auditRunning = null;
  state.auditLoaded = false;
  state.graph?.cy.elements().remove();
  $('panel').hidden = true;
  $('search').disabled = true;
  clearNotice();
  renderStatus();
  showLogin(message);
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  start(token);
});
$('logout').addEventListener('click', () => signOut());

// ---- loading ------------------------------------------------------------------------------

async function loadPlan() {
  const items = await state.api.all('plan?pending=true');
  state.pendingSwitches = new Map();
  state.pendingInterfaces = new Set();
  for (const s of items) {
    const n = s.interfaces.length + s.create_vlans.length + (s.delete_vlans ? 1 : 0);
    if (n) state.pendingSwitches.set(s.switch, n);
    for (const i of s.interfaces) state.pendingInterfaces.add(`${s.switch}:${i.name}`);
  }
}

async function loadVcenters() {
  const items = await state.api.all('vcenters');
  state.vcenters = new Map(items.map((v) => [v.name, v.session === 'connected']));
}

// The newest finished audit with its findings, and the one running (at most one runs at a
// time, so the second page has a finished one). A missing /audits route (404) or no audit is the
// empty state; another failure keeps what was shown, with a note. Never rejects.
let auditSeq = 0;
async function loadAudit() {
  const seq = ++auditSeq;
  let running = null;
  let finished = null;
  let error = '';
  try {
    let cursor = null;
    for (let page = 0; page < 2 && !finished; page++) {
      const list = await state.api.get(`audits?limit=1${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      const newest = list.items[0];
      if (!newest) break;
      if (newest.status === 'running') running = running || newest;
      else finished = await state.api.get(`audits/${newest.id}`);
      cursor = list.next_cursor;
      if (!cursor) break;
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) error = e.message;
  }
  if (seq !== auditSeq) return; // a later load overtook this one
  if (!error) {
    state.audit = finished;
    state.auditRunning = running;
  }
  state.auditError = error;
  state.auditLoaded = true;
}

// After the audit was read on its own (at start): drawn and listed where it changed something.
function showAudit() {
  if (!state.model) return;
  if (state.drift.audit !== state.audit) {
    redraw();
    if (state.selection) select(state.selection, { quiet: true });
  }
  renderStatus();
}

// The search's secondary index: VLAN names, VM and host MACs. Not needed to draw.
async function loadSearchIndex() {
  const [vlans, vms, hosts] = await Promise.all([state.api.all('vlans'), state.api.all('vms'), state.api.all('hosts')]);
  state.vlans = vlans;
  const vmId = new Map([...state.model.nodes.values()].filter((n) => n.kind === 'vm').map((n) => [`${n.vcenter}/${n.name}`, n.id]));
  const hostId = new Map([...state.model.nodes.values()].filter((n) => n.kind === 'host').map((n) => [`${n.vcenter}/${n.name}`, n.id]));
  state.macs = [
    ...vms.flatMap((v) => v.nics.map((n) => ({ mac: n.mac, label: n.mac, extra: `${v.name} ${n.label}`, target: vmId.get(`${v.vcenter}/${v.name}`) }))),
    ...hosts.flatMap((x) => x.uplinks.map((u) => ({ mac: u.mac, label: u.mac, extra: `${x.name} ${u.pnic}`, target: hostId.get(`${x.vcenter}/${x.name}`) }))),
  ].filter((m) => m.mac && m.target);
}

function redraw() {
  state.drift = driftIndex(state.audit, state.model);
  state.graph.sync(state.model, state.expanded, state);
  applyHighlight();
  if (state.selection && state.selection.kind !== 'vlan') {
    const ref = state.selection.kind === 'node' ? drawnId(state.selection.ref) : state.selection.ref;
    state.graph.select(ref, false);
  }
}

function apply(topology) {
  state.model = buildModel(topology);
  for (const id of [...state.expanded]) if (!state.model.nodes.has(id)) state.expanded.delete(id);
  redraw();
  renderStatus();
  const empty = ![...state.model.nodes.values()].some((n) => n.kind === 'switch' || n.kind === 'host');
  if (empty) {
    notice('Nothing to show yet', 'vmfabricd has learned no switch and no ESX host so far. Check its vCenter and switch sessions ' +
      '(vmfabric show sessions) and its log; this page updates by itself as soon as it learns them.', false);
  } else {
    clearNotice();
  }
}

async function start(token) {
  state.api = new Api(token);
  $('login').hidden = true;
  state.status = 'loading';
  notice('Loading the fabric…', 'Reading /api/v1/topology.', false);
  try {
    state.timings.start = performance.now();
    // In parallel with the topology, and not waited for: the first frame never waits for it.
    const audit = loadAudit();
    const [topology] = await Promise.all([state.api.get('topology'), loadVcenters(), loadPlan()]);
    state.timings.loaded = performance.now();
    $('logout').hidden = false;
    if (!state.graph) state.graph = new Graph($('graph'), { onTap: tapped, onDoubleTap: doubleTapped });
    apply(topology);
    state.graph.fit();
    state.timings.drawn = performance.now();
    state.status = 'ready';
    state.message = '';
    afterFirstFrame();
    audit.then(showAudit);
    search.enable();
    openStream();
    loadSearchIndex().catch(() => {}); // search by name works without it
  } catch (e) {
    failed(e);
  }
}

function failed(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut(e.message);
    return;
  }
  state.status = 'error';
  state.message = e.message;
  const retry = h('button', { type: 'button', onclick: () => start(state.api.token) }, 'Retry');
  const text = e instanceof ApiError && e.status === 0 ? e.message
    : `${e.message}${e.status === 404 ? ' (is this vmfabricd recent enough to serve /api/v1/topology?)' : ''}`;
  notice(e.status === 0 ? 'The vmfabric API is unreachable' : 'The fabric could not be loaded', text, true, retry);
}

// Time to the first interactive frame: the graph drawn and the main thread free again.
let firstFrame = Promise.resolve();
function afterFirstFrame() {
  const cy = state.graph.cy;
  firstFrame = new Promise((resolve) => {
    cy.one('render', () => requestAnimationFrame(() => setTimeout(() => {
      state.timings.interactive = performance.now();
      resolve();
    }, 0)));
  });
  cy.forceRender();
}

// ---- live updates -------------------------------------------------------------------------

let stream = null;
let streamRetry = null;
const nothingPending = () => ({ topology: false, plan: false, vcenters: false, audit: false });
let pending = nothingPending();
let refreshTimer = null;
let refreshing = false;

function schedule(what) {
  for (const k of Object.keys(what)) pending[k] = pending[k] || what[k];
  if (!refreshTimer && !refreshing) refreshTimer = setTimeout(refresh, REFRESH_DEBOUNCE_MS);
}

async function refresh() {
  refreshTimer = null;
  if (!state.api) return;
  const what = pending;
  pending = nothingPending();
  refreshing = true;
  try {
    const jobs = [what.topology ? state.api.get('topology') : null, what.plan ? loadPlan() : null, what.vcenters ? loadVcenters() : null,
      what.audit ? loadAudit() : null];
    const [topology] = await Promise.all(jobs);
    // An unchanged graph (the refresh after the stream opened, mostly) is not redrawn.
    if (topology && topology.graph_version !== state.model.version) apply(topology);
    else if (what.plan || what.vcenters || state.drift.audit !== state.audit) redraw();
    state.updates += 1;
    renderStatus();
    if (state.selection) await select(state.selection, { quiet: true });
    if (what.topology) loadSearchIndex().catch(() => {});
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut(e.message);
      return;
    }
    state.message = e.message;
    $('status').append(h('span', { class: 'chip bad' }, e.status === 0 ? 'API unreachable' : 'refresh failed'));
  } finally {
    refreshing = false;
    if (Object.values(pending).some(Boolean)) refreshTimer = setTimeout(refresh, REFRESH_DEBOUNCE_MS);
  }
}

function onSession(data) {
  if (data.kind === 'switch') {
    const node = state.model?.nodes.get(`switch:${data.name}`);
    if (node) node.reachability = data.state;
  } else if (data.kind === 'vcenter') {
    state.vcenters.set(data.name, data.state === 'connected');
  }
  // At once, before the refetch: a session going down is what the operator must see first.
  if (state.model) redraw();
  renderStatus();
  schedule({ topology: true, vcenters: true, plan: true });
}

// An audit started (shown as running at once) or ended (its findings replace the last ones).
function onAudit(data) {
  if (data.status === 'running') {
    state.auditRunning = data;
    renderStatus();
  } else {
    schedule({ audit: true });
  }
}

function openStream() {
  stopStream();
  state.live = 'connecting';
  renderStatus();
  const es = new EventSource(state.api.eventsUrl(state.lastEventId));
  stream = es;
  const track = (handler) => (ev) => {
    if (ev.lastEventId) state.lastEventId = Number(ev.lastEventId);
    handler(ev.data ? JSON.parse(ev.data) : {});
  };
  es.addEventListener('open', () => {
    state.live = 'connected';
    renderStatus();
    // Whatever happened before the stream was open, once the first frame is out.
    firstFrame.then(() => schedule({ topology: true, plan: true, vcenters: true, audit: true }));
  });
  es.addEventListener('graph', track(() => schedule({ topology: true })));
  es.addEventListener('session', track(onSession));
  es.addEventListener('plan', track(() => schedule({ plan: true })));
  es.addEventListener('change', track(() => schedule({ plan: true })));
  es.addEventListener('audit', track(onAudit));
  es.addEventListener('reset', track(() => schedule({ topology: true, plan: true, vcenters: true, audit: true })));
  es.addEventListener('dropped', track(() => openStream()));
  es.addEventListener('error', () => {
    if (es.readyState !== EventSource.CLOSED) {
      state.live = 'retrying'; // the browser reconnects by itself, with Last-Event-ID
      renderStatus();
      return;
    }
    // Refused (a revoked token, an old server): find out why through a plain request.
    state.live = 'retrying';
    renderStatus();
    es.close();
    state.api?.get('vcenters').then(() => {
      streamRetry = setTimeout(openStream, STREAM_RETRY_MS);
    }, (e) => {
      if (e.status === 401) signOut(e.message);
      else streamRetry = setTimeout(openStream, STREAM_RETRY_MS);
    });
  });
}

function stopStream() {
  clearTimeout(streamRetry);
  if (stream) stream.close();
  stream = null;
  state.live = 'off';
}

// ---- selection ----------------------------------------------------------------------------

function vmIdNamed(name) {
  for (const n of state.model.nodes.values()) if (n.kind === 'vm' && n.name === name) return n.id;
  return null;
}

// The drawn element standing for a node: a collapsed VM is drawn as its host.
function drawnId(id) {
  const n = state.model.nodes.get(id);
  if (n?.kind === 'vm' && n.host && !state.expanded.has(n.host)) return n.host;
  return id;
}

// Lights up switch interfaces ("leaf1a:Ethernet11"), the links on them and nodes; `styles` maps
// an interface to an extra class for its links ("hl-add": allowed there by the plan only).
function highlight(interfaces, nodes, styles) {
  state.highlight = { interfaces, nodes, styles: styles || new Map() };
  applyHighlight();
}

// Again after each redraw: elements added since (a VM's new host) get the classes too.
function applyHighlight() {
  const { interfaces, nodes, styles } = state.highlight;
  const ids = new Map();
  for (const e of state.model.edges.values()) {
    const hits = e.ifaceKeys.filter((k) => interfaces.has(k));
    if (!hits.length) continue;
    // An uplink lands on a member port and its port-channel: the plainest state of the two wins
    // (carried, then to add, then to remove).
    const kinds = hits.map((k) => styles.get(k));
    ids.set(e.id, kinds.includes(undefined) ? undefined : kinds.includes('hl-add') ? 'hl-add' : kinds[0]);
  }
  for (const key of interfaces) ids.set(`switch:${key.slice(0, key.indexOf(':'))}`, undefined);
  for (const id of nodes) if (state.model.nodes.has(id)) ids.set(drawnId(id), undefined);
  state.graph.mark('hl', ids, ids.size > 0);
}

// Opening or closing the side panel resizes the graph: its centre stays where it was.
function setPanel(visible) {
  const panel = $('panel');
  if (panel.hidden !== visible) return;
  const before = state.graph.cy.width();
  panel.hidden = !visible;
  state.graph.cy.resize();
  state.graph.cy.panBy({ x: (state.graph.cy.width() - before) / 2, y: 0 });
}

function showPanel(children) {
  $('panel').replaceChildren(h('button', { class: 'close', type: 'button', title: 'Close (Esc)', onclick: deselect }, '×'), ...children);
  setPanel(true);
}

function deselect() {
  state.selection = null;
  state.highlight = { interfaces: new Set(), nodes: [], styles: new Map() };
  state.graph.clearMarks();
  setPanel(false);
}

function go(kind, ref) {
  if (kind === 'vm-name') {
    const n = [...state.model.nodes.values()].find((x) => x.kind === 'vm' && x.name === ref.name && x.vcenter === ref.vcenter);
    if (n) select({ kind: 'node', ref: n.id });
    return;
  }
  if (kind === 'host-name') { // audit findings name hosts without their vCenter
    const n = [...state.model.nodes.values()].find((x) => x.kind === 'host' && x.name === ref);
    if (n) select({ kind: 'node', ref: n.id });
    return;
  }
  if (ref) select({ kind, ref });
}

let selectSeq = 0;

async function select(sel, { quiet } = {}) {
  const seq = ++selectSeq;
  state.selection = sel;
  const api = state.api;
  try {
    if (sel.kind === 'vlan') {
      const vlan = await api.get(`vlans/${enc(sel.ref)}`);
      if (seq !== selectSeq) return;
      const interfaces = new Set();
      const extra = new Map();
      for (const s of vlan.switches) {
        for (const i of s.interfaces) {
          const key = `${s.name}:${i.name}`;
          interfaces.add(key);
          if (!i.observed) extra.set(key, 'hl-add');
          else if (!i.desired && i.role !== 'other') extra.set(key, 'hl-remove');
        }
      }
      const vmState = (name) => state.model.nodes.get(vmIdNamed(name))?.state;
      const vms = vlan.vms.filter((n) => vmState(n) !== 'powered-off').map(vmIdNamed).filter(Boolean);
      const hosts = vms.map((id) => state.model.nodes.get(id).host).filter(Boolean);
      highlight(interfaces, [...vms, ...hosts], extra);
      showPanel(vlanPanel(vlan, go, vmIdNamed, vmState));
      return;
    }
    if (sel.kind === 'edge') {
      const edge = state.model.edges.get(sel.ref);
      if (!edge) return deselect();
      highlight(new Set(), [], null);
      state.graph.select(edge.id);
      showPanel([...edgePanel(edge, state.model, go), ...driftSection(state.drift.edges.get(edge.id) || [], state.audit, go)]);
      return;
    }
    if (sel.kind === 'audit') {
      highlight(new Set(), [], null);
      state.graph.clearMarks(); // nothing drawn is the selection
      showPanel(auditPanel(state.audit, state.auditRunning, go));
      return;
    }
    const node = state.model.nodes.get(sel.ref);
    if (!node) return deselect();
    let children;
    if (node.kind === 'vm') {
      const vm = await api.get(`vms/${enc(node.name)}?vcenter=${enc(node.vcenter)}`);
      const uplinks = state.model.uplinksByHost.get(node.host) || [];
      const ports = uplinks.map((e) => ({ switch: keyOf(e.target), interface: e.target_interface, port_channel: e.port_channel, uplink: e.source_interface }));
      if (seq !== selectSeq) return;
      highlight(new Set(ports.map((p) => `${p.switch}:${p.port_channel || p.interface}`)), [node.id, node.host].filter(Boolean), null);
      children = vmPanel(vm, node, ports, go);
    } else if (node.kind === 'host') {
      const host = await api.get(`hosts/${enc(node.name)}?vcenter=${enc(node.vcenter)}`);
      if (seq !== selectSeq) return;
      const uplinks = state.model.uplinksByHost.get(node.id) || [];
      highlight(new Set(uplinks.map((e) => e.ifaceKeys[0]).filter(Boolean)), [node.id], null);
      children = [...hostPanel(host, node, state.expanded.has(node.id), () => toggle(node.id), go),
        ...driftSection(hostFindings(state.drift, node.name, uplinks.map((e) => e.id)), state.audit, go)];
    } else if (node.kind === 'switch') {
      const [sw, interfaces] = await Promise.all([api.get(`switches/${enc(node.name)}`), api.all(`switches/${enc(node.name)}/interfaces`)]);
      if (seq !== selectSeq) return;
      highlight(new Set(), [], null);
      children = [...switchPanel(node, sw, interfaces, go), ...driftSection(switchFindings(state.drift, node.name), state.audit, go)];
    } else {
      const hosts = [...state.model.nodes.values()].filter((n) => n.kind === 'host' && n.cluster === node.id).sort((a, b) => (a.name < b.name ? -1 : 1));
      highlight(new Set(), [], null);
      children = clusterPanel(node, hosts, go);
    }
    state.graph.select(drawnId(node.id), !quiet);
    showPanel(children);
  } catch (e) {
    if (seq !== selectSeq) return;
    if (e instanceof ApiError && e.status === 401) return signOut(e.message);
    showPanel([h('h2', null, 'Not available'), h('p', { class: 'error' }, e.message)]);
  }
}

function tapped(id) {
  if (!id) return deselect();
  const el = state.graph.cy.getElementById(id);
  select({ kind: el.isEdge() ? 'edge' : 'node', ref: id });
}

function toggle(hostId) {
  if (state.expanded.has(hostId)) state.expanded.delete(hostId);
  else state.expanded.add(hostId);
  redraw();
  if (state.selection?.kind === 'node' && state.selection.ref === hostId) select(state.selection, { quiet: true });
}

function doubleTapped(id) {
  if (state.model.nodes.get(id)?.kind === 'host') toggle(id);
}

// ---- search -------------------------------------------------------------------------------

const search = new Search(() => {
  const out = [];
  if (!state.model) return out;
  for (const n of state.model.nodes.values()) {
    const extra = n.kind === 'vm' ? state.model.nodes.get(n.host)?.name : n.kind === 'switch' ? n.tier : n.vcenter;
    out.push({ kind: n.kind, label: n.name, extra, target: n.id });
  }
  for (const v of state.vlans) out.push({ kind: 'vlan', key: String(v.id), label: `VLAN ${v.id}${v.name ? ` ${v.name}` : ''}`, target: String(v.id) });
  for (const m of state.macs) out.push({ kind: 'mac', label: m.label, extra: m.extra, target: m.target });
  return out;
}, (e) => select(e.kind === 'vlan' ? { kind: 'vlan', ref: e.target } : { kind: 'node', ref: e.target }));

document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && document.activeElement !== $('search') && state.selection) deselect();
});

// ---- the test and automation surface --------------------------------------------------------

window.vmfabricViewer = {
  state: () => ({ status: state.status, message: state.message, live: state.live, graphVersion: state.model?.version ?? null, updates: state.updates }),
  timings: () => ({ ...state.timings }),
  // Every node of the fabric the viewer knows (VMs included, drawn or collapsed).
  nodes: () => [...(state.model?.nodes.values() ?? [])].map((n) => ({ id: n.id, kind: n.kind, name: n.name, host: n.host ?? null, drawnAs: drawnId(n.id) })),
  drawn: () => state.graph?.cy.nodes().map((n) => n.id()) ?? [],
  position: (id) => {
    const el = state.graph?.cy.getElementById(drawnId(id));
    return el && !el.empty() ? { ...el.position() } : null;
  },
  selected: () => state.selection && { ...state.selection },
  highlighted: () => ({
    interfaces: [...state.highlight.interfaces].sort(),
    edges: state.graph?.cy.edges('.hl').map((e) => e.id()).sort() ?? [],
    nodes: state.graph?.cy.nodes('.hl').map((e) => e.id()).sort() ?? [],
  }),
  // What the last finished audit marks: the ids drawn with the `drift` class.
  drift: () => ({
    audit: state.audit?.id ?? null,
    running: state.auditRunning?.id ?? null,
    nodes: state.graph?.cy.nodes('.drift').map((e) => e.id()).sort() ?? [],
    edges: state.graph?.cy.edges('.drift').map((e) => e.id()).sort() ?? [],
  }),
  select: (kind, ref) => select({ kind, ref }),
  expand: (hostId) => { if (!state.expanded.has(hostId)) toggle(hostId); },
  collapse: (hostId) => { if (state.expanded.has(hostId)) toggle(hostId); },
};

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
else showLogin();
