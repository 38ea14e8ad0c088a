#!/usr/bin/env node
// Compiles src/ to dist/ (`npm run build`; `npm ci` runs it through `prepare`), so that `facility`
// starts from JavaScript instead of compiling TypeScript at every start. Type checking is
// `npm run typecheck`'s job; this only emits. Plain JavaScript: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
// The stamp carries the time the build read src/: an edit made while it ran is newer, so
// bin/facility.js does not take dist/ for current.
const started = new Date();

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error(
    'facility-monitor: building needs TypeScript, a dev dependency. Install with `npm ci`, then ' +
      '`npm prune --omit=dev` for a production install (docs/deploy.md).',
  );
  process.exit(1);
}

// A clean build: a module deleted from src/ must not live on in dist/.
rmSync(dist, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck'], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);

// What modules read beside themselves at run time (the records migrations).
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (!entry.name.endsWith('.ts')) {
      const target = join(dist, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
copyAssets(src);

// A migrated, empty embedded store (dist/seed/records): a first start copies it instead of running
// PGlite's initdb and every migration (src/records/pglite.ts), about 2 s saved.
const seed = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const { openRecords } = await import(${JSON.stringify(new URL('../dist/records/index.js', import.meta.url).href)});
     const { default: pino } = await import('pino');
     const records = await openRecords({ dataDir: ${JSON.stringify(join(dist, 'seed'))}, seed: false, log: pino({ level: 'silent' }) });
     await records.close();`,
  ],
  { stdio: 'inherit', cwd: root },
);
if (seed.status !== 0) {
  console.error('facility-monitor: building the embedded store seed failed (see above)');
  process.exit(seed.status ?? 1);
}

const stamp = join(dist, '.build-stamp');
writeFileSync(stamp, `built from src/ as of ${started.toISOString()}\n`);
utimesSync(stamp, started, started);
