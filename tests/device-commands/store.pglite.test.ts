import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { commandStoreSuite } from './store.suite.ts';

commandStoreSuite(
  'embedded PGlite',
  async () => ({ dataDir: storeDataDir('commands'), db: await lendStore() }),
  async () => {},
);
