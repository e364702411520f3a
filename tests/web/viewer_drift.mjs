// The viewer's drift marks, in headless Chromium against the stub API (tests/bench/viewer_stub.mjs):
// a small fabric and audits with findings of every kind. Checks that the first frame does not
// wait for the audits; that exactly the expected switches, hosts and links carry the `drift`
// class; the header chip (#audit-status) and the panels' Drift section (#drift, li.finding);
// that an `audit` event on the stream shows a running audit and, once done, its marks; and the
// empty state (no audit; no /audits route). Prints one line per step, then PASS (exit 0) or
// FAIL reason (exit 1).
//
//   node viewer_drift.mjs WEB_PACKAGE_DIR WEB_ROOT [SCREENSHOT_DIR]
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startStub } from '../bench/viewer_stub.mjs';

const [packageDir, webRoot, screenshots] = process.argv.slice(2);
if (!packageDir || !webRoot) {
  console.error('usage: node viewer_drift.mjs WEB_PACKAGE_DIR WEB_ROOT [SCREENSHOT_DIR]');
  process.exit(2);
}
const { chromium } = createRequire(join(packageDir, 'package.json'))('playwright-core');
if (screenshots) mkdirSync(screenshots, { recursive: true });

class Failure extends Error {}
const check = (ok, what) => {
  if (!ok) throw new Failure(what);
};
// Waits for `fn(arg)` to hold in the page; else fails saying `what` did not happen.
const until = (page, what, fn, arg, timeout = 5000) => page.waitForFunction(fn, arg, { timeout }).catch(() => {
  throw new Failure(`${what} (not within ${timeout} ms)`);
});
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// spine1 over the MLAG pair leaf1a/leaf1b (esx-a1 on Port-Channel11 of both, esx-a2 and esx-b1
// on plain ports) and leaf2a, unreachable.
function fabric() {
  const sw = (name, tier, reachability, peer) => ({ id: `switch:${name}`, kind: 'switch', name, tier, reachability,
    mlag_domain: peer ? 'pod1' : null, mlag_peer: peer, pending_changes: 0 });
  const host = (n, name, cluster) => ({ id: `host:vc1/host-${n}`, kind: 'host', name, vcenter: 'vc1',
    cluster: `cluster:vc1/domain-c${cluster}`, connection: 'connected' });
  const uplink = (n, nic, leaf, port, pc) => ({ id: `uplink:vc1/host-${n}:${nic}`, kind: 'uplink', source: `host:vc1/host-${n}`,
    source_interface: nic, target: `switch:${leaf}`, target_interface: port, port_channel: pc, learned: 'lldp' });
  const link = (leaf, port, spinePort) => ({ id: `link:${leaf}:${port}|spine1:${spinePort}`, kind: 'fabric', source: `switch:${leaf}`,
    source_interface: port, target: 'switch:spine1', target_interface: spinePort });
  return {
    graph_version: 1,
    nodes: [
      sw('spine1', 'spine', 'reachable', null), sw('leaf1a', 'leaf', 'reachable', 'leaf1b'), sw('leaf1b', 'leaf', 'reachable', 'leaf1a'),
      sw('leaf2a', 'other', 'unreachable', null),
      { id: 'cluster:vc1/domain-c1', kind: 'cluster', name: 'cluster-a', vcenter: 'vc1' },
      { id: 'cluster:vc1/domain-c2', kind: 'cluster', name: 'cluster-b', vcenter: 'vc1' },
      host(1, 'esx-a1', 1), host(2, 'esx-a2', 1), host(3, 'esx-b1', 2),
      { id: 'vm:vc1/vm-1', kind: 'vm', name: 'web-1', vcenter: 'vc1', host: 'host:vc1/host-1', state: 'running', vlans: [120] },
      { id: 'vm:vc1/vm-2', kind: 'vm', name: 'app-1', vcenter: 'vc1', host: 'host:vc1/host-2', state: 'running', vlans: [130] },
    ],
    edges: [
      link('leaf1a', 'Ethernet49', 'Ethernet1'), link('leaf1b', 'Ethernet49', 'Ethernet2'),
      { id: 'mlag:pod1', kind: 'mlag-peer', source: 'switch:leaf1a', target: 'switch:leaf1b',
        source_interface: 'Port-Channel1000', target_interface: 'Port-Channel1000' },
      uplink(1, 'vmnic0', 'leaf1a', 'Ethernet11', 'Port-Channel11'), uplink(1, 'vmnic1', 'leaf1b', 'Ethernet11', 'Port-Channel11'),
      uplink(2, 'vmnic0', 'leaf1a', 'Ethernet12', null), uplink(2, 'vmnic1', 'leaf1b', 'Ethernet12', null),
      uplink(3, 'vmnic0', 'leaf1a', 'Ethernet13', null),
    ],
  };
}

