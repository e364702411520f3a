// A stand-in for vmfabricd's API, contract-shaped, for the viewer's render benchmark and its
// browser tests: serves the built viewer, GET /api/v1/topology from `topology()`, a switch or host
// as its panel reads it (made up from the topology), the audits from `audits()` (newest first,
// each with its findings, or a promise of them; the default is none, null makes the routes 404
// as on an older vmfabricd), empty lists elsewhere, and an event stream that `emit(type, data)`
// writes to. Only on 127.0.0.1, on a free port.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const EMPTY_LIST = { items: [], total: 0, next_cursor: null };

export async function startStub({ webRoot, token, topology, audits = () => [] }) {
  const streams = new Set();
  let lastEventId = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    if (!path.startsWith('/api/')) {
      const file = path === '/' ? 'index.html' : path.slice(1);
      if (!/^[a-z0-9._-]+$/i.test(file) || file.startsWith('.')) return send(res, 404, 'text/plain', 'not found');
      try {
        return send(res, 200, TYPES[extname(file)] || 'application/octet-stream', await readFile(join(webRoot, file)));
      } catch {
        return send(res, 404, 'text/plain', 'not found');
      }
    }
    const given = (req.headers.authorization || '').replace(/^Bearer /, '') || url.searchParams.get('access_token');
    if (given !== token) return send(res, 401, 'application/problem+json', JSON.stringify({ status: 401, detail: 'the bearer token is not valid' }));
    if (path === '/api/v1/events/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': hello\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return undefined;
    }
    if (path === '/api/v1/topology') return send(res, 200, 'application/json', JSON.stringify(topology()));
    const audit = path.match(/^\/api\/v1\/audits(?:\/([^/]+))?$/);
    const auditList = audit && await audits();
    if (auditList) return sendAudits(res, auditList, audit[1], url.searchParams);
    const item = path.match(/^\/api\/v1\/(switches|hosts)\/([^/]+)(\/interfaces)?$/);
    if (item) {
      const found = item[3] ? EMPTY_LIST : (item[1] === 'switches' ? switchOf : hostOf)(topology(), decodeURIComponent(item[2]));
      if (found) return send(res, 200, 'application/json', JSON.stringify(found));
    }
    if (path === '/api/v1/vcenters') return send(res, 200, 'application/json', JSON.stringify({ items: [{ name: 'vc1', session: 'connected' }], total: 1, next_cursor: null }));
    if (['/api/v1/plan', '/api/v1/vlans', '/api/v1/vms', '/api/v1/hosts'].includes(path)) return send(res, 200, 'application/json', JSON.stringify(EMPTY_LIST));
    return send(res, 404, 'application/problem+json', JSON.stringify({ status: 404, detail: `no resource at ${path}` }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    emit: (type, data) => {
      lastEventId += 1;
      for (const s of streams) s.write(`id: ${lastEventId}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close: () => {
      for (const s of streams) s.end();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

const summary = ({ findings, ...rest }) => rest;

// GET /audits?limit=N&cursor=ID (the cursor: the last id of the previous page), /audits/{id}.
function sendAudits(res, list, id, params) {
  const json = (status, body) => send(res, status, status === 200 ? 'application/json' : 'application/problem+json', JSON.stringify(body));
  if (id !== undefined) {
    if (!/^\d+$/.test(id)) return json(400, { status: 400, detail: `id: expected an audit id, got "${id}"` });
    const found = list.find((a) => a.id === Number(id));
    return found ? json(200, found) : json(404, { status: 404, detail: `no audit ${id}` });
  }
  const limit = Number(params.get('limit') || 50);
  const after = params.get('cursor');
  const rest = after ? list.filter((a) => a.id < Number(after)) : list;
  const items = rest.slice(0, limit).map(summary);
  return json(200, { items, next_cursor: rest.length > limit ? String(items[items.length - 1].id) : null });
}

function switchOf(topology, name) {
  const n = topology.nodes.find((x) => x.kind === 'switch' && x.name === name);
  return n && { name, address: '127.0.0.1', model: 'stub', eos_version: '', reachability: n.reachability, last_error: null,
    mlag: n.mlag_peer ? { domain: n.mlag_domain, peer: n.mlag_peer, peer_link: 'Port-Channel1000' } : null };
}

function hostOf(topology, name) {
  const n = topology.nodes.find((x) => x.kind === 'host' && x.name === name);
  return n && { name, vcenter: n.vcenter, cluster: topology.nodes.find((c) => c.id === n.cluster)?.name ?? null,
    connection: n.connection, maintenance: false, esx_version: '8.0.2', esx_build: '0',
    uplinks: topology.edges.filter((e) => e.kind === 'uplink' && e.source === n.id).map((e) => ({
      pnic: e.source_interface, mac: '', located: true, switch: e.target.slice('switch:'.length), interface: e.target_interface,
      attachment: e.port_channel || e.target_interface, learned_by: e.learned })),
    vm_list: topology.nodes.filter((v) => v.kind === 'vm' && v.host === n.id).map((v) => ({ name: v.name, state: v.state })) };
}
