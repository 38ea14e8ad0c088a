import { coreSuite } from './core.suite.ts';

coreSuite('embedded PGlite', () => undefined);