const finding = (kind, where, more = {}) => ({ kind, switch: null, interface: null, host: null, uplink: null, vlans: '', why: [],
  undone: '', last_change: null, detail: `${kind} detail`, ...where, ...more });
function audit(id, status, findings) {
  const counts = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] || 0) + 1;
  return { id, started: '2026-11-26T02:00:00.000Z', finished: status === 'running' ? null : '2026-11-26T02:00:05.000Z',
    trigger: 'api', actor: 'ops', remediate: 'none', status, error: null, switches: 4, unreadable: 1,
    finding_count: findings.length, counts, repairs: [], findings };
}
const summary = ({ findings, ...rest }) => rest;

const audit7 = audit(7, 'done', [
  finding('vlan-missing', { switch: 'leaf1a', interface: 'Port-Channel11' }, { vlans: '120',
    why: ['VM web-1 on esx-a1 via pg-web (VLAN 120)'], undone: '120',
    last_change: { added: true, at: '2026-11-26T01:00:00.000Z', session: 'vmfabric-41' } }),
  finding('vlan-unneeded', { switch: 'spine1', interface: 'Ethernet1' }, { vlans: '300' }),
  finding('vlan-not-in-database', { switch: 'leaf1b' }, { vlans: '130' }),
  finding('switch-unreachable', { switch: 'leaf2a' }),
  finding('uplink-unlocated', { host: 'esx-b1', uplink: 'vmnic3' }),
  finding('uplink-bundle-mismatch', { switch: 'leaf1b', interface: 'Ethernet12', host: 'esx-a2', uplink: 'vmnic1' }),
  finding('cluster-gap', { host: 'esx-a2' }, { why: ['VM app-1 would be cut off on esx-b1'] }),
]);
const marks7 = {
  nodes: ['switch:leaf1a', 'switch:spine1', 'switch:leaf1b', 'switch:leaf2a', 'host:vc1/host-2', 'host:vc1/host-3'],
  edges: ['uplink:vc1/host-1:vmnic0', 'link:leaf1a:Ethernet49|spine1:Ethernet1', 'uplink:vc1/host-2:vmnic1'],
};
const audit8 = audit(8, 'done', [finding('vlan-unneeded', { switch: 'leaf1b', interface: 'Ethernet11' }, { vlans: '200' })]);
const marks8 = { nodes: ['switch:leaf1b'], edges: ['uplink:vc1/host-1:vmnic1'] };

const token = 'drift-test-token';
const topology = fabric();
let audits = [audit7];
let gate = null; // while set, the audit routes wait for it
const stub = await startStub({ webRoot, token, topology: () => topology, audits: () => (gate ? gate.then(() => audits) : audits) });
// --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root).
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

async function open(errors) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem('vmfabric.token', t), token);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors?.push(m.text()); });
  page.on('pageerror', (e) => errors?.push(e.message));
  await page.goto(stub.url);
  await until(page, 'the viewer did not get ready', () => window.vmfabricViewer?.state().status === 'ready', null, 20000);
  return { context, page };
}
const drift = (page) => page.evaluate(() => window.vmfabricViewer.drift());
const chip = (page) => page.textContent('#audit-status');
// The kinds the open panel's Drift section lists, in order.
const listed = (page) => page.$$eval('#panel #drift li.finding', (items) => items.map((i) => i.dataset.kind));
async function panelOf(page, id) {
  const name = topology.nodes.find((n) => n.id === id).name;
  await page.evaluate((ref) => window.vmfabricViewer.select('node', ref), id);
  await until(page, `${id}'s panel has no Drift section`, (want) => document.querySelector('#panel h2')?.textContent === want
    && document.querySelector('#panel #drift'), name);
  return listed(page);
}
const shot = (page, name) => (screenshots ? page.screenshot({ path: join(screenshots, name) }) : null);

