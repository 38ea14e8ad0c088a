/**
 * The first admin token: from FM_ADMIN_TOKEN, or generated once into `<dataDir>/admin-token`
 * (mode 0600). Only its prefix and the file's path are ever logged.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { generateToken, hashToken, type TokenStore, tokenPrefix } from './tokens.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function bootstrapAdmin(
  store: TokenStore,
  { adminToken, dataDir }: { adminToken?: string; dataDir: string },
  log: Logger,
): Promise<void> {
  if (adminToken) {
    const result = await store.installBootstrap(adminToken);
    const prefix = tokenPrefix(adminToken);
    if (result === 'revoked') {
      log.warn({ prefix }, 'FM_ADMIN_TOKEN was revoked through the API and stays revoked; set a new one');
    } else {
      log.info({ prefix, result }, 'first admin token from FM_ADMIN_TOKEN');
    }
    return;
  }
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readTokenFile(path);
  if (existing) {
    if (!(await store.hasBootstrap())) await store.installBootstrap(existing);
    log.info({ prefix: tokenPrefix(existing), file: path }, 'first admin token is in the data directory');
    return;
  }
  if (await store.hasBootstrap()) {
    log.info('first admin token already issued; if it is lost, set FM_ADMIN_TOKEN to replace it');
    return;
  }
  const { token } = generateToken('admin');
  mkdirSync(dataDir, { recursive: true });
  // 'wx': a second process starting at the same moment fails here instead of overwriting ours.
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  const result = await store.installBootstrap(token);
  if (result !== 'created') {
    // Another instance sharing the database issued it first; ours would never work.
    rmSync(path, { force: true });
    log.info('first admin token was issued by another instance');
    return;
  }
  log.warn(
    { prefix: tokenPrefix(token), file: path, sha256: hashToken(token).slice(0, 8) },
    'generated the first admin token; read it from the file, then keep it somewhere safe',
  );
}
