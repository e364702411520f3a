// The web viewer in headless Chromium against a running vmfabricd (viewer_test.cpp starts the
// lab and drives the vCenter simulator): run by the test, one line per step on stdout.
//
//   node viewer_e2e.mjs '{"url": ..., "token": ..., "package_dir": ..., "screenshots": ...,
//                         "vm": "web-1", "vlan": 120}'
//
// Steps: a wrong token shows the 401 message; the page loads without console errors; the nodes
// match GET /api/v1/topology; selecting the VLAN from the search box (keyboard) highlights
// exactly the interfaces GET /api/v1/vlans/{id} lists, and the links on them; then it prints
// "migrate VM", the test migrates the VM, and the page must show it on its new host without a
// reload ("moved MS" once it does). Ends with "PASS", or "FAIL reason" and exit 1.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const config = JSON.parse(process.argv[2]);
const { chromium } = createRequire(join(config.package_dir, 'package.json'))('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(config.screenshots, { recursive: true });

class Failure extends Error {}
const check = (ok, what) => {
  if (!ok) throw new Failure(what);
};
const sameSet = (a, b) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

async function api(path) {
  const r = await fetch(new URL(`api/v1/${path}`, config.url), { headers: { Authorization: `Bearer ${config.token}` } });
  check(r.ok, `GET /api/v1/${path}: ${r.status}`);
  return r.json();
}

async function login(page, token) {
  await page.goto(config.url);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
}

// --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root).
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
let code = 0;
try {
  // A wrong token: the login form says so, in words.
  {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await login(page, 'vmf_0000000000000000_' + '0'.repeat(64));
    await page.waitForSelector('#login-error:not([hidden])', { timeout: 10000 });
    const text = await page.textContent('#login-error');
    check(text.includes('the token was refused (401)'), `wrong token message: "${text}"`);
    check(await page.evaluate(() => sessionStorage.getItem('vmfabric.token')) === null, 'a refused token stays in sessionStorage');
    await page.screenshot({ path: join(config.screenshots, 'wrong-token.png') });
    await context.close();
    console.log('step wrong-token ok');
  }

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, config.token);
  await page.waitForFunction(() => window.vmfabricViewer?.state().status === 'ready', null, { timeout: 20000 }).catch(async () => {
    const { status, message } = await page.evaluate(() => window.vmfabricViewer?.state() ?? {});
    throw new Failure(`the viewer is not ready after 20 s: ${status}: ${message}; console errors: ${JSON.stringify(errors)}`);
  });
  await page.waitForFunction(() => window.vmfabricViewer.state().live === 'connected', null, { timeout: 10000 });
  await page.screenshot({ path: join(config.screenshots, 'loaded.png') });
  console.log('step loaded ok');

  // The nodes: the API's, every switch, host and cluster drawn, each VM drawn as its host.
  const topology = await api('topology');
  // (The graph's version moves with every switch poll; its nodes do not.)
  const ids = topology.nodes.map((n) => n.id).sort();
  await page.waitForFunction((want) => JSON.stringify(window.vmfabricViewer.nodes().map((n) => n.id).sort()) === JSON.stringify(want), ids, { timeout: 5000 })
    .catch(() => {});
  const shown = await page.evaluate(() => window.vmfabricViewer.nodes());
  const drawn = new Set(await page.evaluate(() => window.vmfabricViewer.drawn()));
  check(sameSet(shown.map((n) => n.id), topology.nodes.map((n) => n.id)),
    `nodes: page ${JSON.stringify(shown.map((n) => n.id))} vs API ${JSON.stringify(topology.nodes.map((n) => n.id))}`);
  for (const n of topology.nodes) {
    const want = n.kind === 'vm' && n.host ? n.host : n.id;
    check(drawn.has(want), `${n.id} is not drawn (expected as ${want})`);
    check(shown.find((s) => s.id === n.id).drawnAs === want, `${n.id} drawn as ${shown.find((s) => s.id === n.id).drawnAs}`);
  }
  check(topology.nodes.some((n) => n.kind === 'switch') && topology.nodes.some((n) => n.kind === 'vm'), 'the lab topology is empty');
  console.log(`step nodes ok (${topology.nodes.length} nodes)`);

  // The VM's host shows its VMs from here on (the vMotion below moves a drawn VM).
  const vmNode = topology.nodes.find((n) => n.kind === 'vm' && n.name === config.vm);
  check(vmNode?.host, `no VM ${config.vm} on a host in /topology`);
  await page.evaluate((id) => window.vmfabricViewer.expand(id), vmNode.host);
  check((await page.evaluate(() => window.vmfabricViewer.drawn())).includes(vmNode.id), `${vmNode.id} not drawn after expanding its host`);

  // The VLAN, chosen with the keyboard: "/" focuses the search box, Enter takes the first match.
  await page.keyboard.press('/');
  await page.keyboard.type(String(config.vlan));
  await page.waitForSelector('#results li');
  await page.keyboard.press('Enter');
  await page.waitForFunction((v) => window.vmfabricViewer.selected()?.kind === 'vlan' && window.vmfabricViewer.highlighted().interfaces.length > 0
    && window.vmfabricViewer.selected().ref === String(v), config.vlan, { timeout: 5000 });
  const vlan = await api(`vlans/${config.vlan}`);
  const listed = vlan.switches.flatMap((s) => s.interfaces.map((i) => `${s.name}:${i.name}`));
  const hl = await page.evaluate(() => window.vmfabricViewer.highlighted());
  check(sameSet(hl.interfaces, listed), `VLAN ${config.vlan}: highlighted ${JSON.stringify(hl.interfaces)} vs API ${JSON.stringify(listed)}`);
  // The links drawn on those interfaces, worked out here from /topology.
  const key = (node, iface) => node.startsWith('switch:') && iface ? [`${node.slice(7)}:${iface}`] : [];
  const onVlan = topology.edges.filter((e) => [...key(e.source, e.source_interface), ...key(e.target, e.target_interface),
    ...key(e.target, e.port_channel)].some((k) => listed.includes(k))).map((e) => e.id);
  check(onVlan.length > 0, `no link of /topology carries VLAN ${config.vlan}`);
  check(sameSet(hl.edges, onVlan), `VLAN ${config.vlan}: highlighted links ${JSON.stringify(hl.edges)} vs ${JSON.stringify(onVlan)}`);
  const panel = await page.textContent('#panel');
  check(panel.includes(`VLAN ${config.vlan}`) && vlan.vms.every((n) => panel.includes(n)), 'the side panel does not show the VLAN and its VMs');
  await page.screenshot({ path: join(config.screenshots, 'vlan.png') });
  console.log(`step vlan ok (${listed.length} interfaces, ${onVlan.length} links)`);

  // The vMotion: the drawn VM moves to its new host in place.
  await page.evaluate(() => { window.__notReloaded = true; });
  const before = await page.evaluate((id) => window.vmfabricViewer.position(id), vmNode.id);
  console.log(`migrate ${config.vm}`);
  const started = Date.now();
  await page.waitForFunction(([id, from]) => {
    const n = window.vmfabricViewer.nodes().find((x) => x.id === id);
    return n && n.host && n.host !== from;
  }, [vmNode.id, vmNode.host], { timeout: 60000, polling: 20 });
  console.log(`moved ${Date.now() - started}`);
  check(await page.evaluate(() => window.__notReloaded === true), 'the page was reloaded');
  const after = await page.evaluate((id) => window.vmfabricViewer.position(id), vmNode.id);
  const now = await page.evaluate((id) => window.vmfabricViewer.nodes().find((x) => x.id === id), vmNode.id);
  const hostPos = await page.evaluate((id) => window.vmfabricViewer.position(id), now.host);
  check(after && (after.x !== before.x || after.y !== before.y), `the VM did not move on the page: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  check(Math.abs(after.x - hostPos.x) < 200 && after.y >= hostPos.y, `the VM is not drawn with its new host: ${JSON.stringify(after)} vs host ${JSON.stringify(hostPos)}`);
  await page.screenshot({ path: join(config.screenshots, 'migrated.png') });

  check(errors.length === 0, `console errors: ${JSON.stringify(errors)}`);
  console.log('step console ok');
  await context.close();
  console.log('PASS');
} catch (e) {
  console.log(`FAIL ${e instanceof Failure ? e.message : e.stack}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
