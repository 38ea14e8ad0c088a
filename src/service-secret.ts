import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The secret the platform's own MQTT clients (ingest, rules, api, simulator) present. Taken from
 * FM_SERVICE_SECRET, else generated once into the data directory (mode 0600) so every process
 * started on the same data directory shares it.
 */
export function loadServiceSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; file?: string } {
  if (configured) return { secret: configured };
  const file = join(dataDir, 'service-secret');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return { secret: stored, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  // 'wx' fails if another process created it first; then read theirs.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { secret, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { secret: readFileSync(file, 'utf8').trim(), file };
  }
}
