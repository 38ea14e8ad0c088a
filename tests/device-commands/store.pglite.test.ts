import { migratedDataDir } from '../support/store.ts';
import { commandStoreSuite } from './store.suite.ts';

commandStoreSuite(
  'embedded PGlite',
  async () => ({ dataDir: migratedDataDir('commands') }),
  async () => {},
);
