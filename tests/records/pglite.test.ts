import { rmSync } from 'node:fs';
import { tempDir } from '../support/servers.ts';
import { recordsSuite } from './suite.ts';

let dir: string;
recordsSuite(
  'embedded PGlite',
  async () => {
    dir = tempDir('records');
    return { options: () => ({ dataDir: dir }) };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);
