// Compares the server's routes with schema/openapi.yaml, both ways, roles included:
//
//   node check-routes.mjs SPEC ROUTES
//
// ROUTES is a JSON array of {method, path, role} as the router registers them (role "public"
// for a route without a token). Every route must be an operation of the spec whose
// x-vmfabric-role is the route's role, and every operation of the spec a route.
import { readFileSync } from 'node:fs';
import { loadSpec, operations } from './openapi.mjs';

const [specFile, routesFile, ...rest] = process.argv.slice(2);
if (!specFile || !routesFile || rest.length !== 0) {
  console.log('usage: node check-routes.mjs SPEC ROUTES');
  process.exit(2);
}
const spec = new Map(operations(loadSpec(specFile)).map((o) => [`${o.method} ${o.path}`, o.operation]));
const routes = new Map(JSON.parse(readFileSync(routesFile, 'utf8')).map((r) => [`${r.method} ${r.path}`, r]));

const failures = [];
for (const [key, route] of routes) {
  const operation = spec.get(key);
  if (!operation) failures.push(`${key}: a route of the server, missing from the spec`);
  else if (operation['x-vmfabric-role'] !== route.role)
    failures.push(`${key}: the server needs role ${route.role}, the spec says ${operation['x-vmfabric-role']}`);
}
for (const key of spec.keys()) {
  if (!routes.has(key)) failures.push(`${key}: in the spec, not a route of the server`);
}

for (const f of failures) console.log(f);
console.log(`${routes.size} routes, ${spec.size} operations, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
