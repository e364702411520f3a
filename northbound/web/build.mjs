// Bundles the viewer into OUTDIR (default ./dist): index.html, app.js (one minified bundle,
// no external fetch), app.css, favicon.svg. Usage: node build.mjs [OUTDIR]
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
  legalComments: 'eof',
});
for (const f of ['index.html', 'app.css', 'favicon.svg']) await copyFile(join(here, f), join(out, f));
