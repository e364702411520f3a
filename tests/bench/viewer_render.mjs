// Render time of the web viewer on a 5,000-node fabric in headless Chromium: a stub API in
// this process serves a synthetic /api/v1/topology (contract-shaped) and the built viewer; the
// time is from navigation start to the viewer's first interactive frame (graph drawn, main
// thread free: window.vmfabricViewer.timings().interactive). Target: under 2 s.
//
// node tests/bench/viewer_render.mjs WEB_PACKAGE_DIR WEB_ROOT [NODES] [RUNS]
//   WEB_PACKAGE_DIR: the npm-installed copy of northbound/web (has node_modules/playwright-core)
//   WEB_ROOT: the built viewer (index.html, app.js, app.css)
// Exits 1 when the median misses the target.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStub } from './viewer_stub.mjs';

const [packageDir, webRoot, nodesArg, runsArg] = process.argv.slice(2);
if (!packageDir || !webRoot) {
  console.error('usage: node viewer_render.mjs WEB_PACKAGE_DIR WEB_ROOT [NODES] [RUNS]');
  process.exit(2);
}
const TARGET_MS = 2000;
const total = Number(nodesArg || 5000);
const runs = Number(runsArg || 3);

// 4 spines, 20 MLAG pairs of leaves, clusters of 20 hosts on one pair each, the rest VMs.
function fabric(nodeCount) {
  const nodes = [];
  const edges = [];
  const spines = 4;
  const pairs = 20;
  for (let s = 1; s <= spines; s++) {
    nodes.push({ id: `switch:spine${s}`, kind: 'switch', name: `spine${s}`, tier: 'spine', reachability: 'reachable', mlag_domain: null, mlag_peer: null, pending_changes: 0 });
  }
  for (let p = 1; p <= pairs; p++) {
    for (const side of ['a', 'b']) {
      const name = `leaf${p}${side}`;
      nodes.push({ id: `switch:${name}`, kind: 'switch', name, tier: 'leaf', reachability: 'reachable', mlag_domain: `pod${p}`, mlag_peer: `leaf${p}${side === 'a' ? 'b' : 'a'}`, pending_changes: 0 });
      for (let s = 1; s <= spines; s++) {
        edges.push({ id: `link:${name}:Ethernet${48 + s}|spine${s}:Ethernet${p * 2 - (side === 'a' ? 1 : 0)}`, kind: 'fabric', source: `switch:${name}`, source_interface: `Ethernet${48 + s}`, target: `switch:spine${s}`, target_interface: `Ethernet${p * 2 - (side === 'a' ? 1 : 0)}` });
      }
    }
    edges.push({ id: `mlag:pod${p}`, kind: 'mlag-peer', source: `switch:leaf${p}a`, target: `switch:leaf${p}b`, source_interface: 'Port-Channel1000', target_interface: 'Port-Channel1000' });
  }
  const hostsPerCluster = 20;
  const clusters = 10;
  for (let c = 1; c <= clusters; c++) nodes.push({ id: `cluster:vc1/domain-c${c}`, kind: 'cluster', name: `cluster-${c}`, vcenter: 'vc1' });
  const hosts = [];
  for (let c = 1; c <= clusters; c++) {
    for (let i = 1; i <= hostsPerCluster; i++) {
      const n = (c - 1) * hostsPerCluster + i;
      const id = `host:vc1/host-${n}`;
      hosts.push(id);
      nodes.push({ id, kind: 'host', name: `esx-${c}-${i}`, vcenter: 'vc1', cluster: `cluster:vc1/domain-c${c}`, connection: 'connected' });
      const pair = ((c - 1) * 2 + Math.floor((i - 1) / 10)) % pairs + 1;
      for (const [nic, side] of [['vmnic0', 'a'], ['vmnic1', 'b']]) {
        edges.push({ id: `uplink:vc1/host-${n}:${nic}`, kind: 'uplink', source: id, source_interface: nic, target: `switch:leaf${pair}${side}`, target_interface: `Ethernet${i}`, port_channel: `Port-Channel${i}`, learned: 'lldp' });
      }
    }
  }
  for (let v = 0; nodes.length < nodeCount; v++) {
    nodes.push({ id: `vm:vc1/vm-${v}`, kind: 'vm', name: `vm-${String(v).padStart(5, '0')}`, vcenter: 'vc1', host: hosts[v % hosts.length], state: v % 17 ? 'running' : 'powered-off', vlans: [100 + (v % 50)] });
  }
  return { graph_version: 1, nodes, edges };
}

// CPU seconds (user + system) used so far by the descendants of process `pid` (not by it): here
// Chromium's browser, GPU and renderer processes. Unlike wall time, this does not grow when the machine is
// busy with something else.
function cpuSeconds(pid) {
  const children = new Map();
  const stat = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const parent = Number(fields[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
      stat.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended meanwhile.
    }
  }
  let total = 0;
  const unvisited = [...(children.get(pid) || [])];
  while (unvisited.length) {
    const p = unvisited.pop();
    total += stat.get(p) || 0;
    unvisited.push(...(children.get(p) || []));
  }
  return total;
}

const require = createRequire(join(packageDir, 'package.json'));
const { chromium } = require('playwright-core');
const topology = fabric(total);
const token = 'bench-token';
const stub = await startStub({ webRoot, token, topology: () => topology });
// --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root).
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const times = [];
const cpuTimes = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem('vmfabric.token', t), token);
    const page = await context.newPage();
    page.on('console', (m) => console.log(`  console ${m.type()}: ${m.text()}`));
    const cpuBefore = cpuSeconds(process.pid);
    await page.goto(stub.url);
    await page.waitForFunction(() => window.vmfabricViewer?.timings().interactive, null, { timeout: 60000 });
    const t = await page.evaluate(() => window.vmfabricViewer.timings());
    const ms = t.interactive;
    const drawn = await page.evaluate(() => window.vmfabricViewer.drawn().length);
    const cpu = (cpuSeconds(process.pid) - cpuBefore) * 1000;
    times.push(ms);
    cpuTimes.push(cpu);
    console.log(`run ${i + 1}: first interactive frame ${ms.toFixed(0)} ms (${topology.nodes.length} nodes, ${topology.edges.length} edges, ${drawn} drawn with VMs collapsed; Chromium CPU ${cpu.toFixed(0)} ms; script start ${t.start.toFixed(0)}, API answered ${t.loaded.toFixed(0)}, laid out ${t.drawn.toFixed(0)})`);
    if (i === 0 && process.env.VIEWER_BENCH_SCREENSHOT) await page.screenshot({ path: process.env.VIEWER_BENCH_SCREENSHOT });
    await context.close();
  }
} finally {
  await browser.close();
  await stub.close();
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
console.log(`viewer_render: ${topology.nodes.length} nodes: median ${median(times).toFixed(0)} ms to the first interactive frame ` +
  `(target < ${TARGET_MS} ms); Chromium used ${median(cpuTimes).toFixed(0)} ms of CPU for it (all its processes)`);
process.exit(median(times) < TARGET_MS ? 0 : 1);
