/** Writes the generated dashboards and provisioning files into dashboards/ (npm run dashboards). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { generateDashboards } from '../src/dashboards/index.ts';

const root = new URL('../dashboards/', import.meta.url).pathname;
const files = generateDashboards();
// Dashboards no longer generated must not linger in Grafana.
for (const entry of readdirSync(join(root, 'json'), { recursive: true, withFileTypes: true }).filter((e) =>
  e.isFile(),
)) {
  const path = relative(root, join(entry.parentPath, entry.name));
  if (!files.has(path)) rmSync(join(root, path));
}
for (const [path, text] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
console.log(`wrote ${files.size} files into dashboards/`);
