#!/usr/bin/env node
// The `facility` command. It runs the JavaScript compiled into dist/ (`npm run build`, which
// `npm ci` runs), which starts in a fraction of the time TypeScript compiled at run time takes.
// In a checkout whose src/ changed since the last build, it runs the TypeScript itself through
// tsx (a dev dependency) instead, so that an edit is never silently ignored.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Everything the platform writes (records, secrets, spool) is its own: files 0600, directories 0700.
process.umask(0o077);

const root = fileURLToPath(new URL('../', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');
const src = join(root, 'src');

/** The newest modification under `dir` (a few hundred stat calls: about a millisecond). */
function newest(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function builtIsCurrent() {
  if (!existsSync(stamp)) return false;
  // An image or a package may carry dist/ without src/.
  return !existsSync(src) || newest(src) <= statSync(stamp).mtimeMs;
}

let entry;
if (builtIsCurrent()) entry = join(root, 'dist', 'cli.js');
else {
  try {
    (await import('tsx/esm/api')).register();
  } catch {
    process.stderr.write(
      'facility: dist/ is missing or older than src/, and tsx (a dev dependency) is not installed: run `npm run build` after `npm ci`\n',
    );
    process.exit(1);
  }
  if (process.stderr.isTTY)
    process.stderr.write('facility: running src/ through tsx (slow start); `npm run build` compiles it\n');
  entry = join(root, 'src', 'cli.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
