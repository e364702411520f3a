// Validates recorded API responses against schema/openapi.yaml:
//
//   node validate-responses.mjs SPEC RECORDS [--pending PATH,PATH...]
//
// RECORDS is a JSON array of {method, path, status, content_type, body}: `path` is the spec's
// path template the request was made on ("/api/v1/vms/{name}"), `body` the response text. Each
// must be an operation of the spec with that status documented, answered with one of the media
// types documented for it, its JSON body valid against that schema. Every GET of the spec must
// have been answered 2xx at least once, except the paths given to --pending (not built yet);
// a pending path that was exercised is an error too, so that the list only shrinks. Prints each
// failure (method, path, status, JSON pointer, message) and exits 1 when there is any.
import { readFileSync } from 'node:fs';
import { loadSpec, operations, resolve, validator } from './openapi.mjs';

const [specFile, recordsFile, ...rest] = process.argv.slice(2);
if (!specFile || !recordsFile || (rest.length !== 0 && (rest.length !== 2 || rest[0] !== '--pending'))) {
  console.log('usage: node validate-responses.mjs SPEC RECORDS [--pending PATH,PATH...]');
  process.exit(2);
}
const pending = new Set(rest.length ? rest[1].split(',').filter(Boolean) : []);
const spec = loadSpec(specFile);
const records = JSON.parse(readFileSync(recordsFile, 'utf8'));
const validate = validator(spec);

const failures = [];
const fail = (r, where, message) =>
  failures.push(`${r.method} ${r.path} ${r.status}: ${where}: ${message}`);
const isJson = (type) => type === 'application/json' || type.endsWith('+json');

for (const r of records) {
  const operation = spec.paths?.[r.path]?.[r.method.toLowerCase()];
  if (!operation) {
    fail(r, '(operation)', 'not in the spec');
    continue;
  }
  const response = resolve(spec, operation.responses?.[String(r.status)]);
  if (!response) {
    fail(r, '(status)', `not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`);
    continue;
  }
  const type = (r.content_type ?? '').split(';')[0].trim().toLowerCase();
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (r.body !== '') fail(r, '(body)', 'the spec documents no body');
    continue;
  }
  if (!content[type]) {
    fail(r, '(content-type)', `"${r.content_type}" is not documented (documented: ${Object.keys(content).join(', ')})`);
    continue;
  }
  let body = r.body;
  if (isJson(type)) {
    try {
      body = JSON.parse(r.body);
    } catch (e) {
      fail(r, '(body)', `not JSON: ${e.message}`);
      continue;
    }
  }
  for (const e of validate(content[type].schema ?? {}, body)) {
    const extra = e.params?.additionalProperty ?? e.params?.unevaluatedProperty;
    fail(r, e.instancePath || '/', `${e.message}${extra ? ` "${extra}"` : ''} (schema ${e.schemaPath})`);
  }
}

const answered = new Set(
  records.filter((r) => r.method === 'GET' && r.status >= 200 && r.status < 300).map((r) => r.path),
);
for (const { method, path } of operations(spec)) {
  if (method !== 'GET') continue;
  if (pending.has(path) && answered.has(path)) {
    failures.push(`GET ${path}: exercised, but listed as pending: remove it from the pending list`);
  } else if (!pending.has(path) && !answered.has(path)) {
    failures.push(`GET ${path}: never answered 2xx: exercise it (or list it as pending while it is not built)`);
  }
}
for (const path of pending) {
  if (!spec.paths?.[path]?.get) failures.push(`GET ${path}: listed as pending but not a GET of the spec`);
}

for (const f of failures) console.log(f);
console.log(`${records.length} responses checked, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