let code = 0;
try {
  const errors = [];
  let release;
  gate = new Promise((resolve) => { release = resolve; });
  const { context, page } = await open(errors);
  // The fabric is drawn while the audits are still on their way.
  check((await page.evaluate(() => window.vmfabricViewer.drawn())).includes('switch:leaf1a'), 'the fabric is not drawn');
  check((await drift(page)).audit === null && !(await page.$('#audit-status')), 'the first frame waited for the audits');
  gate = null;
  release();
  await until(page, 'audit 7 is not shown', () => window.vmfabricViewer.drift().audit === 7);
  console.log('step first-frame-first ok');

  let marks = await drift(page);
  check(same(marks.nodes, marks7.nodes), `audit 7: nodes marked ${JSON.stringify(marks.nodes)}, expected ${JSON.stringify(marks7.nodes)}`);
  check(same(marks.edges, marks7.edges), `audit 7: links marked ${JSON.stringify(marks.edges)}, expected ${JSON.stringify(marks7.edges)}`);
  const head = await chip(page);
  check(head.startsWith('Last audit #7: 7 findings, '), `header chip: "${head}"`);
  check(await page.$eval('#audit-status', (e) => e.classList.contains('drift')), 'the header chip is not marked as drift');
  check((await page.textContent('footer.legend')).includes('drift'), 'no drift entry in the legend');
  console.log('step marks ok');

  let kinds = await panelOf(page, 'switch:leaf1a');
  check(same(kinds, ['vlan-missing']), `leaf1a's Drift section: ${JSON.stringify(kinds)}`);
  const text = await page.textContent('#panel #drift');
  for (const want of ['Port-Channel11', '120', 'vlan-missing detail', 'VM web-1 on esx-a1 via pg-web (VLAN 120)', 'changed outside vmfabric', 'found by audit #7']) {
    check(text.includes(want), `leaf1a's Drift section lacks "${want}": ${text}`);
  }
  await shot(page, 'drift-switch.png');
  kinds = await panelOf(page, 'host:vc1/host-2');
  check(same(kinds, ['uplink-bundle-mismatch', 'cluster-gap']), `esx-a2's Drift section: ${JSON.stringify(kinds)}`);
  // esx-a1 has no finding of its own; the port its vmnic0 lands on has one.
  kinds = await panelOf(page, 'host:vc1/host-1');
  check(same(kinds, ['vlan-missing']), `esx-a1's Drift section: ${JSON.stringify(kinds)}`);
  kinds = await panelOf(page, 'switch:spine1');
  check(same(kinds, ['vlan-unneeded']), `spine1's Drift section: ${JSON.stringify(kinds)}`);
  await page.click('#audit-status');
  await until(page, 'the header chip does not open audit 7', () => window.vmfabricViewer.selected()?.kind === 'audit'
    && document.querySelector('#panel h2')?.textContent === 'Audit #7');
  kinds = await listed(page);
  check(same(kinds, audit7.findings.map((f) => f.kind)), `the audit panel lists ${JSON.stringify(kinds)}`);
  console.log('step panels ok');

  // An audit starts: shown as running; the marks stay those of the last finished one.
  await until(page, 'the event stream did not connect', () => window.vmfabricViewer.state().live === 'connected', null, 10000);
  audits = [audit(8, 'running', []), audit7];
  stub.emit('audit', summary(audits[0]));
  await until(page, 'the running audit #8 is not shown after its event', () => document.querySelector('#audit-status')?.textContent.includes('audit #8 running'));
  marks = await drift(page);
  check(marks.audit === 7 && same(marks.nodes, marks7.nodes), `while #8 runs: ${JSON.stringify(marks)}`);
  // It ends: its findings replace the marks, and the open audit panel follows.
  audits = [audit8, audit7];
  stub.emit('audit', summary(audit8));
  await until(page, 'audit 8 is not shown after its event', () => window.vmfabricViewer.drift().audit === 8);
  marks = await drift(page);
  check(same(marks.nodes, marks8.nodes) && same(marks.edges, marks8.edges), `audit 8: marked ${JSON.stringify(marks)}, expected ${JSON.stringify(marks8)}`);
  check((await chip(page)).startsWith('Last audit #8: 1 finding, '), `header chip after #8: "${await chip(page)}"`);
  await until(page, 'the open audit panel did not follow to audit 8', () => document.querySelector('#panel h2')?.textContent === 'Audit #8');
  await shot(page, 'drift-audit8.png');
  console.log('step audit-event ok');
  check(errors.length === 0, `console errors: ${JSON.stringify(errors)}`);
  await context.close();

  // The empty states: no audit yet, and a vmfabricd without the audit routes (404).
  for (const [name, list] of [['empty', []], ['no-route', null]]) {
    audits = list;
    const empty = await open(null);
    await until(empty.page, `${name}: no header chip`, () => document.querySelector('#audit-status'));
    const shown = await chip(empty.page);
    marks = await drift(empty.page);
    check(shown === 'No audit yet', `${name}: header chip "${shown}"`);
    check(marks.audit === null && marks.nodes.length === 0 && marks.edges.length === 0, `${name}: marked ${JSON.stringify(marks)}`);
    check((await empty.page.evaluate(() => window.vmfabricViewer.state().status)) === 'ready', `${name}: the viewer is not ready`);
    await empty.context.close();
  }
  console.log('step empty ok');
  console.log('PASS');
} catch (e) {
  console.log(`FAIL ${e instanceof Failure ? e.message : e.stack}`);
  code = 1;
} finally {
  await browser.close();
  await stub.close();
}
process.exit(code);
