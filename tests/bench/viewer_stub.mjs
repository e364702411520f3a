// A stand-in for vmfabricd's API, contract-shaped, for the viewer's render benchmark: serves the
// built viewer and GET /api/v1/topology from `topology()`, empty lists elsewhere, an idle event
// stream. Only on 127.0.0.1, on a free port.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const EMPTY_LIST = { items: [], total: 0, next_cursor: null };

export async function startStub({ webRoot, token, topology }) {
  const streams = new Set();
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
    if (path === '/api/v1/vcenters') return send(res, 200, 'application/json', JSON.stringify({ items: [{ name: 'vc1', session: 'connected' }], total: 1, next_cursor: null }));
    if (['/api/v1/plan', '/api/v1/vlans', '/api/v1/vms', '/api/v1/hosts'].includes(path)) return send(res, 200, 'application/json', JSON.stringify(EMPTY_LIST));
    return send(res, 404, 'application/problem+json', JSON.stringify({ status: 404, detail: `no resource at ${path}` }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
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
