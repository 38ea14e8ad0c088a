import { faultsSuite } from './faults.suite.ts';

faultsSuite('PGlite', () => undefined, false);
