import { chmodSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Takes group and other permissions off the data directory and everything under it (files 0600,
 * directories 0700 where they were wider): it holds the records, residents' phone numbers and
 * secrets. New files are private already (the CLI's umask is 0077); this catches what was created
 * with explicit modes, such as the embedded database's initial files, which PGlite extracts 0666,
 * and data directories made by earlier versions. Cheap when nothing needs changing (lstat only).
 */
export function tightenDataDir(dir: string): void {
  if (!existsSync(dir)) return;
  const tighten = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
    if (stat.isDirectory()) for (const name of readdirSync(path)) tighten(join(path, name));
  };
  tighten(dir);
}
