// Reading schema/openapi.yaml for the checks of tests/js: its operations, and Ajv validators
// (JSON Schema 2020-12, as OpenAPI 3.1 uses it) for the schemas of its responses.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

export function loadSpec(file) {
  return parse(readFileSync(file, 'utf8'));
}

// Every operation: {method: 'GET', path: '/api/v1/vms/{name}', operation}.
export function operations(spec) {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) out.push({ method: method.toUpperCase(), path, operation: item[method] });
    }
  }
  return out;
}

// Follows a local `$ref` ("#/components/responses/NotFound") to what it names.
export function resolve(spec, node) {
  while (node && typeof node.$ref === 'string') {
    node = node.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((at, key) => at?.[key], spec);
  }
  return node;
}

const SCHEMAS_ID = 'vmfabric-openapi-schemas';

// The spec's references to its schemas, rewritten to point into the schema Ajv knows them by.
function rebase(node) {
  if (Array.isArray(node)) return node.map(rebase);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
        ? `${SCHEMAS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`
        : rebase(v);
  }
  return out;
}

// A function validating a body against a schema of the spec (with its references), returning
// Ajv's errors (empty when valid).
export function validator(spec) {
  // strictRequired off: a list's envelope (Page) requires the `items` each list declares, and a
  // credential's oneOf requires one of two properties declared beside it.
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    allErrors: true,
    allowUnionTypes: true,
    discriminator: true,  // one message for a node, edge or event of the wrong shape, not one per kind
  });
  addFormats(ajv);
  ajv.addKeyword('example');  // OpenAPI's, not JSON Schema's
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: rebase(spec.components?.schemas ?? {}) });
  const compiled = new Map();
  return (schema, body) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(rebase(schema));
      compiled.set(schema, validate);
    }
    return validate(body) ? [] : validate.errors;
  };
}
